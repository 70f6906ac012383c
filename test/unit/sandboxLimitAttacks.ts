/**
 * The attacks of test/unit/sandbox.limits.attacks.test.ts (no describe blocks here: the bench
 * bench/sandbox-limits.bench.mjs runs them too). Attacks on the sandbox's limits (docs/sandbox-limits.md): memory outside the V8 heap (resizable
 * buffers, SharedArrayBuffer, WebAssembly, Intl), real time spent in lab calls, output without
 * bound, hostile values crossing out of the isolate. Every case asserts (a) containment — the
 * right error, within the real-time budget + 1 s of wall time — (b) the learner's message, and
 * (c) that another environment of the same executor, and a new executor, still work.
 */
import assert from 'node:assert/strict';
import type { HandlerContext, InitOutcome, InvokeOutcome, LabApi } from '../../src/engine/executor';

export type Outcome = InvokeOutcome | InitOutcome;
export type Calls = Array<[string, ...unknown[]]>;

export interface LimitAttack {
  name: string;
  code: string;
  phase?: 'init' | 'invoke';
  memoryMb?: number;
  /** The function's timeout, ms (the real-time budget is min(timeout, 2000)); default 300. */
  timeoutMs?: number;
  invocations?: number;
  lab?: () => Partial<LabApi>;
  check: (outs: Outcome[], calls: Calls) => void;
}

export const context = (envId: string): HandlerContext => ({ awsRequestId: 'req-1', functionName: 'attack', memoryLimitInMB: 64, getRemainingTimeInMillis: () => 300, coldStart: false, environmentId: envId });

function failed(out: Outcome, name: string | RegExp, message: RegExp): void {
  assert.ok(!out.ok, `expected a failure, got ${JSON.stringify(out).slice(0, 300)}`);
  if (typeof name === 'string') assert.equal(out.error.name, name, out.error.message);
  else assert.match(out.error.name, name, out.error.message);
  assert.match(out.error.message, message);
}

function result(out: Outcome): unknown {
  assert.ok(out.ok, `expected success, got ${JSON.stringify(out).slice(0, 400)}`);
  return (out as { result?: unknown }).result;
}

const oom = (what: RegExp, mb = 64) => (outs: Outcome[]) => {
  failed(outs[0], 'Runtime.OutOfMemory', new RegExp(`^the (handler|module's top level) ran out of memory: ${what.source}.*(memory limit of ${mb} MB|heap is limited to ${mb} MB)`));
  assert.equal((outs[0] as { error: { fatal?: boolean } }).error.fatal, true);
};
/** Out of memory at the isolate's own heap limit (not a guard's charge): the whole message, and the environment gone. */
const heapOom = (mb: number) => (outs: Outcome[]) => {
  failed(outs[0], 'Runtime.OutOfMemory', new RegExp(`^the handler ran out of memory: the environment's heap is limited to ${mb} MB, and it was killed$`));
  assert.equal((outs[0] as { error: { fatal?: boolean } }).error.fatal, true);
};
const tooLong = (what: string, n: number) => (outs: Outcome[]) => assert.deepEqual(result(outs[0]), `RangeError: ${what} over ${n} elements: the sandbox runs an array method over at most 8388608 elements in a 64 MB environment (one such call cannot be stopped by the timeout, and 8388608 elements of 8 bytes fill its memory)`);
/** A guard refused an allocation (memoryGuard.ts): the whole message, at the 64 MB of the attacks' environment. */
const chargedOom = (what: string) => `the handler ran out of memory: ${what} would take the environment past its memory limit of 64 MB, and it was killed`;
/** isolated-vm killed the environment at its heap limit (isolateExecutor.ts): the whole message. */
const HEAP_OOM = "the handler ran out of memory: the environment's heap is limited to 64 MB, and it was killed";
/** Runtime.OutOfMemory, fatal, and its message exactly one of `messages` (the bound that came first). */
const oneOf = (messages: string[]) => (outs: Outcome[]) => {
  failed(outs[0], 'Runtime.OutOfMemory', /./);
  assert.ok(messages.includes((outs[0] as { error: { message: string } }).error.message), `unexpected message: ${(outs[0] as { error: { message: string } }).error.message}`);
  assert.equal((outs[0] as { error: { fatal?: boolean } }).error.fatal, true);
};
/** The last outcome timed out; `ms` the figure the message names (the budget, or the lab-call bound). */
const timedOut = (ms?: number, why?: RegExp) => (outs: Outcome[]) => {
  failed(outs[outs.length - 1], 'Sandbox.Timedout', new RegExp(`^Task timed out: the (handler|module's top level) ran for more than ${ms ?? '\\d+'} ms of real time${why ? why.source : ''}`));
};

const MiB = 1024 * 1024;
const WASM_GROW_LOOP = '[0,97,115,109,1,0,0,0,1,4,1,96,0,0,3,2,1,0,5,3,1,0,1,7,5,1,1,103,0,0,10,13,1,11,0,3,64,65,16,64,0,26,12,0,11,11]';

