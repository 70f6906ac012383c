// Buffer, atob/btoa and TextEncoder/TextDecoder inside both executors of learner code
// (src/sandbox/runtimeGlobals.ts), compared with what Node's own give for the same inputs: one
// probe function runs in the container (as a learner's handler.js) and here, over the host's real
// globals, on a few thousand generated inputs — invalid base64, invalid UTF-8, unicode, lone and
// paired surrogates, byte order marks.
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

/** Runs with Buffer, atob, btoa, TextEncoder and TextDecoder of wherever it is evaluated; returns JSON only. */
const PROBE = String.raw`
function probe(inp) {
  const tryIt = (f) => { try { return f(); } catch (e) { return { error: e.name, code: e.code === undefined ? null : e.code, message: e.message, isError: e instanceof Error }; } };
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  const streamed = (a, size) => {
    const d = new TextDecoder();
    let s = '';
    for (let i = 0; i < a.length; i += size) s += d.decode(new Uint8Array(a.slice(i, i + size)), { stream: true });
    return s + d.decode();
  };
  const streamed16 = (a, size) => {
    const d = new TextDecoder('utf-16le');
    let s = '';
    for (let i = 0; i < a.length; i += size) s += d.decode(new Uint8Array(a.slice(i, i + size)), { stream: true });
    return s + d.decode();
  };
  const out = {};
  out.b64 = inp.b64.map((s) => [Buffer.from(s, 'base64').toString('hex'), Buffer.from(s, 'base64url').toString('hex'), Buffer.byteLength(s, 'base64'), tryIt(() => atob(s))]);
  out.hex = inp.hex.map((s) => [Buffer.from(s, 'hex').toString('hex'), Buffer.byteLength(s, 'hex')]);
  out.bytes = inp.bytes.map((a) => {
    const b = Buffer.from(a);
    return [
      b.toString('base64'), b.toString('base64url'), b.toString('hex'), b.toString(), b.toString('utf-8'), b.toString('latin1'), b.toString('binary'),
      b.toString('ascii'), b.toString('utf16le'), b.toString('ucs2'), b.toString('utf8', 1, 5), b.toString('hex', -3, 100), b.toString('base64', 2),
      new TextDecoder().decode(b), new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array(a)), new TextDecoder().decode(new Uint8Array(a).buffer),
      tryIt(() => new TextDecoder('utf-8', { fatal: true }).decode(b)), new TextDecoder('utf-16le').decode(b), tryIt(() => new TextDecoder('utf-16le', { fatal: true }).decode(b)),
      new TextDecoder('latin1').decode(b), streamed(a, 1), streamed(a, 2), streamed(a, 3), streamed16(a, 1), streamed16(a, 3),
      Buffer.from(b.toString('base64'), 'base64').equals(b), atob(b.toString('base64')) === b.toString('latin1'), btoa(b.toString('latin1')) === b.toString('base64'),
    ];
  });
  out.strings = inp.strings.map((s) => {
    const small = new Uint8Array(5);
    const into = new TextEncoder().encodeInto(s, small);
    return [
      Buffer.from(s).toString('hex'), Buffer.from(s, 'utf8').toString(), Buffer.byteLength(s), Buffer.byteLength(s, 'utf8'), Buffer.byteLength(s, 'latin1'), Buffer.byteLength(s, 'utf16le'),
      Buffer.from(s, 'latin1').toString('hex'), Buffer.from(s, 'ascii').toString('hex'), Buffer.from(s, 'utf16le').toString('hex'), Buffer.from(s, 'ucs2').toString('utf16le'),
      hex(new TextEncoder().encode(s)), [into.read, into.written, hex(small)], tryIt(() => btoa(s)), new TextDecoder().decode(new TextEncoder().encode(s)),
      Buffer.from(Buffer.from(s).toString('base64'), 'base64').toString(), Buffer.from(Buffer.from(s).toString('base64url'), 'base64url').toString(),
    ];
  });
  const b = Buffer.from('héllo wörld', 'utf8');
  out.api = {
    shape: [b instanceof Uint8Array, b instanceof Buffer, Buffer.isBuffer(b), Buffer.isBuffer(new Uint8Array(2)), b.constructor === Buffer, Object.getPrototypeOf(Buffer.prototype) === Uint8Array.prototype, Buffer.from('ab').subarray(1) instanceof Buffer, Buffer.from('ab').slice(1) instanceof Buffer, Buffer.from('ab').map((x) => x + 1) instanceof Buffer],
    json: JSON.stringify({ b: Buffer.from([1, 2, 255]) }),
    fromJson: Buffer.from(JSON.parse(JSON.stringify(Buffer.from('hi')))).toString(),
    length: [b.length, b.byteLength, Buffer.byteLength('héllo'), Buffer.byteLength(b), Buffer.byteLength(new Uint16Array(3)), Buffer.byteLength(new ArrayBuffer(7))],
    concat: [Buffer.concat([Buffer.from('ab'), new Uint8Array([99]), Buffer.from('de')]).toString(), Buffer.concat([Buffer.from('abc'), Buffer.from('def')], 4).toString(), Buffer.concat([Buffer.from('a')], 3).toString('hex'), Buffer.concat([]).length],
    alloc: [Buffer.alloc(4).toString('hex'), Buffer.alloc(5, 'ab').toString(), Buffer.alloc(3, 7).toString('hex'), Buffer.alloc(4, 'aGk=', 'base64').toString('hex'), Buffer.allocUnsafe(3).length, Buffer.allocUnsafeSlow(2).length, Buffer.alloc(0).length],
    compare: [Buffer.compare(Buffer.from('a'), Buffer.from('b')), Buffer.from('b').compare(Buffer.from('a')), Buffer.from('abc').equals(Buffer.from('abc')), Buffer.from('abc').equals(new Uint8Array([97, 98, 99])), [Buffer.from('b'), Buffer.from('a'), Buffer.from('ab')].sort(Buffer.compare).map(String)],
    search: [b.indexOf('l'), b.indexOf('l', 4), b.lastIndexOf('l'), b.indexOf(Buffer.from('wö')), b.includes('ö'), b.indexOf(0x6c), b.indexOf('zz'), b.indexOf('l', -3), b.lastIndexOf('l', 3), b.indexOf('')],
    numbers: (() => {
      const n = Buffer.alloc(16);
      n.writeUInt16LE(0xbeef, 0); n.writeUInt32BE(0xdeadbeef, 2); n.writeInt8(-2, 6); n.writeInt16BE(-300, 7); n.writeDoubleLE(1.5, 8);
      return [n.toString('hex'), n.readUInt16LE(0), n.readUint16BE(0), n.readUInt32BE(2), n.readInt32LE(2), n.readInt8(6), n.readUInt8(6), n.readInt16BE(7), n.readDoubleLE(8), n.readFloatBE(8), String(n.readBigUInt64LE(8)), String(n.readBigInt64BE(0)), n.writeUInt8(255, 15)];
    })(),
    write: (() => {
      const w = Buffer.alloc(8);
      return [w.write('hé'), w.write('zz', 5), w.write('ffee', 1, 'hex'), w.write('abcdef', 6, 1), w.toString('hex')];
    })(),
    copyFill: (() => {
      const t = Buffer.alloc(6, '.');
      const copied = Buffer.from('xyz').copy(t, 2);
      const shared = Buffer.from('abcd');
      shared.subarray(1, 3).fill('Z');
      return [copied, t.toString(), Buffer.alloc(5).fill('ab', 1, 4).toString('hex'), shared.toString(), Buffer.from('abcd').fill(0).toString('hex')];
    })(),
    views: (() => {
      const ab = new Uint8Array([1, 2, 3, 4, 5]).buffer;
      const v = Buffer.from(ab, 1, 3);
      v[0] = 9;
      return [v.toString('hex'), new Uint8Array(ab)[1], Buffer.from(new Uint16Array([1, 256, 513])).toString('hex'), Buffer.from(new Uint16Array([1, 2]).buffer).toString('hex'), Buffer.copyBytesFrom(new Uint16Array([1, 2, 3]), 1).toString('hex'), Buffer.of(1, 2, 300).toString('hex')];
    })(),
    encodings: [Buffer.isEncoding('utf8'), Buffer.isEncoding('UTF-8'), Buffer.isEncoding('base64url'), Buffer.isEncoding('nope'), Buffer.isEncoding(''), Buffer.from('aGk', 'BASE64').toString()],
    decoders: [new TextDecoder().encoding, new TextDecoder('UTF8').encoding, new TextDecoder(' utf-16le ').encoding, new TextDecoder('latin1').encoding, new TextDecoder('ascii').encoding, new TextEncoder().encoding, new TextDecoder().fatal, new TextDecoder('utf-8', { fatal: true }).fatal, new TextDecoder().decode(), new TextEncoder().encode().length, new TextEncoder().encode(undefined).length],
    atob: [atob('aGk'), atob(' aG k=\n'), btoa(''), btoa('hi'), btoa(1234), atob(null === 1 ? '' : 'bnVsbA==')],
    errors: [
      tryIt(() => Buffer.from(5)), tryIt(() => Buffer.from({})), tryIt(() => Buffer.from()), tryIt(() => Buffer.from('x', 'bogus')), tryIt(() => Buffer.alloc(-1)), tryIt(() => Buffer.alloc('3')),
      tryIt(() => Buffer.from('ab').readUInt16LE(1)), tryIt(() => Buffer.from('ab').readUInt32LE()), tryIt(() => Buffer.from('ab').toString('nope')), tryIt(() => Buffer.alloc(2).writeUInt8(256)),
      tryIt(() => atob()), tryIt(() => atob('a')), tryIt(() => atob('a*Gk')), tryIt(() => btoa('\u0100')), tryIt(() => new TextDecoder('latin-nope')), tryIt(() => new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xc3]))),
      tryIt(() => Buffer.concat('ab')), tryIt(() => Buffer.concat([1])), tryIt(() => new TextDecoder().decode('text')),
    ].map((e) => (e && typeof e === 'object' && 'error' in e ? e : { notThrown: true })),
    domException: (() => { try { atob('*'); } catch (e) { return [e.name, e.code, e instanceof Error, e instanceof DOMException, typeof e.stack]; } })(),
  };
  return out;
}
`;

