/**
 * Attacks on the sandbox. Every case asserts that (a) the attempt is contained: the right error or
 * a harmless result, (b) the host process is fine (no prototype pollution, no hang), (c) a second,
 * unrelated environment still works afterwards, and (d) the learner gets a clear message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerContext, InitOutcome, InvokeOutcome, LabApi } from '../../src/engine/executor';
import { clearCompileCache, compileHandler } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { recordingLab } from './helpers';
import { driven } from './driver';
import { describeLap, stopwatch } from './runnableTime';

type Driven = ReturnType<typeof driven<IsolateExecutor>>;

function contextFor(envId: string): HandlerContext {
  return { awsRequestId: 'req-1', functionName: 'attack', memoryLimitInMB: 64, getRemainingTimeInMillis: () => 300, coldStart: false, environmentId: envId };
}

type Outcome = InvokeOutcome | InitOutcome;

interface Attack {
  name: string;
  /** Source of the handler module (TypeScript). */
  code: string;
  /** Which phase the attack shows up in (default: invoke). */
  phase?: 'init' | 'invoke';
  memoryMb?: number;
  event?: unknown;
  /** Invoke this many times (stops early once the environment is gone). */
  invocations?: number;
  lab?: (ex: Driven, calls: Array<[string, ...unknown[]]>) => Partial<LabApi>;
  check: (out: Outcome, calls: Array<[string, ...unknown[]]>, learnerFile: string) => void;
}

const TIMEOUT_MS = 300;

function failed(out: Outcome, name: string | RegExp, message: RegExp): void {
  assert.ok(!out.ok, `expected a failure, got ${JSON.stringify(out).slice(0, 300)}`);
  if (typeof name === 'string') assert.equal(out.error.name, name, out.error.message);
  else assert.match(out.error.name, name);
  assert.match(out.error.message, message);
}

function result(out: Outcome): unknown {
  assert.ok(out.ok, `expected success, got ${JSON.stringify(out).slice(0, 400)}`);
  return (out as { result?: unknown }).result;
}

function timedOut(out: Outcome): void {
  failed(out, 'Sandbox.Timedout', /timed out.*300 ms/);
  if ('timedOut' in out || out.ok === false) assert.ok(!('result' in out));
}

/** Whether a value that calls itself `process` is the lab's (processGlobal.ts): no way into a runtime, no host value. */
const LAB_PROCESS = `((p: any) => p && typeof p === 'object' && ['binding', '_linkedBinding', 'dlopen', 'mainModule', 'reallyExit', 'getBuiltinModule'].every((k) => !(k in p)) && p.cwd() === '/var/task' && !JSON.stringify(p.env).includes('${'planted-host-value'}') ? 'lab process' : 'HOST ' + typeof p)`;

const ESCAPES = (value: string) =>
  `(() => { const out: string[] = []; const v: any = ${value}; const lab = ${LAB_PROCESS};
     for (const make of [() => lab(v.constructor.constructor('return process')()), () => typeof v.constructor.constructor('return require("fs")')(),
                         () => lab(Object.getPrototypeOf(v).constructor.constructor('return globalThis.process')())]) {
       try { out.push(make()); } catch (e: any) { out.push(e.name + ': ' + e.message); } }
     return out; })()`;

/** The three escape attempts of ESCAPES found only the lab's `process` and no host `require`. */
function assertNoEscape(attempts: string[]): void {
  assert.equal(attempts.length, 3);
  assert.equal(attempts[0], 'lab process');
  // `require('fs')` is the environment's virtual /tmp (virtualFs.ts), never the host's file system.
  assert.equal(attempts[1], 'object');
  assert.equal(attempts[2], 'lab process');
}

