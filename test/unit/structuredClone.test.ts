// structuredClone inside both executors of learner code (src/sandbox/structuredClone.ts), compared
// with Node's own: one probe clones the same values here and in the container (as a learner's
// handler.js) and describes each clone — its kind, prototype, own properties, shared references,
// buffers — or the error it threw.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerContext } from '../../src/engine/executor';
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';
import { driven } from './driver';
import { recordingLab } from './helpers';

const PROBE = String.raw`
function cloneProbe() {
  const describe = (root) => {
    const seen = new Map();
    const d = (v) => {
      if (v === undefined) return { undefined: true };
      if (typeof v === 'number') return Object.is(v, -0) ? { number: '-0' } : Number.isFinite(v) ? v : { number: String(v) };
      if (typeof v === 'bigint') return { bigint: String(v) };
      if (v === null || typeof v !== 'object') return v;
      if (seen.has(v)) return { ref: seen.get(v) };
      seen.set(v, seen.size);
      const proto = Object.getPrototypeOf(v);
      const out = { tag: Object.prototype.toString.call(v), proto: proto === null ? null : proto === Object.prototype ? 'Object' : String(proto.constructor && proto.constructor.name), own: Reflect.ownKeys(v).filter((k) => !ArrayBuffer.isView(v) || typeof k !== 'string' || !/^\d+$/.test(k)).map(String) };
      if (v instanceof Map) out.entries = [...v].map(([k, x]) => [d(k), d(x)]);
      else if (v instanceof Set) out.items = [...v].map(d);
      else if (ArrayBuffer.isView(v)) out.view = [v.byteOffset, v.byteLength, d(v.buffer)];
      else if (v instanceof ArrayBuffer) out.buffer = [v.byteLength, v.resizable, v.maxByteLength, v.detached, v.detached ? [] : Array.from(new Uint8Array(v))];
      else if (v instanceof Date) out.time = String(v.getTime());
      else if (v instanceof RegExp) out.regexp = [v.source, v.flags, v.lastIndex];
      else if (v instanceof Error) out.error = [v.name, v.message, typeof v.stack, 'cause' in v ? d(v.cause) : 'no cause'];
      else if (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt) out.wraps = d(v.valueOf());
      if (!ArrayBuffer.isView(v)) out.props = Object.keys(v).map((k) => [k, d(v[k])]);
      return out;
    };
    return d(root);
  };
  const attempt = (f) => { try { return f(); } catch (e) { return { threw: e.name, code: e.code === undefined ? null : e.code, message: e.message, isError: e instanceof Error, dom: typeof DOMException === 'function' && e instanceof DOMException }; } };
  class Point { #secret = 1; constructor() { this.x = 1; this.y = [2]; } norm() { return 0; } }
  class MyError extends TypeError { constructor(m) { super(m); this.name = 'MyError'; this.extra = 1; } }
  class MyMap extends Map {}
  class MyPromise extends Promise {}
  const values = {
    primitives: () => [undefined, null, true, 0, -0, NaN, Infinity, -1.5, 'text', '', 2n ** 70n, -3n],
    object: () => ({ a: 1, b: 'two', c: [3, { d: 4 }], e: undefined, f: null, 2: 'index', 1: 'first' }),
    nested: () => ({ level: { level: { level: { list: [[[1]]] } } } }),
    cycle: () => { const o = { name: 'root' }; o.self = o; o.list = [o, { back: o }]; return o; },
    shared: () => { const s = { n: 1 }; return [s, s, { s }]; },
    sparse: () => { const a = [1, , 3]; a.extra = 'e'; a[10] = 'ten'; return a; },
    classInstance: () => new Point(),
    nullProto: () => Object.assign(Object.create(null), { a: 1, __proto__x: 2 }),
    protoKey: () => JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}'),
    getters: () => ({ get computed() { return 'got'; }, plain: 1 }),
    hidden: () => { const o = { shown: 1 }; Object.defineProperty(o, 'hidden', { value: 2, enumerable: false }); o[Symbol('sym')] = 3; return o; },
    date: () => [new Date(86400000), new Date(NaN)],
    dateProps: () => Object.assign(new Date(5), { extra: 1 }),
    regexp: () => { const r = /a+b/giy; r.lastIndex = 3; r.extra = 1; return r; },
    wrappers: () => [new Number(3), new String('s'), new Boolean(false), Object(5n)],
    map: () => new Map([[{ k: 1 }, new Set([1, 'two'])], ['key', [1]]]),
    mapSubclass: () => new MyMap([[1, 2]]),
    mapProps: () => Object.assign(new Map([[1, 1]]), { extra: 1 }),
    set: () => new Set([1, { a: 1 }, [2]]),
    arrayBuffer: () => new Uint8Array([1, 2, 3]).buffer,
    resizable: () => { const b = new ArrayBuffer(2, { maxByteLength: 8 }); new Uint8Array(b).set([9, 8]); return b; },
    typedArrays: () => [new Uint8Array([1, 255]), new Int16Array([-2, 300]), new Float64Array([1.5]), new BigInt64Array([-1n]), new Uint8ClampedArray([7]), new Float32Array([0.25])],
    subarray: () => new Uint16Array([1, 2, 3, 4]).subarray(1, 3),
    sharedBuffer: () => { const b = new ArrayBuffer(8); return [new Uint8Array(b, 2, 2), new DataView(b, 4), b]; },
    dataView: () => new DataView(new Uint8Array([1, 2, 3]).buffer, 1),
    buffer: () => Buffer.alloc(2, 'hi'),
    errors: () => [new Error('plain'), new RangeError('range'), new TypeError('type', { cause: { why: 1 } }), new SyntaxError(), new EvalError('e'), new URIError('u'), new ReferenceError('r')],
    errorSubclass: () => new MyError('mine'),
    errorRenamed: () => { const e = new Error('x'); e.name = 'TypeError'; return e; },
    errorOddName: () => { const e = new Error('x'); e.name = 'Whatever'; return e; },
    errorMessageNumber: () => { const e = new Error('m'); e.message = 7; return e; },
    errorMessageGetter: () => { const e = new Error('m'); Object.defineProperty(e, 'message', { get() { return 'getter'; } }); return e; },
    errorNoStack: () => { const e = new Error('m'); delete e.stack; return e; },
    fakeError: () => Object.create(Error.prototype),
    math: () => Math,
    function: () => () => 1,
    // Made at run time: a bundler may reformat function source, which the error message quotes.
    namedFunction: () => new Function('return function named(a) { return a; }')(),
    method: () => new Function('return { f() {} }')(),
    classValue: () => new Function('return class Point { #p = 1; m() { return 0; } }')(),
    symbol: () => Symbol('s'),
    symbolInside: () => ({ a: [Symbol('deep')] }),
    symbolWrapper: () => Object(Symbol('q')),
    promise: () => Promise.resolve(1),
    promiseSubclass: () => MyPromise.resolve(1),
    weakMap: () => new WeakMap(),
    weakSet: () => new WeakSet(),
    weakRef: () => new WeakRef({}),
    mapIterator: () => new Map([[1, 2]]).entries(),
    generator: () => (function* () { yield 1; })(),
    intl: () => new Intl.NumberFormat(),
    errorCauseFunction: () => new Error('e', { cause: () => 1 }),
    detached: () => { const b = new ArrayBuffer(2); b.transfer(); return b; },
  };
  const out = {};
  for (const [name, make] of Object.entries(values)) out[name] = attempt(() => describe(structuredClone(make())));
  out.errorStackKept = attempt(() => { const e = new Error('s'); return structuredClone(e).stack === e.stack; });
  out.transfer = attempt(() => { const ab = new Uint8Array([1, 2, 3, 4]).buffer; const view = new Uint8Array(ab, 1, 2); const c = structuredClone({ ab, view }, { transfer: [ab] }); return [ab.byteLength, ab.detached, describe(c), c.view.buffer === c.ab]; });
  out.transferUnused = attempt(() => { const ab = new ArrayBuffer(3); const c = structuredClone(1, { transfer: [ab] }); return [c, ab.detached]; });
  out.transferDuplicate = attempt(() => { const ab = new ArrayBuffer(3); return structuredClone(ab, { transfer: [ab, ab] }); });
  out.transferInvalid = attempt(() => structuredClone(1, { transfer: [{}] }));
  out.transferNotList = attempt(() => structuredClone(1, { transfer: 5 }));
  out.transferDetached = attempt(() => { const ab = new ArrayBuffer(3); ab.transfer(); return structuredClone(1, { transfer: [ab] }); });
  out.noArgument = attempt(() => structuredClone());
  out.nullOptions = attempt(() => structuredClone(1, null));
  out.independent = attempt(() => { const o = { list: [1] }; const c = structuredClone(o); c.list.push(2); return [o.list.length, c.list.length, c !== o]; });
  return out;
}
`;

