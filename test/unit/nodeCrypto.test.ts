// `node:crypto` inside both executors of learner code (src/sandbox/nodeCrypto.ts): digests and HMACs
// compared with Node's own on generated inputs (lengths around every block boundary, unicode,
// several updates, every output encoding), the errors handlers meet, and randomness that follows
// the environment's seed.
import assert from 'node:assert/strict';
import * as crypto from 'node:crypto';
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
function cryptoProbe(c, input) {
  const attempt = (f) => { try { return f(); } catch (e) { return { threw: e.name, code: e.code === undefined ? null : e.code, message: e.message }; } };
  const out = {};
  out.digests = input.messages.map((m) => ['md5', 'sha1', 'sha256', 'sha512'].map((a) => c.createHash(a).update(m).digest('hex')));
  out.bytes = input.bytes.map((b) => ['md5', 'sha1', 'sha256', 'sha512'].map((a) => c.createHash(a).update(Buffer.from(b)).digest('base64')));
  out.hmacs = input.messages.slice(0, 60).map((m, i) => ['md5', 'sha1', 'sha256', 'sha512'].map((a) => c.createHmac(a, input.keys[i % input.keys.length]).update(m).digest('hex')));
  out.chunks = input.messages.slice(0, 40).map((m) => { const h = c.createHash('sha256'); for (let i = 0; i < m.length; i += 7) h.update(m.slice(i, i + 7)); return h.digest('base64url'); });
  out.encodings = [c.createHash('sha256').update('abc').digest().toString('hex'), c.createHash('SHA256').update('abc').digest('base64'), c.createHash('sha1').update('616263', 'hex').digest('hex'), c.createHash('md5').update(new Uint16Array([1, 2])).digest('latin1'), c.createHmac('sha256', Buffer.from('key')).update('x').digest('base64url'), Buffer.isBuffer(c.createHash('md5').digest())];
  out.copy = attempt(() => { const h = c.createHash('sha256').update('a'); const twin = h.copy(); return [h.update('b').digest('hex'), twin.digest('hex')]; });
  out.errors = [
    attempt(() => c.createHash('nope')),
    attempt(() => { const h = c.createHash('md5'); h.digest(); return h.update('x'); }),
    attempt(() => { const h = c.createHash('md5'); h.digest(); return h.digest(); }),
    attempt(() => c.createHash('sha256').update(5)),
    attempt(() => c.timingSafeEqual(Buffer.from('a'), Buffer.from('ab'))),
  ];
  out.equal = [c.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc')), c.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd'))];
  out.shapes = [typeof c.randomUUID(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(c.randomUUID()), c.randomBytes(5).length, Buffer.isBuffer(c.randomBytes(1)), c.randomInt(10) < 10, c.randomInt(5, 6), c.getRandomValues(new Uint32Array(2)).length, c.randomFillSync(Buffer.alloc(3)).length];
  return out;
}
`;

function inputs() {
  let s = 7;
  const rnd = () => ((s = (s * 1103515245 + 12345) >>> 0) / 4294967296);
  const pieces = ['a', 'Z', '0', ' ', 'é', '€', '😀', '\n', '{"id":"o-1"}'];
  const messages: string[] = ['', 'abc', 'The quick brown fox jumps over the lazy dog'];
  // Lengths around the 64- and 128-byte block boundaries (padding takes 9 or 17 bytes).
  for (const n of [55, 56, 57, 63, 64, 65, 111, 112, 113, 119, 127, 128, 129, 200, 1000]) messages.push('x'.repeat(n));
  for (let i = 0; i < 120; i++) {
    let m = '';
    const n = Math.floor(rnd() * 40);
    for (let k = 0; k < n; k++) m += pieces[Math.floor(rnd() * pieces.length)];
    messages.push(m);
  }
  const bytes: number[][] = [];
  for (let i = 0; i < 60; i++) bytes.push(Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
  const keys = ['', 'key', 'k'.repeat(64), 'k'.repeat(65), 'k'.repeat(129), 'ключ'];
  return { messages, bytes, keys };
}

function contextFor(envId: string): HandlerContext {
  return { awsRequestId: 'req-1', functionName: 'fn', memoryLimitInMB: 128, getRemainingTimeInMillis: () => 2500, coldStart: false, environmentId: envId };
}

type Driven = ReturnType<typeof driven<IsolateExecutor | VmExecutor>>;
const kinds = [
  ['sandbox', (dir: string): Driven => driven(new IsolateExecutor({ rootDir: dir }))],
  ['in-process', (dir: string): Driven => driven(new VmExecutor({ rootDir: dir }))],
] as const;

describe("node:crypto in handlers", function () {
  this.timeout(60_000);
  let dir: string;
  const fn = (handler: string) => ({ name: 'fn', handler, memoryMb: 128, timeoutMs: 3000 });
  const input = inputs();
  const expected = JSON.parse(JSON.stringify((new Function('Buffer', `${PROBE}\nreturn cryptoProbe;`)(Buffer) as (c: unknown, i: unknown) => unknown)(crypto, input))) as Record<string, unknown>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'node-crypto-'));
    writeFileSync(join(dir, 'probe.js'), `import * as c from 'node:crypto';\n${PROBE}\nexport const handler = (event) => cryptoProbe(c, event);\n`);
    writeFileSync(join(dir, 'ids.ts'), `import { randomUUID, randomBytes } from 'crypto';\nexport const handler = () => [randomUUID(), randomBytes(4).toString('hex'), crypto.randomUUID()];\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => clearCompileCache());

  for (const [kind, make] of kinds) {
    describe(kind, () => {
      let ex: Driven;
      beforeEach(() => (ex = make(dir)));
      afterEach(() => ex.dispose?.());

      it(`hash and HMAC ${input.messages.length} messages and ${input.bytes.length} byte strings (md5, sha1, sha256, sha512) as Node does`, () => {
        assert.ok(ex.createEnvironment(fn('probe.js'), 'c', recordingLab().lab).ok);
        const out = ex.invoke('c', input, contextFor('c'));
        assert.ok(out.ok, JSON.stringify(out).slice(0, 500));
        const got = out.result as Record<string, unknown>;
        const differ = Object.keys(expected).filter((k) => k !== 'shapes' && JSON.stringify(got[k]) !== JSON.stringify(expected[k])).map((k) => `${k}: ${JSON.stringify(got[k]).slice(0, 400)}\n  Node: ${JSON.stringify(expected[k]).slice(0, 400)}`);
        assert.deepEqual(differ, []);
        assert.deepEqual(got.shapes, ['string', true, 5, true, true, 5, 2, 3]);
      });

      it("randomUUID and randomBytes follow the environment's seed: the same seed, the same ids", () => {
        const ids = (seed: number, env: string): unknown => {
          assert.ok(ex.createEnvironment(fn('ids.ts'), env, recordingLab().lab, { seed, now: () => 0 }).ok);
          const out = ex.invoke(env, {}, contextFor(env));
          assert.ok(out.ok, JSON.stringify(out));
          return out.result;
        };
        const a = ids(11, 'a') as string[];
        assert.deepEqual(ids(11, 'b'), a);
        assert.notDeepEqual(ids(12, 'c'), a);
        assert.equal(new Set(a).size, 3);
      });
    });
  }
});