export const limitAttacks: LimitAttack[] = [
  // ---- memory outside the heap ----
  {
    name: 'resizable ArrayBuffer: new ArrayBuffer(1, { maxByteLength: 1 GiB }).resize(512 MiB) in a 64 MB environment',
    code: `export const handler = () => { const b = new ArrayBuffer(1, { maxByteLength: ${1024 * MiB} }); b.resize(${512 * MiB}); new Uint8Array(b).fill(1); return b.byteLength; };`,
    check: oom(/ArrayBuffer\.prototype\.resize\(536870912\) would take the environment past its/),
  },
  {
    name: 'resizable ArrayBuffer: the RangeError is caught and the handler goes on (the invocation still fails)',
    code: `export const handler = () => { const b = new ArrayBuffer(1, { maxByteLength: ${256 * MiB} }); try { b.resize(${200 * MiB}); } catch {} return 'survived'; };`,
    check: oom(/ArrayBuffer\.prototype\.resize\(209715200\)/),
  },
  {
    name: 'resizable ArrayBuffer grown 1 MiB at a time up to 512 MiB',
    code: `export const handler = () => { const b = new ArrayBuffer(0, { maxByteLength: ${512 * MiB} }); for (let n = 1; n <= 512; n++) { b.resize(n * ${MiB}); new Uint8Array(b, (n - 1) * ${MiB}).fill(7); } return b.byteLength; };`,
    check: oom(/ArrayBuffer\.prototype\.resize\(\d+\)/),
  },
  {
    name: "resizable ArrayBuffer through the original constructor: Object.getPrototypeOf(new Uint8Array(1).buffer).constructor, Reflect.construct, a subclass",
    code: `export const handler = () => {
        const out: unknown[] = [];
        const Ctor: any = Object.getPrototypeOf(new Uint8Array(1).buffer).constructor;
        out.push(Ctor === ArrayBuffer, Ctor.name);
        class Big extends (Ctor as ArrayBufferConstructor) {}
        const big: any = new Big(1, { maxByteLength: ${1024 * MiB} } as any);
        out.push(big instanceof Big, big.maxByteLength);
        const viaReflect: any = Reflect.construct(Ctor, [1, { maxByteLength: ${1024 * MiB} }], Big);
        out.push(viaReflect.maxByteLength);
        const resize = Object.getOwnPropertyDescriptor(Ctor.prototype, 'resize')!.value;
        try { Reflect.apply(resize, viaReflect, [${300 * MiB}]); } catch (e: any) { out.push(e.name); }
        return out;
      };`,
    check: oom(/ArrayBuffer\.prototype\.resize\(314572800\)/),
  },
  {
    name: 'resizable ArrayBuffer: maxByteLength is clamped to the environment (no 1 TB reservation)',
    code: `export const handler = () => { const b: any = new ArrayBuffer(8, { maxByteLength: 2 ** 40 }); return [b.resizable, b.maxByteLength, b.byteLength]; };`,
    check: (outs) => assert.deepEqual(result(outs[0]), [true, 64 * MiB, 8]),
  },
  {
    name: 'resizable ArrayBuffer: transfer() to a longer resizable buffer (beyond the clamp, then within it)',
    code: `export const handler = () => { const b: any = new ArrayBuffer(1, { maxByteLength: ${1024 * MiB} }); let past; try { b.transfer(${512 * MiB}); } catch (e: any) { past = e.message; } const t = b.transfer(${63 * MiB}); return [past, t.byteLength]; };`,
    check: oom(/ArrayBuffer\.prototype\.transfer\(66060288\)/),
  },
  {
    name: 'resizable ArrayBuffer: a big initial length with maxByteLength',
    code: `export const handler = () => new ArrayBuffer(${200 * MiB}, { maxByteLength: ${200 * MiB} }).byteLength;`,
    check: (outs) => failed(outs[0], /^(Runtime\.OutOfMemory|RangeError)$/, /out of memory|Invalid array buffer|ran out of memory/),
  },
  {
    name: 'resizable ArrayBuffers by the thousand (each takes memory mappings: 30,000 of them abort the process)',
    code: `const keep: ArrayBuffer[] = []; export const handler = () => { for (let i = 0; i < 100000; i++) { const b = new ArrayBuffer(1, { maxByteLength: ${MiB} }); (b as any).resize(4096); keep.push(b); } return keep.length; };`,
    check: oom(/new ArrayBuffer\(1, \{ maxByteLength \}\) \(each resizable ArrayBuffer also counts 2 MB\)/),
  },
  {
    name: 'resizable ArrayBuffers made and dropped across many invocations are collected (no false out-of-memory)',
    code: `export const handler = () => { let n = 0; for (let i = 0; i < 40; i++) { const b = new ArrayBuffer(0, { maxByteLength: ${4 * MiB} }); (b as any).resize(${MiB}); n += b.byteLength; } return n; };`,
    invocations: 30,
    timeoutMs: 2000,
    check: (outs) => {
      assert.equal(outs.length, 30);
      for (const o of outs) assert.equal(result(o), 40 * MiB);
    },
  },
  {
    name: 'growable SharedArrayBuffer: new SharedArrayBuffer(1, { maxByteLength }).grow(512 MiB)',
    code: `export const handler = () => { const s: any = new SharedArrayBuffer(1, { maxByteLength: ${1024 * MiB} } as any); s.grow(${512 * MiB}); return s.byteLength; };`,
    check: (outs) => failed(outs[0], 'Error', /^SharedArrayBuffer is not available in a handler: a handler runs on one thread \(nothing to share memory with\), and a growable shared buffer could grow past the memory limit$/),
  },
  {
    name: 'no SharedArrayBuffer or WebAssembly left anywhere: globals, prototypes of existing objects, Atomics, Function',
    code: `export const handler = () => {
        const found: string[] = [];
        const seen = new Set<unknown>();
        const visit = (o: any, path: string, depth: number) => {
          if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o) || depth > 3) return;
          seen.add(o);
          for (const k of Reflect.ownKeys(o)) {
            let v: any; try { v = Object.getOwnPropertyDescriptor(o, k)?.value; } catch { continue; }
            if (typeof v === 'function' && /^(SharedArrayBuffer|Memory|Module|Instance)$/.test(v.name)) { try { new v(1); found.push(path + '.' + String(k) + ': constructed'); } catch (e: any) { if (!/not available in a handler/.test(e.message)) found.push(path + '.' + String(k) + ': ' + e.message); } }
            visit(v, path + '.' + String(k), depth + 1);
          }
          visit(Object.getPrototypeOf(o), path + '.__proto__', depth + 1);
        };
        visit(globalThis, 'globalThis', 0);
        visit(new Uint8Array(4).buffer, 'buffer', 0);
        return { found, wasm: typeof (globalThis as any).WebAssembly, frozen: Object.isFrozen((globalThis as any).WebAssembly) };
      };`,
    check: (outs) => assert.deepEqual(result(outs[0]), { found: [], wasm: 'object', frozen: true }),
  },
  {
    name: 'WebAssembly.Memory({ initial: 1, maximum: 8000 }).grow(7000)',
    code: `export const handler = () => { const m = new WebAssembly.Memory({ initial: 1, maximum: 8000 }); m.grow(7000); return m.buffer.byteLength; };`,
    check: (outs) => failed(outs[0], 'Error', /^WebAssembly\.Memory is not available in a handler: a WebAssembly memory can grow \(memory\.grow\) past the environment's memory limit, which the sandbox cannot bound$/),
  },
  {
    name: 'the wasm memory.grow instruction inside a module (no JavaScript patch could intercept it)',
    code: `export const handler = async () => { const { instance } = await WebAssembly.instantiate(new Uint8Array(${WASM_GROW_LOOP})); (instance.exports as any).g(); return 'grew'; };`,
    check: (outs) => failed(outs[0], 'Error', /^WebAssembly\.instantiate is not available in a handler/),
  },
  {
    name: 'WebAssembly.compile / validate / Module used for feature detection',
    code: `export const handler = () => ['compile', 'validate', 'Module', 'Table', 'Global'].map((k) => { try { const f: any = (WebAssembly as any)[k]; return String(k === 'Module' || k === 'Table' || k === 'Global' ? new f(new Uint8Array(8)) : f(new Uint8Array(8))); } catch (e: any) { return e.message.split(':')[0]; } });`,
    check: (outs) => assert.deepEqual(result(outs[0]), ['WebAssembly.compile is not available in a handler', 'WebAssembly.validate is not available in a handler', 'WebAssembly.Module is not available in a handler', 'WebAssembly.Table is not available in a handler', 'WebAssembly.Global is not available in a handler']),
  },
  {
    name: 'Intl.DateTimeFormat hoard (each holds 20–120 KB of ICU memory outside the heap)',
    code: `const keep: unknown[] = []; export const handler = () => { for (let i = 0; i < 1e6; i++) keep.push(new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { dateStyle: 'full', timeStyle: 'full', timeZone: 'Asia/Tokyo' })); return keep.length; };`,
    timeoutMs: 2000,
    check: oom(/new Intl\.DateTimeFormat\(\) would take the environment past its/),
  },
  {
    name: 'Intl.Segmenter (word) hoard and segment() iterators',
    code: `const keep: unknown[] = []; export const handler = () => { for (let i = 0; i < 1e6; i++) { const s = new Intl.Segmenter('en', { granularity: 'word' }); keep.push(s, s.segment('a b c')[Symbol.iterator]()); } return keep.length; };`,
    timeoutMs: 2000,
    // Which bound comes first depends on when V8 collects (under load the heap the wrappers fill often
    // does, 6-9 of 30 runs beside three busy loops): the promise is Runtime.OutOfMemory, fatal, with
    // one of the sandbox's two messages at the environment's 64 MB.
    check: oneOf([...['new Intl.Segmenter()', 'Intl.Segmenter.prototype.segment()', 'Intl segments iterator'].map(chargedOom), HEAP_OOM]),
  },
  {
    name: 'Intl through the original constructor (prototype.constructor, called without new)',
    code: `const keep: unknown[] = []; export const handler = () => { const C: any = Object.getPrototypeOf(new Intl.DateTimeFormat()).constructor; for (let i = 0; i < 1e6; i++) keep.push(C('en', { dateStyle: 'full' })); return keep.length; };`,
    timeoutMs: 2000,
    check: oom(/new Intl\.DateTimeFormat\(\)/),
  },
  {
    name: 'Intl objects made and dropped in a loop are collected (formatting 3,000 dates)',
    code: `export const handler = () => { let s = 0; for (let i = 0; i < 3000; i++) s += new Intl.DateTimeFormat('en', { dateStyle: 'short' }).format(i * 86400000).length; return s > 0 && new Intl.DateTimeFormat('en', { timeZone: 'UTC' }).format(0); };`,
    timeoutMs: 2000,
    check: (outs) => assert.equal(result(outs[0]), '1/1/1970'),
  },
  {
    name: 'a huge string: x.repeat(2 ** 29) and doubling concatenation',
    code: `export const handler = () => { const out: string[] = []; try { 'x'.repeat(2 ** 29); } catch (e: any) { out.push(e.name); } let s = 'ab'; for (;;) s = s + s; };`,
    check: (outs) => failed(outs[0], /^(Runtime\.OutOfMemory|RangeError)$/, /ran out of memory|Invalid string length/),
  },
  {
    name: 'a typed array and a plain ArrayBuffer over the limit are refused (RangeError the handler sees)',
    code: `export const handler = () => [() => new Uint8Array(${512 * MiB}), () => new ArrayBuffer(${512 * MiB}), () => new Float64Array(${64 * MiB})].map((f) => { try { return f().byteLength; } catch (e: any) { return e.name + ': ' + e.message; } });`,
    check: (outs) => {
      for (const m of result(outs[0]) as string[]) assert.match(m, /^RangeError: (Array buffer allocation failed|Invalid typed array length)/);
    },
  },
  {
    name: 'a Map growing without end (its doubled table in one piece aborted the whole process)',
    code: `const m = new Map<number, number>(); export const handler = () => { for (let i = 0; ; i++) m.set(i, i); };`,
    timeoutMs: 2000,
    check: oom(/Map\.prototype\.set\(\) past 524288 entries would take the environment past its/),
  },
  {
    name: 'a Set growing without end',
    code: `const s = new Set<number>(); export const handler = () => { for (let i = 0; ; i++) s.add(i); };`,
    timeoutMs: 2000,
    check: oom(/Set\.prototype\.add\(\) past 524288 entries/),
  },
  {
    name: 'a Map built from a generator of 600,000 entries (the constructor calls the guarded set)',
    code: `export const handler = () => { function* pairs() { for (let i = 0; i < 600000; i++) yield [i, i] as [number, number]; } return new Map(pairs()).size; };`,
    timeoutMs: 2000,
    check: oom(/Map\.prototype\.set\(\) past 524288 entries/),
  },
  // ---- the heap itself: growth that once aborted the process ("CALL_AND_RETRY_LAST") ----
  {
    name: "a plain object used as a dictionary, o['k' + i] = i, to the heap limit (its doubled table did not fit and aborted the process)",
    code: `export const handler = () => { const o: Record<string, number> = {}; for (let i = 0; ; i++) o['k' + i] = i; };`,
    memoryMb: 8,
    timeoutMs: 2000,
    check: heapOom(8),
  },
  {
    name: 'a dictionary object at the top level of the module (the init phase)',
    code: `const o: Record<string, number> = {}; for (let i = 0; ; i++) o['key-' + i] = i; export const handler = () => 'never';`,
    phase: 'init',
    memoryMb: 8,
    timeoutMs: 2000,
    check: (outs) => {
      failed(outs[0], 'Runtime.OutOfMemory', /^the module's top level ran out of memory: the environment's heap is limited to 8 MB, and it was killed$/);
    },
  },
  {
    name: "ArrayBuffers against the environment's 64 MB, not V8's 192 MB heap: 72 MB refused, 48 MB allowed (the host's reserve counts)",
    code: `export const handler = () => [72, 48].map((mb) => { try { return new ArrayBuffer(mb * ${MiB}).byteLength / ${MiB}; } catch (e: any) { return e.message; } });`,
    check: (outs) => assert.deepEqual(result(outs[0]), ['Array buffer allocation failed', 48]),
  },
  {
    name: 'new Array(64) kept in a loop, 128 MB / 2 s (Turboshaft-unrolled code stopped for neither the memory limit nor the timeout: 3 GB in 9 s)',
    code: `export const handler = () => { const keep: unknown[] = []; for (;;) keep.push(new Array(64)); };`,
    memoryMb: 128,
    timeoutMs: 2000,
    check: heapOom(128),
  },
  {
    name: "a dictionary of new Array(256) (o['k' + i] = new Array(256)) at the module's level, across invocations: 10 GB after 10 minutes of a lesson check before",
    code: `const seen: Record<string, unknown[]> = {}; export const handler = () => { for (let i = 0; ; i++) seen['k' + i] = new Array(256); };`,
    memoryMb: 128,
    timeoutMs: 2000,
    check: heapOom(128),
  },
  {
    name: 'an object with sparse integer keys (dictionary elements) to the heap limit',
    code: `export const handler = () => { const o: Record<number, number> = {}; for (let i = 0; ; i++) o[i * 7 + 1e9] = i; };`,
    memoryMb: 8,
    timeoutMs: 2000,
    check: heapOom(8),
  },
  {
    name: 'an array of strings to the heap limit',
    code: `export const handler = () => { const a: string[] = []; for (let i = 0; ; i++) a.push('s' + i + 'xxxxxxxx'); };`,
    memoryMb: 8,
    timeoutMs: 2000,
    check: heapOom(8),
  },
  {
    name: 'nested objects kept alive (a growing tree) to the heap limit',
    code: `const root: any = { kids: [] }; export const handler = () => { let level = [root]; for (let i = 0; ; i++) { const next: any[] = []; for (const n of level) for (let k = 0; k < 4; k++) { const c = { i, k, kids: [], label: 'n' + i + '.' + k }; n.kids.push(c); next.push(c); } level = next; } };`,
    memoryMb: 8,
    timeoutMs: 2000,
    check: heapOom(8),
  },
  {
    name: 'string concatenation kept in pieces (flattened, so the heap holds them) to the heap limit',
    code: `const keep: string[] = []; export const handler = () => { let s = ''; for (let i = 0; ; i++) { s += 'abcdefghij' + i; if (s.length > 100000) { keep.push(s.slice(1)); s = ''; } } };`,
    memoryMb: 8,
    timeoutMs: 2000,
    check: heapOom(8),
  },
  {
    name: 'builtin calls growing the heap past the limit with no collection after them: two filled arrays of 64 + 16 MB kept (new Array(3e7).fill(0) returned success holding 240 MB of a 64 MB environment)',
    code: `let kept: unknown; export const handler = () => { kept = [new Array(8388608).fill(0.5), new Array(2e6).fill(0.5)]; return 1; };`,
    timeoutMs: 2000,
    check: (outs) => {
      failed(outs[0], 'Runtime.OutOfMemory', /^the handler ran out of memory: it held \d+ MB when it returned, past the environment's memory limit of 64 MB, and it was killed$/);
      assert.equal((outs[0] as { error: { fatal?: boolean } }).error.fatal, true);
    },
  },
  {
    name: 'garbage past the limit is not out of memory: 100 MB of short-lived flat strings (and a last one of 66 MB left for the collector: the check after the entry collects before it judges) in a 64 MB environment',
    code: `export const handler = () => { let n = 0; for (let i = 0; i < 100; i++) n += JSON.stringify('x'.repeat(1e6) + i).length; const last = JSON.stringify('y'.repeat(6.6e7)); return n + last.length - 6.6e7 - 2; };`,
    invocations: 3,
    timeoutMs: 2000,
    check: (outs) => {
      assert.equal(outs.length, 3);
      for (const o of outs) assert.equal(result(o), 100 * (1e6 + 2) + 190);
    },
  },
  {
    name: 'new Array(1e8).fill(0) (one builtin call: ran 15 s and took 1.4 GB in a 64 MB environment under a 2 s budget)',
    code: `export const handler = () => { try { return new Array(1e8).fill(0).length; } catch (e: any) { return e.name + ': ' + e.message; } };`,
    timeoutMs: 2000,
    check: tooLong('Array.prototype.fill()', 100000000),
  },
  {
    name: 'Array.from({ length: 1e8 }) (9 s, 1.4 GB)',
    code: `export const handler = () => { try { return Array.from({ length: 1e8 }).length; } catch (e: any) { return e.name + ': ' + e.message; } };`,
    timeoutMs: 2000,
    check: tooLong('Array.from()', 100000000),
  },
  {
    name: 'new Array(1e9).forEach(f) (19 s)',
    code: `export const handler = () => { try { let n = 0; new Array(1e9).forEach(() => n++); return n; } catch (e: any) { return e.name + ': ' + e.message; } };`,
    timeoutMs: 2000,
    check: tooLong('Array.prototype.forEach()', 1000000000),
  },
  {
    name: 'new Array(1e9).lastIndexOf(1) (29 s)',
    code: `export const handler = () => { try { return new Array(1e9).lastIndexOf(1); } catch (e: any) { return e.name + ': ' + e.message; } };`,
    timeoutMs: 2000,
    check: tooLong('Array.prototype.lastIndexOf()', 1000000000),
  },
  {
    name: 'sort, copyWithin, splice and toSorted of a sparse array of length 1e8 (6 to 12 s each)',
    code: `export const handler = () => { try { const a: any[] = new Array(1e8); a[5] = 1; const out: string[] = []; for (const f of [() => a.sort(), () => a.copyWithin(0, 1), () => a.splice(1, 0, 5), () => (a as any).toSorted()]) { try { f(); out.push('ran'); } catch (e: any) { out.push(e.message.split(' over ')[0]); } } throw new RangeError(out.join(', ') + ' over 100000000 elements: the sandbox runs an array method over at most 8388608 elements in a 64 MB environment (one such call cannot be stopped by the timeout, and 8388608 elements of 8 bytes fill its memory)'); } catch (e: any) { return e.name + ': ' + e.message; } };`,
    timeoutMs: 2000,
    check: tooLong('Array.prototype.sort(), Array.prototype.copyWithin(), Array.prototype.splice(), Array.prototype.toSorted()', 100000000),
  },
  {
    name: 'Array.prototype.indexOf.call on an array-like { length: 2 ** 40 }',
    code: `export const handler = () => { try { return Array.prototype.indexOf.call({ length: 2 ** 40 }, 1); } catch (e: any) { return e.name + ': ' + e.message; } };`,
    timeoutMs: 2000,
    check: tooLong('Array.prototype.indexOf()', 1099511627776),
  },
  {
    name: "'x'.repeat(3e7).split('') ('x'.repeat(1e8).split('') made 100,000,000 strings in one call: 954 MB resident in a 64 MB environment), and a split by a RegExp",
    code: `export const handler = () => { const s = 'x'.repeat(3e7); return [() => s.split(''), () => s.split(/(?:)/), () => s.split('', 2 ** 32 - 1)].map((f) => { try { return f().length; } catch (e: any) { return e.name + ': ' + e.message; } }); };`,
    timeoutMs: 2000,
    check: (outs) => {
      const message = 'RangeError: String.prototype.split() into more than 2097152 pieces: the sandbox splits a string into at most 2097152 pieces in a 64 MB environment (one such call cannot be stopped by the timeout)';
      assert.deepEqual(result(outs[0]), [message, message, message]);
    },
  },
  {
    name: 'splits below the bound behave as always (limits, separators, RegExps with groups)',
    code: `export const handler = () => ['a,b,,c'.split(','), 'a,b,c'.split(',', 2), 'abc'.split(''), 'a1b2c'.split(/(\\d)/), 'x'.split(undefined as any), ''.split(','), 'a-b'.split('-', -1), 'line\\n'.repeat(1e6).split('\\n').length];`,
    check: (outs) => assert.deepEqual(result(outs[0]), [['a', 'b', '', 'c'], ['a', 'b'], ['a', 'b', 'c'], ['a', '1', 'b', '2', 'c'], ['x'], [''], ['a', 'b'], 1e6 + 1]),
  },
  {
    name: 'an array-like whose length getter answers 1, then 1e9 to V8 (lastIndexOf / forEach ran 11 s); typed arrays and arguments still work',
    code: `export const handler = function () { let n = 0; const o = { get length() { return n++ ? 1e9 : 1; } }; const out: unknown[] = [];
        for (const f of [() => Array.prototype.lastIndexOf.call(o, 1), () => Array.prototype.forEach.call(Object.create(o), () => 0), () => Array.from(o)]) { try { out.push(f()); } catch (e: any) { out.push(e.name + ': ' + e.message); } }
        out.push(Array.prototype.map.call(new Uint8Array([1, 2]), (x: number) => x * 2), Array.prototype.slice.call({ length: 2, 0: 'a', 1: 'b' }), (function (..._a: unknown[]) { return Array.prototype.slice.call(arguments); })(1, 2));
        return out; };`,
    timeoutMs: 2000,
    check: (outs) => {
      const why = 'on an object whose length is a getter: the sandbox runs array methods on arrays and on array-likes whose length is a plain value';
      assert.deepEqual(result(outs[0]), [`TypeError: Array.prototype.lastIndexOf() ${why}`, `TypeError: Array.prototype.forEach() ${why}`, `TypeError: Array.from() ${why}`, [2, 4], ['a', 'b'], [1, 2]]);
    },
  },
  {
    name: 'array methods over a million elements still run (below the bound) in a 64 MB environment',
    code: `export const handler = () => { const a = new Array(1e6).fill(1); let n = 0; a.forEach((x) => (n += x)); return [n, a.map((x) => x * 2).reduce((s, x) => s + x, 0), a.indexOf(2), a.lastIndexOf(1), Array.from({ length: 3 }, (_, i) => i), a.slice(0, 2), [3, 1, 2].sort(), a.length]; };`,
    timeoutMs: 2000,
    check: (outs) => assert.deepEqual(result(outs[0]), [1e6, 2e6, -1, 999999, [0, 1, 2], [1, 1], [1, 2, 3], 1e6]),
  },
  {
    name: 'a Promise flood (ten million pending promises)',
    code: `const keep: Promise<unknown>[] = []; export const handler = () => { for (let i = 0; i < 1e7; i++) keep.push(new Promise(() => {})); return keep.length; };`,
    check: (outs) => failed(outs[0], /^(Runtime\.OutOfMemory|Sandbox\.Timedout)$/, /ran out of memory|timed out/),
  },
  // ---- real time across lab calls ----
  {
    name: "putObject(b, k, '\\u4e2d'.repeat(1e6)) in a loop under a 2 s timeout (host work in every call)",
    code: `import { putObject } from 'serverless-lab'; const body = '\\u4e2d'.repeat(1e6); export const handler = () => { for (let i = 0; ; i++) try { putObject('b', 'k' + i, body); } catch {} };`,
    timeoutMs: 2000,
    lab: () => ({ putObject: () => ({ etag: 'e' }) }),
    check: timedOut(undefined, /: (it spent more than 1000 ms of real time in lab calls|its real-time budget of 2000 ms was spent)/),
  },
  {
    name: 'lab calls that each take 100 ms of host time (isolated-vm does not count them)',
    code: `import { log } from 'serverless-lab'; export const handler = () => { for (let i = 0; ; i++) log('x' + i); };`,
    timeoutMs: 1000,
    lab: () => ({ log: () => { const t = Date.now(); while (Date.now() - t < 100); } }),
    check: timedOut(500, /: it spent more than 500 ms of real time in lab calls/),
  },
  {
    name: 'console.log in an endless loop (cheap lab calls, never a pause in the isolate)',
    code: `export const handler = () => { for (let i = 0; ; i++) console.log(i); };`,
    check: (outs, calls) => {
      failed(outs[0], 'Sandbox.Timedout', /^Task timed out: the handler ran for more than (300|150) ms of real time/);
      assert.ok(calls.filter((c) => c[0] === 'log').length <= 10_002, 'the container stops passing lines after the bound');
    },
  },
  {
    name: 'work(0) in an endless loop (a synchronous lab call)',
    code: `import { work } from 'serverless-lab'; export const handler = () => { for (;;) work(0); };`,
    check: timedOut(),
  },
  {
    name: 'context.getRemainingTimeInMillis() in an endless loop',
    code: `export const handler = (_e: unknown, context: any) => { for (;;) context.getRemainingTimeInMillis(); };`,
    check: (outs) => failed(outs[0], 'Sandbox.Timedout', /^Task timed out/),
  },
  {
    name: 'lab calls whose errors are caught after the budget is spent, then a spin with no calls',
    code: `import { log } from 'serverless-lab'; export const handler = () => { for (let i = 0; i < 1e9; i++) { try { log('x'); } catch {} } for (;;) {} };`,
    lab: () => ({ log: () => { const t = Date.now(); while (Date.now() - t < 5); } }),
    check: (outs) => failed(outs[0], 'Sandbox.Timedout', /^Task timed out/),
  },
  {
    name: 'an awaited call in an endless loop: the budget spans every entry of the invocation',
    code: `import { send } from 'serverless-lab'; export const handler = async () => { for (;;) { await send('q', 'x'); const t = Date.now(); for (let i = 0; i < 20000; i++) Math.sqrt(i); } };`,
    // Time the platform spends completing calls between entries is not the handler's (the engine's virtual timeout covers it).
    check: (outs) => failed(outs[0], 'Sandbox.Timedout', /^Task timed out/),
  },
  {
    name: 'more than 32 MB of arguments to lab calls in one invocation',
    code: `import { send } from 'serverless-lab'; const big = 'y'.repeat(1000000); export const handler = () => { let n = 0; try { for (;;) { send('q', big); n++; } } catch (e: any) { return [n, e.message]; } };`,
    timeoutMs: 2000,
    lab: () => ({ send: () => ({ messageId: 'm' }) }),
    check: (outs) => {
      const [n, message] = result(outs[0]) as [number, string];
      assert.ok(n >= 30 && n <= 34, String(n));
      assert.match(message, /^send\(\): its lab calls passed more than 32 MB of arguments/);
    },
  },
  {
    name: 'a microtask loop (Promise.resolve().then(loop))',
    code: `export const handler = () => { const loop = (): unknown => Promise.resolve().then(loop); loop(); return 'queued'; };`,
    // Each turn keeps the promise it resolves with: the heap fills (on an idle machine, within the 300 ms) or the budget ends first.
    check: (outs) => failed(outs[0], /^(Sandbox\.Timedout|Runtime\.OutOfMemory)$/, /^(Task timed out: the handler ran for more than 300 ms of real time|the handler ran out of memory: the environment's heap is limited to 64 MB)/),
  },
  {
    name: 'queueMicrotask recursion',
    code: `export const handler = () => { const again = () => queueMicrotask(again); again(); return 1; };`,
    check: timedOut(),
  },
  {
    name: 'catastrophic regular expression backtracking',
    code: `export const handler = () => /^(a+)+$/.test('a'.repeat(40) + 'b');`,
    check: timedOut(),
  },
  // ---- output ----
  {
    name: '781 log lines of 1 MB each (the runtime process crashed on this)',
    code: `const line = 'z'.repeat(1000000); export const handler = () => { for (let i = 0; i < 781; i++) console.log(line); return 'logged'; };`,
    timeoutMs: 2000,
    check: (outs, calls) => {
      assert.equal(result(outs[0]), 'logged');
      const logs = calls.filter((c) => c[0] === 'log');
      assert.ok(logs.length <= 6, `${logs.length} lines reached the host`);
      assert.match(String(logs.at(-1)![1]), /^output truncated after 4 lines \(3\.8 MB\) of logs in this invocation: the sandbox passes no more of its log lines$/);
    },
  },
  {
    name: '20,000 short log lines: 10,001 reach the host, then one truncation line',
    code: `export const handler = () => { for (let i = 0; i < 20000; i++) console.log('line', i); return 'done'; };`,
    timeoutMs: 2000,
    check: (outs, calls) => {
      assert.equal(result(outs[0]), 'done');
      const logs = calls.filter((c) => c[0] === 'log');
      assert.equal(logs.length, 10_002);
      assert.deepEqual(logs[0].slice(1), ['line', 0]);
      assert.match(String(logs[10_001][1]), /^output truncated after 10001 lines \(0\.1 MB\) of logs in this invocation/);
    },
  },
  {
    name: 'the log bound is per invocation: the next invocation logs again',
    code: `let n = 0; export const handler = () => { n++; for (let i = 0; i < 10500; i++) console.log(n, i); return n; };`,
    invocations: 2,
    timeoutMs: 2000,
    check: (outs, calls) => {
      assert.deepEqual(outs.map(result), [1, 2]);
      assert.equal(calls.filter((c) => c[0] === 'log').length, 2 * 10_002);
    },
  },
  {
    name: 'logging hostile values: a looping toString, a throwing getter, a Proxy, a symbol, a cycle',
    code: `export const handler = () => { const cyc: any = {}; cyc.self = cyc;
        console.log({ get x() { throw new Error('no'); } }, new Proxy({}, { ownKeys() { throw new Error('trap'); } }), Symbol('s'), cyc, 10n, () => 1);
        console.log({ toString() { for (;;) {} }, toJSON() { for (;;) {} } }); };`,
    check: (outs, calls) => {
      timedOut()(outs);
      const first = calls.find((c) => c[0] === 'log')!;
      assert.deepEqual(first.slice(1, 4), ['[object Object]', '[object Object]', 'Symbol(s)']);
    },
  },
  // ---- hostile values crossing out ----
  {
    name: 'an Error subclass with hostile name / message / stack getters',
    code: `class Evil extends Error { get name(): string { throw new Error('name!'); } get message(): string { return 'm'.repeat(1e6); } get stack(): string { throw new Error('stack!'); } }
      export const handler = () => { throw new Evil(); };`,
    check: (outs) => {
      failed(outs[0], 'Error', /^m{16384}/);
      assert.ok(!outs[0].ok && outs[0].error.message.length <= 16_384 + 20);
      // V8's own stack (an own property) renders the throwing name getter; the learner's file only.
      assert.match(String((outs[0] as { error: { stack?: string } }).error.stack), /^<error: Error: name!>\n {4}at handler \(/);
    },
  },
  {
    name: 'an Error whose name getter loops forever',
    code: `export const handler = () => { const e = new Error('x'); Object.defineProperty(e, 'name', { get() { for (;;) {} } }); throw e; };`,
    check: timedOut(),
  },
  {
    name: 'a getter that throws on the returned value',
    code: `export const handler = () => ({ ok: 1, get bad() { throw new TypeError('getter says no'); } });`,
    check: (outs) => failed(outs[0], 'Runtime.ResultNotSerializable', /^the handler's result cannot be turned into JSON: getter says no$/),
  },
  {
    name: 'toJSON returning a 100 MB string',
    code: `export const handler = () => ({ toJSON() { return 'q'.repeat(100 * 1024 * 1024); } });`,
    memoryMb: 256,
    timeoutMs: 2000,
    check: (outs) => failed(outs[0], /^Runtime\.(ResponseTooLarge|OutOfMemory)$/, /more than the limit of 1048576|ran out of memory/),
  },
  {
    name: 'returning new Array(1e8): refused after about 1 MB of encoding (it was encoded whole: in 128 MB / 2 s it timed out at 2.1 s, 762 MB resident)',
    code: `export const handler = () => new Array(1e8);`,
    memoryMb: 128,
    timeoutMs: 2000,
    check: (outs) => failed(outs[0], 'Runtime.ResponseTooLarge', /^the handler's result is at least 10485[78]\d characters as JSON, more than the limit of 1048576 \(the sandbox stopped encoding it there\)$/),
  },
  {
    name: 'a 100 MB string inside the returned object (and one behind a getter): refused before it is copied',
    code: `const big = 'z'.repeat(100 * 1024 * 1024); let n = 0; export const handler = () => (++n === 1 ? { statusCode: 200, body: big } : { get body() { return [big]; } });`,
    memoryMb: 256,
    invocations: 2,
    check: (outs) => {
      for (const o of outs) failed(o, 'Runtime.ResponseTooLarge', /^the handler's result is at least 1048576\d+ characters as JSON, more than the limit of 1048576 \(the sandbox stopped encoding it there\)$/);
    },
  },
  {
    name: 'results near the response limit are encoded exactly as JSON.stringify does (toJSON and getters run once, holes, undefined, -0, escapes)',
    code: `let calls = 0; export const handler = () => {
        const pad = 'p'.repeat(1048576 - 200);
        return { c: calls, a: [1, , undefined, () => 1, -0, NaN], s: '\\u2028"\\n', get g() { calls++; return 'g'; }, t: { toJSON() { calls++; return [true, null]; } }, u: undefined, pad };
      };`,
    invocations: 2,
    check: (outs) => {
      // c: the getter and toJSON calls before this invocation's encoding (one each per encoding).
      outs.forEach((o, i) => {
        const r = result(o) as Record<string, unknown>;
        assert.deepEqual({ ...r, pad: (r.pad as string).length }, { c: 2 * i, a: [1, null, null, null, 0, null], s: '\u2028"\n', g: 'g', t: [true, null], pad: 1048576 - 200 });
      });
    },
  },
  {
    name: 'a result 1 character over the limit is still refused (the exact size named), 1 under passes',
    code: `let n = 0; export const handler = () => ({ s: 'x'.repeat(1048576 - 8 + (++n === 1 ? 1 : 0)) });`,
    invocations: 2,
    check: (outs) => {
      failed(outs[0], 'Runtime.ResponseTooLarge', /^the handler's result is (at least )?1048577 characters as JSON, more than the limit of 1048576/);
      assert.equal(((result(outs[1]) as { s: string }).s).length, 1048576 - 8);
    },
  },
  {
    name: 'a BigInt, symbols and functions inside the returned value',
    code: `let n = 0; export const handler = () => (++n === 1 ? { big: 1n } : { [Symbol('k')]: 1, f() {}, s: Symbol('v'), list: [Symbol('x'), () => 1], ok: true });`,
    invocations: 2,
    check: (outs) => {
      failed(outs[0], 'Runtime.ResultNotSerializable', /BigInt/);
      assert.deepEqual(result(outs[1]), { list: [null, null], ok: true });
    },
  },
  {
    name: 'a Proxy result whose traps loop (getOwnPropertyDescriptor) or throw (get)',
    code: `let n = 0; export const handler = () => (++n === 1 ? new Proxy({ a: 1 }, { get() { throw new RangeError('get trap'); } }) : new Proxy({ a: 1 }, { getOwnPropertyDescriptor() { for (;;) {} } }));`,
    invocations: 2,
    check: (outs) => {
      failed(outs[0], 'RangeError', /^get trap$/); // thrown while the platform looks for a \`then\`
      timedOut()(outs);
    },
  },
  {
    name: 'a very large array result (2 million numbers)',
    code: `export const handler = () => Array.from({ length: 2e6 }, (_, i) => i);`,
    memoryMb: 128,
    timeoutMs: 2000,
    check: (outs) => failed(outs[0], 'Runtime.ResponseTooLarge', /characters as JSON, more than the limit of 1048576/),
  },
  {
    name: 'throwing a 10 MB string',
    code: `export const handler = () => { throw 'e'.repeat(10 * 1024 * 1024); };`,
    memoryMb: 128,
    check: (outs) => {
      failed(outs[0], 'Error', /^e{16384}/);
      assert.ok(!outs[0].ok && outs[0].error.message.length <= 16_384 + 20);
    },
  },
  {
    name: 'a stack overflow inside toJSON',
    code: `export const handler = () => ({ toJSON(): unknown { return (this as any).toJSON(); } });`,
    check: (outs) => failed(outs[0], 'Runtime.ResultNotSerializable', /Maximum call stack size exceeded/),
  },
];