function contextFor(envId: string): HandlerContext {
  return { awsRequestId: 'req-1', functionName: 'fn', memoryLimitInMB: 128, getRemainingTimeInMillis: () => 2500, coldStart: false, environmentId: envId };
}

type Driven = ReturnType<typeof driven<IsolateExecutor | VmExecutor>>;
const kinds = [
  ['sandbox', (dir: string): Driven => driven(new IsolateExecutor({ rootDir: dir }))],
  ['in-process', (dir: string): Driven => driven(new VmExecutor({ rootDir: dir }))],
] as const;

describe('structuredClone in handlers', function () {
  this.timeout(60_000);
  let dir: string;
  const fn = (handler: string, memoryMb = 128) => ({ name: 'fn', handler, memoryMb, timeoutMs: 3000 });
  const expected = JSON.parse(JSON.stringify((new Function(`${PROBE}\nreturn cloneProbe;`)() as () => unknown)())) as Record<string, unknown>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'structured-clone-'));
    writeFileSync(join(dir, 'probe.js'), `${PROBE}\nexport const handler = () => cloneProbe();\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => clearCompileCache());

  it('the probe sees real differences (clones are described, refusals are DataCloneErrors)', () => {
    assert.equal((expected.function as { threw: string }).threw, 'DataCloneError');
    assert.equal((expected.cycle as { props: unknown[][] }).props[1][1] && JSON.stringify((expected.cycle as { props: unknown[][] }).props[1][1]), '{"ref":0}');
  });

  for (const [kind, make] of kinds) {
    describe(kind, () => {
      let ex: Driven;
      beforeEach(() => (ex = make(dir)));
      afterEach(() => ex.dispose?.());

      it(`clones and refuses ${Object.keys(expected).length} kinds of value as Node does`, () => {
        assert.ok(ex.createEnvironment(fn('probe.js'), 'c', recordingLab().lab).ok);
        const out = ex.invoke('c', {}, contextFor('c'));
        assert.ok(out.ok, JSON.stringify(out));
        const got = out.result as Record<string, unknown>;
        const differ = Object.keys(expected).filter((k) => JSON.stringify(got[k]) !== JSON.stringify(expected[k])).map((k) => `${k}: ${JSON.stringify(got[k])}\n  Node: ${JSON.stringify(expected[k])}`);
        assert.deepEqual(differ, []);
      });

      it('a clone of a buffer past the memory limit is Runtime.OutOfMemory', () => {
        writeFileSync(join(dir, 'big.ts'), `const big = new Uint8Array(40 * 1048576);\nexport const handler = () => { const copies = []; for (let i = 0; i < 10; i++) copies.push(structuredClone(big)); return copies.length; };\n`);
        assert.ok(ex.createEnvironment(fn('big.ts', 64), 'b', recordingLab().lab).ok);
        const out = ex.invoke('b', {}, contextFor('b'));
        if (kind === 'in-process') {
          // No memory cap in-process: the copies are made (the sandbox is where the limit holds).
          assert.ok(out.ok && out.result === 10, JSON.stringify(out));
          return;
        }
        assert.ok(!out.ok && out.error.name === 'Runtime.OutOfMemory', JSON.stringify(out).slice(0, 500));
      });
    });
  }
});