/** mulberry32: the same inputs every run. */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function inputs() {
  const rnd = generator(12);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];
  const b64chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_'.split('');
  const oddChars = ['=', '=', ' ', '\n', '\t', '\r', '\f', '\v', '*', '.', '€', 'Ł', 'š', 'ÿ', '\u00a0', '\u0000', '%', '\ufeff'];
  const b64: string[] = ['', 'a', 'aG', 'aGk', 'aGk=', 'aGk==', 'aGk===', 'aG=k', 'a=Gk', 'aG k', '-_-_', '====', '=aGk', 'YQ', 'YQ=', 'YQ==', 'YR', 'Y', 'ŁŁŁŁ', 'YQ=\n=', 'Y Q = =', 'aGVsbG8=d29ybGQ=', 'eyJzZXNzaW9uSWQiOiJzLTEiLCJwYWdlIjoiLyJ9'];
  for (let i = 0; i < 600; i++) {
    const n = Math.floor(rnd() * 24);
    let s = '';
    for (let k = 0; k < n; k++) s += rnd() < 0.85 ? pick(b64chars) : pick(oddChars);
    b64.push(s);
  }
  const hexChars = '0123456789abcdefABCDEFgxz -'.split('');
  const hex: string[] = [];
  for (let i = 0; i < 200; i++) {
    let s = '';
    const n = Math.floor(rnd() * 12);
    for (let k = 0; k < n; k++) s += rnd() < 0.9 ? pick(hexChars.slice(0, 22)) : pick(hexChars);
    hex.push(s);
  }
  // Bytes biased to UTF-8's edges: lead bytes, continuation bytes, the surrogate range, overlongs, a BOM.
  const special = [0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xa0, 0xed, 0x9f, 0xef, 0xbb, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xff, 0xfe, 0x00, 0x41, 0x7f];
  const bytes: number[][] = [[], [0xef, 0xbb, 0xbf, 0x41], [0xef, 0xbb, 0xbf], [0xff, 0xfe, 0x41, 0x00], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98, 0x80], [0xf0, 0x9f, 0x98], [0xc3], [0x00, 0xd8, 0x41, 0x00], [0x00, 0xdc], [0x3d, 0xd8, 0x00, 0xde]];
  for (let i = 0; i < 700; i++) {
    const n = Math.floor(rnd() * 14);
    const a: number[] = [];
    for (let k = 0; k < n; k++) a.push(rnd() < 0.6 ? pick(special) : Math.floor(rnd() * 256));
    bytes.push(a);
  }
  const pieces = ['a', 'Z', '0', ' ', 'é', 'ÿ', 'Ł', '€', '中', '𝄞', '😀', '\ud800', '\udbff', '\udc00', '\udfff', '\ufeff', '\u0000', '\u007f', '\u0080', '\u07ff', '\u0800', '\uffff', '\n'];
  const strings: string[] = ['', 'hello', '\ud83d', '\ude00\ud83d', '😀😀', 'a\ud800b'];
  for (let i = 0; i < 500; i++) {
    let s = '';
    const n = Math.floor(rnd() * 8);
    for (let k = 0; k < n; k++) s += pick(pieces);
    strings.push(s);
  }
  // Valid UTF-8 of random strings too.
  for (const s of strings.slice(0, 200)) bytes.push([...Buffer.from(s)]);
  return { b64, hex, bytes, strings };
}