const attacks: Attack[] = [
  {
    name: "this.constructor.constructor('return process')() at the top level and in the handler",
    code: `const lab = ${LAB_PROCESS};
      const top = (() => { try { return lab((globalThis as any).constructor.constructor('return process')()); } catch (e: any) { return e.message; } })();
      const probe = { run(this: any) { return lab(this.constructor.constructor('return process')()); } };
      export function handler() { let inside; try { inside = probe.run(); } catch (e: any) { inside = e.message; } return { top, inside }; }`,
    check: (out) => assert.deepEqual(result(out), { top: 'lab process', inside: 'lab process' }),
  },
  {
    name: 'Function through the prototype chain of the event',
    code: `export const handler = (event: any) => ({ obj: ${ESCAPES('event')}, arr: ${ESCAPES('event.list')}, str: ${ESCAPES('event.s')} });`,
    event: { list: [1], s: 'x' },
    check: (out) => {
      for (const attempts of Object.values(result(out) as Record<string, string[]>)) {
        assertNoEscape(attempts);
      }
    },
  },
  {
    name: 'Function through the context and its getRemainingTimeInMillis',
    code: `export const handler = (_e: any, context: any) => [${ESCAPES('context')}, ${ESCAPES('context.getRemainingTimeInMillis')}];`,
    check: (out) => {
      for (const attempts of result(out) as string[][]) assertNoEscape(attempts);
    },
  },
  {
    name: 'Function through lab callbacks and their results',
    code: `import { send, tableGet } from 'serverless-lab';
      export const handler = async () => {
        const sent = await send('q', 'x');
        const item = await tableGet('t', 1);
        return [${ESCAPES('sent')}, ${ESCAPES('send')}, ${ESCAPES('item')}, ${ESCAPES("require('serverless-lab')")}];
      };`,
    check: (out) => {
      for (const attempts of result(out) as string[][]) assertNoEscape(attempts);
    },
  },
  {
    name: 'Function through an error thrown by the host',
    code: `import { send } from 'serverless-lab';
      export const handler = async () => { try { await send('q', 'x'); } catch (err: any) { return ${ESCAPES('err')}; } };`,
    lab: () => ({
      send: () => {
        throw new Error('host says no');
      },
    }),
    check: (out) => assertNoEscape(result(out) as string[]),
  },
  {
    name: 'Object.prototype.result = {reference: true} / .copy / .reference before lab calls and before returning',
    code: `import { send, getObject } from 'serverless-lab';
      export const handler = async () => {
        Object.assign(Object.prototype, { result: { reference: true }, copy: false, reference: true, externalCopy: true, arguments: { reference: true }, promise: true });
        const sent = await send('q', { a: 1 });
        return { sent, got: await getObject('b', 'present'), type: typeof sent.messageId };
      };`,
    check: (out, calls) => {
      assert.deepEqual(result(out), { sent: { messageId: 'm-1' }, got: 'body', type: 'string' });
      assert.deepEqual(calls[0], ['send', 'q', { a: 1 }, undefined]);
    },
  },
  {
    name: 'Array.prototype / arguments / Function.prototype.apply pollution before a call',
    code: `import { send } from 'serverless-lab';
      export const handler = async () => {
        Object.defineProperty(Array.prototype, '0', { get() { return 'polluted'; }, set() {}, configurable: true });
        (Function.prototype as any).apply = function () { return 'hijacked'; };
        (Function.prototype as any).call = function () { return 'hijacked'; };
        (Reflect as any).apply = () => 'hijacked';
        JSON.stringify = (() => 'not json') as any;
        JSON.parse = (() => ({ hijacked: true })) as any;
        return { id: (await send('q', 'body')).messageId };
      };`,
    check: (out, calls) => {
      assert.deepEqual(result(out), { id: 'm-1' });
      assert.deepEqual(calls[0], ['send', 'q', 'body', undefined]);
    },
  },
  {
    name: 'a looping getter on the returned value',
    code: 'export const handler = () => ({ ok: 1, get slow() { for (;;) {} } });',
    check: timedOut,
  },
  {
    name: 'a looping toJSON on the returned value',
    code: 'export const handler = async () => ({ toJSON() { for (;;) {} } });',
    check: timedOut,
  },
  {
    name: "an Error whose message getter loops forever",
    code: "export const handler = () => { const e = new Error('x'); Object.defineProperty(e, 'message', { get() { for (;;) {} } }); throw e; };",
    check: timedOut,
  },
  {
    name: 'an Error whose stack getter loops forever (async rejection)',
    code: "export const handler = async () => { await null; const e = new Error('x'); Object.defineProperty(e, 'stack', { get() { for (;;) {} } }); throw e; };",
    check: timedOut,
  },
  {
    name: 'a huge return value (100 MB string)',
    code: "export const handler = () => 'x'.repeat(100 * 1024 * 1024);",
    memoryMb: 256,
    check: (out) => failed(out, /^Runtime\.(ResponseTooLarge|OutOfMemory)$/, /more than the limit|ran out of memory/),
  },
  {
    name: 'a result just over the response limit (object)',
    code: "export const handler = () => ({ items: Array.from({ length: 20000 }, (_, i) => ({ i, pad: 'y'.repeat(50) })) });",
    check: (out) => failed(out, 'Runtime.ResponseTooLarge', /characters as JSON, more than the limit of 1048576/),
  },
  {
    name: 'deep recursion',
    code: 'const down = (n: number): number => down(n + 1) + 1;\nexport const handler = () => down(0);',
    check: (out) => {
      failed(out, 'RangeError', /Maximum call stack size exceeded/);
      assert.equal(out.ok === false && (out.error as { location?: { line: number } }).location?.line, 1);
    },
  },
  {
    name: 'while (true) {} in a synchronous handler',
    code: 'export const handler = () => { while (true) {} };',
    check: timedOut,
  },
  {
    name: 'await null; while (true) {} in an async handler',
    code: 'export const handler = async () => { await null; while (true) {} };',
    check: timedOut,
  },
  {
    name: 'while (true) {} at the top level (init phase)',
    code: 'while (true) {}\nexport const handler = () => 1;',
    phase: 'init',
    check: timedOut,
  },
  {
    name: 'a promise that never resolves',
    code: 'export const handler = async () => { await new Promise(() => {}); return "never"; };',
    // The executor answers "still waiting, nothing in flight"; the platform times such an invocation out (invocation.test.ts).
    check: (out) => failed(out, 'Driver.StillWaiting', /nothing can settle/),
  },
  {
    name: 'a memory bomb (array growth)',
    code: 'const hoard: number[][] = [];\nexport const handler = () => { for (;;) hoard.push(new Array(65536).fill(1.5)); };',
    memoryMb: 32,
    check: (out) => failed(out, 'Runtime.OutOfMemory', /ran out of memory.*32 MB/),
  },
  {
    name: 'a memory bomb at the top level (string doubling)',
    code: "let s = 'ab';\nfor (;;) s = s + s + String(s.length);\nexport const handler = () => s;",
    phase: 'init',
    memoryMb: 32,
    check: (out) => failed(out, /^Runtime\.OutOfMemory$|^RangeError$/, /ran out of memory|Invalid string length/),
  },
  {
    name: "require('fs') at run time reaches only the virtual /tmp; import() of a computed name; other built-ins",
    code: `export const handler = async () => {
        const out: string[] = [];
        const fs = (globalThis as any).require('fs');
        for (const path of ['/etc/passwd', '/proc/self/environ', '../../../../etc/hostname', '/tmp/../etc/passwd']) {
          try { out.push(fs.readFileSync(path, 'utf8')); } catch (e: any) { out.push(e.code); }
        }
        try { fs.writeFileSync('/var/task/x.js', 'x'); } catch (e: any) { out.push(e.code); }
        try { (globalThis as any).require('child_process'); } catch (e: any) { out.push(e.message); }
        try { const m: any = await import(['f', 's'].join('')); out.push(typeof m.readFileSync); } catch (e: any) { out.push(e.message); }
        try { await import(['o', 's'].join('')); } catch (e: any) { out.push(e.message); }
        out.push(typeof (globalThis as any).module, typeof (globalThis as any).exports);
        return out;
      };`,
    check: (out) => {
      const r = result(out) as string[];
      assert.deepEqual(r.slice(0, 5), ['ENOENT', 'ENOENT', 'ENOENT', 'ENOENT', 'EROFS']);
      assert.match(r[5], /cannot load 'child_process' in a handler: only 'serverless-lab', 'fs' \(for \/tmp\), 'buffer', 'crypto', 'process' and 'timers' can be imported/);
      assert.equal(r[6], 'function', 'a computed import of fs is the virtual /tmp too');
      assert.match(r[7], /cannot load 'os' in a handler/);
      assert.deepEqual(r.slice(8), ['undefined', 'undefined']);
    },
  },
  {
    name: "a static import of 'node:child_process' is a compile error",
    code: "import { execSync } from 'node:child_process';\nexport const handler = () => execSync('id');",
    phase: 'init',
    check: (out) => failed(out, 'Runtime.UserCodeSyntaxError', /Node built-in 'child_process' is not available in a handler/),
  },
  {
    name: "process / global.process / globalThis.process / require('process') are the lab's: no binding, dlopen, mainModule, no host environment value",
    code: `export const handler = () => {
        const g: any = globalThis;
        const lab = ${LAB_PROCESS};
        let direct; try { direct = lab((0, eval)('process')); } catch (e: any) { direct = e.message; }
        const p = g.process;
        const reach = [p.constructor, p.env.constructor, p.hrtime.constructor, p.nextTick.constructor].map((c) => { try { const x = c.constructor('return typeof this.process.binding')(); return x; } catch (e: any) { return e.name; } });
        return [direct, lab(g.process), lab(g.require('process')), lab(g.require('node:process')), typeof g.global, typeof g.Buffer, typeof g.require('serverless-lab'), JSON.stringify(p).includes('planted-host-value'), reach];
      };`,
    check: (out) => assert.deepEqual(result(out), ['lab process', 'lab process', 'lab process', 'lab process', 'undefined', 'function', 'object', false, ['undefined', 'undefined', 'undefined', 'undefined']]),
  },
  {
    name: 'setTimeout / setInterval / setImmediate: no string of code, no host timer, nothing of the host through a Timeout',
    code: `export const handler = async () => {
        const g: any = globalThis;
        const strings = ['setTimeout', 'setInterval', 'setImmediate'].map((n) => { try { g[n]('globalThis.ran = 1', 1); return 'scheduled'; } catch (e: any) { return e.code; } });
        const t = setTimeout(() => {}, 10);
        const im = setImmediate(() => {});
        const escapes = [${ESCAPES('t')}, ${ESCAPES('im')}, ${ESCAPES('setTimeout')}, ${ESCAPES("require('node:timers/promises')")}];
        // The host runs the callbacks: a timer's own fields cannot point it at anything else.
        t._onTimeout = 'globalThis.ran = 2';
        await new Promise((r) => setTimeout(r, 20));
        return { strings, escapes, ran: g.ran ?? null };
      };`,
    check: (out) => {
      const r = result(out) as { strings: string[]; escapes: string[][]; ran: unknown };
      assert.deepEqual(r.strings, ['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE']);
      for (const attempts of r.escapes) assertNoEscape(attempts);
      assert.equal(r.ran, null, 'no string was run as code');
    },
  },
  {
    name: 'eval / new Function escape attempts',
    code: `export const handler = () => {
        const g = new Function('return this')();
        const viaEval = (0, eval)('typeof this.process + typeof this.require + typeof this.ivm + typeof this._ivm');
        let ctor; try { ctor = typeof new Function('return process.mainModule')(); } catch (e: any) { ctor = e.message; }
        return { same: g === globalThis, viaEval, ctor, keys: Object.getOwnPropertyNames(g).filter((k) => /ivm|isolate|host/i.test(k)) };
      };`,
    check: (out) => assert.deepEqual(result(out), { same: true, viaEval: 'objectfunctionundefinedundefined', ctor: 'undefined', keys: [] }),
  },
  {
    name: '__proto__ keys in the returned JSON do not pollute the host',
    code: `export const handler = () => {
        const r = JSON.parse('{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "ok": 1}');
        return { r, list: [r] };
      };`,
    check: (out) => {
      const r = result(out) as { r: Record<string, unknown>; list: unknown[] };
      assert.equal(({} as { polluted?: string }).polluted, undefined);
      assert.equal(Object.getPrototypeOf(r.r), Object.prototype);
      assert.equal(r.r.ok, 1);
      assert.equal(Object.hasOwn(r.r, '__proto__'), false, '__proto__ keys are dropped');
    },
  },
  {
    name: '__proto__ keys in lab call arguments do not pollute the host',
    code: `import { tablePut } from 'serverless-lab';
      export const handler = async () => { await tablePut('t', JSON.parse('{"id": 1, "__proto__": {"isAdmin": true}}')); return 'done'; };`,
    check: (out, calls) => {
      assert.equal(result(out), 'done');
      const item = calls[0][2] as Record<string, unknown>;
      assert.deepEqual(item, { id: 1 });
      assert.equal(Object.getPrototypeOf(item), Object.prototype);
      assert.equal(({} as { isAdmin?: boolean }).isAdmin, undefined);
    },
  },
  {
    name: 'Symbol, function and Proxy return values',
    code: `let n = 0;
      export const handler = () => {
        n++;
        if (n === 1) return Symbol('s');
        if (n === 2) return () => 'fn';
        if (n === 3) return new Proxy({}, { ownKeys() { throw new Error('trap!'); } });
        return new Proxy({ a: 1 }, { get(t: any, k) { return k === 'a' ? 'proxied' : t[k]; } });
      };`,
    invocations: 4,
    check: () => undefined, // the interesting part runs in a custom test below
  },
  {
    name: 'a getter attack on a lab call argument (object with a looping getter passed to send)',
    code: "import { send } from 'serverless-lab';\nexport const handler = async () => await send('q', { get body() { for (;;) {} } });",
    check: (out, calls) => {
      timedOut(out);
      assert.equal(calls.length, 0, 'the host was never called');
    },
  },
  {
    name: 'a getter that changes its value on every read, passed to send',
    code: "import { send } from 'serverless-lab';\nlet reads = 0;\nexport const handler = async () => { await send('q', { get v() { return ++reads; } }); return reads; };",
    check: (out, calls) => {
      assert.equal(result(out), 1, 'read exactly once, inside the isolate');
      assert.deepEqual(calls[0], ['send', 'q', { v: 1 }, undefined]);
    },
  },
  {
    name: 'calling lab callbacks with huge arguments',
    code: "import { send, log } from 'serverless-lab';\nexport const handler = async () => { const big = 'x'.repeat(5 * 1024 * 1024); const out: string[] = []; for (const f of [() => send('q', big), () => log(big)]) { try { await f(); out.push('sent'); } catch (e: any) { out.push(e.message); } } return out; };",
    memoryMb: 128,
    check: (out, calls) => {
      const [sent, logged] = result(out) as string[];
      assert.match(sent, /send\(\): arguments are \d+ bytes as JSON, more than the limit of 1048576 bytes/);
      // A log line never throws: one longer than a lab call may carry is cut in the container.
      assert.equal(logged, 'sent');
      assert.equal(calls.length, 1);
      const line = calls[0][1] as string;
      assert.equal(calls[0][0], 'log');
      assert.ok(line.length < 262_144 + 100, `cut to ${line.length}`);
      assert.ok(/^x+… \(a log line of 524288\d characters, cut by the sandbox\)$/.test(line), line.slice(-200));
    },
  },
  {
    // Service calls complete outside the environment's stack now; the synchronous host calls (log,
    // work) are where the host is re-entered while the isolate's code is on the stack.
    name: 'reentrancy: a host call from the handler calls back into the same environment, another one, and destroys the caller',
    code: "let depth = 0;\nexport const handler = () => { depth++; console.log('x'); return { depth }; };",
    lab: (ex, calls) => ({
      log: () => {
        const same = ex.invoke('victim', {}, contextFor('victim'));
        const other = ex.invoke('bystander', {}, contextFor('bystander'));
        ex.destroyEnvironment('victim');
        calls.push(['reentered', same.ok ? 'ran' : same.error.name, other.ok ? other.result : other.error.name]);
      },
    }),
    check: (out, calls) => {
      assert.deepEqual(result(out), { depth: 1 });
      assert.deepEqual(calls, [['reentered', 'Runtime.Reentrancy', 'still fine']]);
    },
  },
  {
    name: 'SharedArrayBuffer + Atomics.wait hang (SharedArrayBuffer is not available; Atomics.wait on a plain buffer throws)',
    code: `export const handler = () => { let plain; try { Atomics.wait(new Int32Array(4), 0, 0); } catch (e: any) { plain = e.name; }
      try { return Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); } catch (e: any) { return [plain, e.message]; } };`,
    check: (out) => {
      const [plain, message] = result(out) as string[];
      assert.equal(plain, 'TypeError');
      assert.match(message, /^SharedArrayBuffer is not available in a handler: a handler runs on one thread/);
    },
  },
  {
    name: 'a WebAssembly infinite loop (WebAssembly is not available)',
    code: `const bytes = new Uint8Array([0,97,115,109,1,0,0,0, 1,4,1,96,0,0, 3,2,1,0, 7,5,1,1,102,0,0, 10,9,1,7,0,3,64,12,0,11,11]);
      const { exports } = new WebAssembly.Instance(new WebAssembly.Module(bytes));
      export const handler = () => (exports as any).f();`,
    phase: 'init',
    check: (out) => failed(out, 'Error', /^WebAssembly\.Module is not available in a handler: a WebAssembly memory can grow \(memory\.grow\) past/),
  },
  {
    name: 'Error.prepareStackTrace tampering (CallSites, objects, a loop)',
    code: `let n = 0;
      export const handler = () => {
        n++;
        if (n === 1) { (Error as any).prepareStackTrace = (_e: any, frames: any[]) => frames.map((f) => String(f.getFileName()) + ' ' + String(f.getFunction?.())); return new Error('x').stack; }
        if (n === 2) { (Error as any).prepareStackTrace = () => ({ get evil() { for (;;) {} } }); throw new Error('object stack'); }
        (Error as any).prepareStackTrace = () => { for (;;) {} };
        throw new Error('looping stack');
      };`,
    invocations: 3,
    check: () => undefined, // runs in a custom test below
  },
  {
    name: 'throwing non-Errors: a Symbol, null, an object whose toString loops, one whose toString throws',
    code: `let n = 0;
      export const handler = () => {
        n++;
        if (n === 1) throw Symbol('sym');
        if (n === 2) throw null;
        if (n === 3) throw { toString() { throw new Error('no'); }, toJSON() { throw new Error('no'); } };
        throw { toString() { for (;;) {} }, toJSON() { for (;;) {} } };
      };`,
    invocations: 4,
    check: () => undefined, // runs in a custom test below
  },
  {
    name: 'reading host file paths through stack traces',
    code: `export const handler = () => {
        const inside = new Error('probe').stack;
        (Error as any).prepareStackTrace = (_e: any, frames: any[]) => frames.map((f) => f.getFileName() + ':' + f.getScriptNameOrSourceURL?.());
        const names = new Error('x').stack;
        (Error as any).prepareStackTrace = undefined;
        throw new Error(String(inside) + '\\n' + String(names));
      };`,
    check: (out, _calls, learnerFile) => {
      assert.ok(!out.ok);
      const text = `${out.error.message}\n${out.error.stack}`.split(learnerFile).join('<learner file>');
      for (const hostPath of [process.cwd(), __dirname, tmpdir(), 'node_modules', 'isolated-vm', '/work/', '/home/', '/usr/']) {
        assert.ok(!text.includes(hostPath), `leaked ${hostPath}: ${text}`);
      }
      assert.ok(out.error.stack?.includes('<learner file>') || `${out.error.stack}`.includes(learnerFile));
      assert.match(out.error.message, /file:\/\/\/serverless-lab\//);
    },
  },
  {
    name: 'tampering with the API object and the bootstrap globals',
    code: `const api: any = (globalThis as any).require('serverless-lab');
      let frozen; try { api.send = () => ({ messageId: 'fake' }); frozen = Object.isFrozen(api); } catch (e: any) { frozen = e.name; }
      export const handler = async () => ({ frozen, init: typeof (globalThis as any).__labInit, id: (await api.send('q', 'x')).messageId });`,
    check: (out) => assert.deepEqual(result(out), { frozen: 'TypeError', init: 'undefined', id: 'm-1' }), // strict mode: ES modules are
  },
  {
    name: 'a handler that returns a thenable whose then getter loops',
    code: "export const handler = () => ({ get then() { for (;;) {} } });",
    check: timedOut,
  },
  {
    name: "compile: import '…/proc/self/environ' with { type: 'text' } (host environment)",
    code: `import env from '${'../'.repeat(12)}proc/self/environ' with { type: 'text' };\nexport const handler = () => env;`,
    phase: 'init',
    check: (out) => {
      failed(out, 'Runtime.UserCodeSyntaxError', /import '(\.\.\/)+proc\/self\/environ' is outside the exercise folder/);
      assert.equal(out.ok === false && (out.error as { location?: { line: number } }).location?.line, 1);
    },
  },
  {
    name: "compile: import '…/dev/zero' with { type: 'text' } (endless file)",
    code: `import z from '${'../'.repeat(12)}dev/zero' with { type: 'text' };\nexport const handler = () => z.length;`,
    phase: 'init',
    check: (out) => failed(out, 'Runtime.UserCodeSyntaxError', /import '(\.\.\/)+dev\/zero' is outside the exercise folder/),
  },
  {
    name: "compile: require('/etc/passwd'), import('../../etc/hosts'), file: URLs",
    code: `const a = require('/etc/passwd');\nexport const handler = async () => [a, await import('../../../../../../etc/hosts'), await import('file:///etc/hostname')];`,
    phase: 'init',
    check: (out) => {
      failed(out, 'Runtime.UserCodeSyntaxError', /absolute import '\/etc\/passwd' is not allowed/);
      const d = out.ok === false ? ((out.error as { diagnostics?: Array<{ message: string }> }).diagnostics ?? []) : [];
      assert.equal(d.length, 3, JSON.stringify(d));
      assert.match(d[1].message, /import '(\.\.\/)+etc\/hosts' is outside the exercise folder/);
      assert.match(d[2].message, /absolute import 'file:\/\/\/etc\/hostname'/);
    },
  },
  {
    name: "Buffer, TextDecoder and atob reach nothing of the host: their constructors and prototypes lead back into the container",
    code: `export const handler = () => {
        const g: any = globalThis;
        const b: any = Buffer.from('x');
        const fromFunction = b.constructor.constructor('return [typeof process.binding, typeof require, this === globalThis]')();
        const fromMethod = (Buffer.from as any).constructor('return typeof process.binding')();
        const species = (Buffer as any)[Symbol.species];
        const decoderProto = Object.getPrototypeOf(new TextDecoder());
        const names = [...Object.getOwnPropertyNames(Buffer), ...Object.getOwnPropertyNames(Buffer.prototype)].filter((n) => /process|host|ivm|reference|deref|copy(?!BytesFrom)|native/i.test(n) && n !== 'copy');
        let viaError; try { atob('*'); } catch (e: any) { viaError = e.constructor.constructor('return typeof process.binding')(); }
        return { fromFunction, fromMethod, chain: Object.getPrototypeOf(Buffer.prototype) === Uint8Array.prototype && Object.getPrototypeOf(Buffer) === Uint8Array, species: new species(2) instanceof Buffer && !(species === g.Uint8Array),
          decoder: decoderProto.constructor === TextDecoder && Object.getPrototypeOf(decoderProto) === Object.prototype, names, viaError, module: g.require('buffer').Buffer === Buffer };
      };`,
    check: (out) =>
      assert.deepEqual(result(out), { fromFunction: ['undefined', 'function', true], fromMethod: 'undefined', chain: true, species: true, decoder: true, names: [], viaError: 'undefined', module: true }),
  },
  {
    name: 'URL, structuredClone and node:crypto reach nothing of the host: what they return and throw leads back into the container',
    code: `import * as nodeCrypto from 'node:crypto';
      export const handler = () => {
        const viaUrl = (new URL('http://a') as any).constructor.constructor('return typeof process.binding')();
        const params = new URLSearchParams('a=1') as any;
        const viaParams = params.keys().constructor.constructor('return typeof process.binding')();
        const cloned: any = structuredClone({ d: new Date(0), e: new Error('x'), m: new Map([[1, new Uint8Array(2)]]) });
        const viaClone = [cloned.d, cloned.e, cloned.m, cloned.m.get(1)].map((v) => v.constructor.constructor('return typeof process.binding')());
        let viaRefusal; try { structuredClone(() => 1); } catch (e: any) { viaRefusal = [e.name, e.constructor.constructor('return typeof process.binding')()]; }
        const hash: any = nodeCrypto.createHash('sha256');
        const viaHash = hash.constructor.constructor('return typeof process.binding')();
        const viaDigest = hash.update('x').digest().constructor.constructor('return typeof process.binding')();
        const viaModule = Object.keys(nodeCrypto).filter((k) => /process|spawn|exec|Worker|Reference/.test(k));
        return { viaUrl, viaParams, viaClone, viaRefusal, viaHash, viaDigest, viaModule, same: nodeCrypto.webcrypto === crypto };
      };`,
    check: (out) =>
      assert.deepEqual(result(out), { viaUrl: 'undefined', viaParams: 'undefined', viaClone: ['undefined', 'undefined', 'undefined', 'undefined'], viaRefusal: ['DataCloneError', 'undefined'], viaHash: 'undefined', viaDigest: 'undefined', viaModule: [], same: true }),
  },
  {
    name: 'Buffers allocated past the memory cap, 16 MB at a time, stop the environment with Runtime.OutOfMemory (no host memory, no crash)',
    code: `const kept: Buffer[] = [];
      export const handler = () => { for (let i = 0; i < 1000; i++) kept.push(Buffer.alloc(16 * 1048576, 1)); return kept.length; };`,
    memoryMb: 64,
    check: (out) => failed(out, 'Runtime.OutOfMemory', /Buffer\.alloc\(16777216\) \(16 MB\) would take the environment past its memory limit of 64 MB/),
  },
  {
    name: 'Buffer.from an array-like claiming 2^40 elements, and Buffer.concat with a huge totalLength, are out of memory at once (no loop over 2^40)',
    code: `export const handler = (event: { concat?: boolean }) => event.concat ? Buffer.concat([Buffer.from('a')], 2 ** 40).length : Buffer.from({ length: 2 ** 40 } as any).length;`,
    invocations: 1,
    check: (out) => failed(out, 'Runtime.OutOfMemory', /Buffer\.from\(array\) \(1048576 MB\) would take the environment past its memory limit/),
  },
  {
    name: 'new URL(…, import.meta.url) reads nothing: no base to resolve against (Invalid URL), no fetch, import.meta is empty',
    code: `export const handler = () => { const g: any = globalThis; let url; try { url = String(new URL('../../../../etc/passwd', (import.meta as any).url)); } catch (e: any) { url = e.name; } return { url, fetch: typeof g.fetch, meta: JSON.stringify(import.meta) }; };`,
    check: (out) => assert.deepEqual(result(out), { url: 'TypeError', fetch: 'undefined', meta: '{}' }),
  },
];

describe('sandbox attack suite', function () {
  this.timeout(30000);
  let dir: string;
  let ex: Driven;
  let protoKeys: string[];
  const fn = (file: string, memoryMb = 64) => ({ name: 'attack', handler: file, memoryMb, timeoutMs: TIMEOUT_MS });

  before(() => {
    // A value only the host's environment holds: the handlers' process.env must never show it (LAB_PROCESS).
    process.env.SERVERLESS_LAB_ATTACK_PLANTED = 'planted-host-value';
    dir = mkdtempSync(join(tmpdir(), 'sandbox-attacks-'));
    writeFileSync(join(dir, 'bystander.ts'), "export const handler = () => 'still fine';\n");
    protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
  });
  after(() => {
    delete process.env.SERVERLESS_LAB_ATTACK_PLANTED;
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    clearCompileCache();
    ex = driven(new IsolateExecutor({ rootDir: dir }));
  });
  afterEach(() => ex.dispose());

  /** (b) the host is fine and (c) an unrelated environment works afterwards. */
  function assertHostFine(): void {
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoKeys);
    assert.equal(Object.getOwnPropertyNames(Array.prototype).includes('0'), false);
    assert.equal(typeof process.pid, 'number');
    assert.equal(JSON.stringify({ a: [1] }), '{"a":[1]}');
    const fresh = driven(new IsolateExecutor({ rootDir: dir }));
    try {
      assert.equal(fresh.createEnvironment(fn('bystander.ts'), 'after', recordingLab().lab).ok, true);
      const out = fresh.invoke('after', {}, contextFor('after'));
      assert.ok(out.ok && out.result === 'still fine', JSON.stringify(out));
    } finally {
      fresh.dispose();
    }
  }

  function run(attack: Attack, file: string): { outs: Outcome[]; calls: Array<[string, ...unknown[]]> } {
    const recorded = recordingLab();
    const lab = attack.lab ? { ...recorded.lab, ...attack.lab(ex, recorded.calls) } : recorded.lab;
    assert.equal(ex.createEnvironment(fn('bystander.ts'), 'bystander', recordingLab().lab).ok, true);
    const init = ex.createEnvironment(fn(file, attack.memoryMb), 'victim', lab);
    if (attack.phase === 'init') return { outs: [init], calls: recorded.calls };
    assert.ok(init.ok, `init failed: ${JSON.stringify(init)}`);
    const outs: Outcome[] = [];
    for (let i = 0; i < (attack.invocations ?? 1) && (i === 0 || ex.size === 2); i++) outs.push(ex.invoke('victim', attack.event ?? {}, contextFor('victim')));
    return { outs, calls: recorded.calls };
  }

  attacks.forEach((attack, i) => {
    it(`${i + 1}. ${attack.name}`, () => {
      const file = `attack${i}.ts`;
      writeFileSync(join(dir, file), attack.code);
      // Compiled before the clock starts (compiling has its own time limit); a compile attack fails here and again, timed, in the run.
      try {
        compileHandler(join(dir, file), { root: dir });
      } catch {
        // the run reports it
      }
      const clock = stopwatch();
      const { outs, calls } = run(attack, file);
      const took = clock.lap();
      const out = outs[0];
      if (attack.name.startsWith('Symbol, function and Proxy')) {
        assert.deepEqual(
          outs.map((o) => (o.ok ? result(o) : `${o.error.name}: ${o.error.message}`)),
          [undefined, undefined, 'Runtime.ResultNotSerializable: the handler\'s result cannot be turned into JSON: trap!', { a: 'proxied' }],
        );
      } else if (attack.name.startsWith('Error.prepareStackTrace')) {
        const names = result(outs[0]) as string[];
        assert.ok(Array.isArray(names));
        for (const n of names) assert.match(n, /^(file:\/\/\/serverless-lab\/[\w./-]+|null|undefined) undefined$/);
        failed(outs[1], 'Error', /^object stack$/);
        assert.equal(outs[1].ok === false && outs[1].error.stack, undefined);
        timedOut(outs[2]);
      } else if (attack.name.startsWith('throwing non-Errors')) {
        assert.deepEqual(
          outs.slice(0, 3).map((o) => !o.ok && [o.error.name, o.error.message]),
          [
            ['Error', 'Symbol(sym)'],
            ['Error', 'null'],
            ['Error', '[unprintable value]'],
          ],
        );
        timedOut(outs[3]);
      } else {
        attack.check(out, calls, join(dir, file));
      }
      // (d) every failure carries a readable message
      for (const o of outs) if (!o.ok) assert.ok(o.error.message.length > 3 && o.error.message.length < 20_000, o.error.message);
      // Wall time minus time spent waiting for a CPU (runnableTime.ts): the budgets are wall time, load only stretches host work.
      assert.ok(took.runnableMs < 5000, `contained quickly: ${describeLap(took)}`);
      // the bystander environment in the same executor is unharmed
      const bystander = ex.invoke('bystander', {}, contextFor('bystander'));
      assert.ok(bystander.ok && bystander.result === 'still fine', JSON.stringify(bystander));
      assertHostFine();
    });
  });

  it(`covers at least 25 distinct attacks (${attacks.length})`, () => {
    assert.ok(attacks.length >= 25);
  });
});