function contextFor(envId: string): HandlerContext {
  return { awsRequestId: 'req-1', functionName: 'fn', memoryLimitInMB: 128, getRemainingTimeInMillis: () => 2500, coldStart: false, environmentId: envId };
}

type Driven = ReturnType<typeof driven<IsolateExecutor | VmExecutor>>;
const kinds = [
  ['sandbox', (dir: string): Driven => driven(new IsolateExecutor({ rootDir: dir }))],
  ['in-process', (dir: string): Driven => driven(new VmExecutor({ rootDir: dir }))],
] as const;

describe("Lambda's Node globals in handlers: Buffer, atob/btoa, TextEncoder/TextDecoder", function () {
  this.timeout(60_000);
  let dir: string;
  const fn = (handler: string, memoryMb = 128) => ({ name: 'fn', handler, memoryMb, timeoutMs: 3000 });
  const data = inputs();
  const hostProbe = new Function('Buffer', 'atob', 'btoa', 'TextEncoder', 'TextDecoder', 'DOMException', `${PROBE}\nreturn probe;`)(Buffer, atob, btoa, TextEncoder, TextDecoder, DOMException) as (i: unknown) => Record<string, unknown>;
  const expected = JSON.parse(JSON.stringify(hostProbe(data))) as Record<string, unknown>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runtime-globals-'));
    writeFileSync(join(dir, 'probe.js'), `${PROBE}\nexport const handler = (event) => probe(event);\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => clearCompileCache());

  for (const [kind, make] of kinds) {
    describe(kind, () => {
      let ex: Driven;
      beforeEach(() => (ex = make(dir)));
      afterEach(() => ex.dispose?.());

      const run = (event: unknown) => {
        const init = ex.createEnvironment(fn('probe.js'), 'env-1', recordingLab().lab);
        assert.ok(init.ok, JSON.stringify(init));
        const out = ex.invoke('env-1', event, contextFor('env-1'));
        assert.ok(out.ok, JSON.stringify(out));
        return out.result as Record<string, unknown[]>;
      };

      it(`give Node's results on ${data.b64.length} base64 strings, ${data.bytes.length} byte sequences and ${data.strings.length} strings (invalid base64 and UTF-8, surrogates, BOMs)`, () => {
        const got = run(data);
        const differ: string[] = [];
        for (const key of ['b64', 'hex', 'bytes', 'strings'] as const) {
          const want = expected[key] as unknown[][];
          const list = data[key] as unknown[];
          assert.equal(got[key].length, want.length);
          for (let i = 0; i < want.length; i++) {
            const mine = got[key][i] as unknown[];
            for (let k = 0; k < want[i].length; k++) {
              if (JSON.stringify(mine[k]) !== JSON.stringify(want[i][k])) differ.push(`${key}[${i}] ${JSON.stringify(list[i])} result ${k}: ${JSON.stringify(mine[k])}, Node: ${JSON.stringify(want[i][k])}`);
            }
          }
        }
        assert.deepEqual(differ.slice(0, 20), [], `${differ.length} results differ from Node's`);
      });

      it("give Node's results for the rest of the API: shape, concat, alloc, compare, search, numbers, views, errors", () => {
        const got = run(data) as unknown as { api: Record<string, unknown> };
        const want = expected.api as Record<string, unknown>;
        const differ = Object.keys(want).filter((key) => JSON.stringify(got.api[key]) !== JSON.stringify(want[key])).map((key) => `${key}: ${JSON.stringify(got.api[key])}\n  Node: ${JSON.stringify(want[key])}`);
        assert.deepEqual(differ, []);
      });

      it("decode a Kinesis record's data as learners write it, and answer require('buffer') / import from 'node:buffer'", () => {
        writeFileSync(
          join(dir, 'kinesis.ts'),
          `import { Buffer as B } from 'node:buffer';
import * as buffer from 'buffer';
export const handler = (event: { data: string }) => ({
  viaBuffer: JSON.parse(Buffer.from(event.data, 'base64').toString()),
  viaImport: B.from(event.data, 'base64').toString('utf8'),
  viaAtob: JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(event.data), (c) => c.charCodeAt(0)))),
  same: B === Buffer && buffer.Buffer === Buffer && buffer.atob === atob && buffer.constants.MAX_LENGTH > 0,
});
`,
        );
        const click = { sessionId: 's-1', page: '/café/😀' };
        const encoded = Buffer.from(JSON.stringify(click)).toString('base64');
        assert.ok(ex.createEnvironment(fn('kinesis.ts'), 'k', recordingLab().lab).ok);
        const out = ex.invoke('k', { data: encoded }, contextFor('k'));
        assert.ok(out.ok, JSON.stringify(out));
        assert.deepEqual(out.result, { viaBuffer: click, viaImport: JSON.stringify(click), viaAtob: click, same: true });
      });

      it('are plain, non-enumerable globals once read, and a handler may replace them', () => {
        writeFileSync(
          join(dir, 'replace.ts'),
          `const g: any = globalThis;
const before = Object.keys(g).filter((k) => /Buffer|atob|btoa|Text|DOMException/.test(k));
const first = typeof Buffer;
const plain = typeof Object.getOwnPropertyDescriptor(g, 'TextDecoder')?.value;
g.atob = (s: string) => 'mine:' + s;
export const handler = () => ({ before, first, plain, replaced: atob('x'), btoa: btoa('x') });
`,
        );
        assert.ok(ex.createEnvironment(fn('replace.ts'), 'r', recordingLab().lab).ok);
        const out = ex.invoke('r', {}, contextFor('r'));
        assert.ok(out.ok, JSON.stringify(out));
        assert.deepEqual(out.result, { before: [], first: 'function', plain: 'function', replaced: 'mine:x', btoa: 'eA==' });
      });

      it('queueMicrotask runs callbacks in order with promise reactions, and refuses a non-function as Node does', () => {
        writeFileSync(
          join(dir, 'micro.ts'),
          `export const handler = async () => {
  const order: number[] = [];
  queueMicrotask(() => order.push(1));
  Promise.resolve().then(() => order.push(2));
  queueMicrotask(() => order.push(3));
  let refused;
  try { queueMicrotask(5 as any); } catch (e: any) { refused = [e.name, e.code, e.message]; }
  await null; await null;
  return { order, refused, returns: queueMicrotask(() => {}) === undefined };
};
`,
        );
        assert.ok(ex.createEnvironment(fn('micro.ts'), 'm', recordingLab().lab).ok);
        const out = ex.invoke('m', {}, contextFor('m'));
        assert.ok(out.ok, JSON.stringify(out));
        let nodeRefusal: unknown;
        try {
          queueMicrotask(5 as never);
        } catch (e) {
          nodeRefusal = [(e as Error).name, (e as { code?: string }).code, (e as Error).message];
        }
        assert.deepEqual(out.result, { order: [1, 2, 3], refused: nodeRefusal, returns: true });
      });

      it('a Buffer longer than the environment\'s memory is Runtime.OutOfMemory; the next environment works', () => {
        writeFileSync(join(dir, 'huge.ts'), `export const handler = (event: { n: number }) => Buffer.alloc(event.n).length;\n`);
        assert.ok(ex.createEnvironment(fn('huge.ts', 64), 'h', recordingLab().lab).ok);
        const out = ex.invoke('h', { n: 2 ** 30 }, contextFor('h'));
        assert.equal(out.ok, false);
        assert.ok(!out.ok && out.error.name === 'Runtime.OutOfMemory', JSON.stringify(out));
        assert.match(!out.ok ? out.error.message : '', /Buffer\.alloc\(1073741824\) \(1024 MB\) would take the environment past its memory limit of 64 MB/);
        assert.ok(ex.createEnvironment(fn('huge.ts', 64), 'h2', recordingLab().lab).ok);
        const small = ex.invoke('h2', { n: 1024 }, contextFor('h2'));
        assert.ok(small.ok && small.result === 1024, JSON.stringify(small));
      });
    });
  }
});
