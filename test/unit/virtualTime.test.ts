import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SIMULATION_EPOCH_MS } from '../../src/engine/events';
import type { HandlerContext, LabApi } from '../../src/engine/executor';
import { Random } from '../../src/engine/random';
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';
import { driven, type TestRuntime } from './driver';
import { recordingLab } from './helpers';

function contextFor(envId: string): HandlerContext {
  return { awsRequestId: 'req-1', functionName: 'fn', memoryLimitInMB: 128, getRemainingTimeInMillis: () => 2500, coldStart: false, environmentId: envId };
}

const hostDate = Date;
const hostNow = Date.now;
const hostRandom = Math.random;
const hostFormat = Object.getOwnPropertyDescriptor(Intl.DateTimeFormat.prototype, 'format')!.get;

/** A runtime whose virtual instant the test sets (the driver adds the work declared since each entry, as the platform does). */
function steerableRuntime(seed: number, startMs = SIMULATION_EPOCH_MS) {
  const state = { clock: startMs, work: 0 };
  const runtime: TestRuntime = { seed, now: () => state.clock };
  const lab = (base: LabApi): LabApi => base;
  return { state, runtime, lab };
}

type Driven = ReturnType<typeof driven<IsolateExecutor | VmExecutor>>;

const kinds = [
  ['sandbox', (dir: string): Driven => driven(new IsolateExecutor({ rootDir: dir }))],
  ['in-process', (dir: string): Driven => driven(new VmExecutor({ rootDir: dir }))],
] as const;

describe('virtual time and seeded randomness in handlers', function () {
  this.timeout(20000);
  let dir: string;
  const write = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return name;
  };
  const fn = (handler: string) => ({ name: 'fn', handler, memoryMb: 128, timeoutMs: 3000 });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'virtual-time-'));
    clearCompileCache();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [kind, make] of kinds) {
    describe(kind, () => {
      let ex: Driven;
      beforeEach(() => (ex = make(dir)));
      afterEach(() => ex.dispose?.());

      it('Date, Date.now, performance.now follow the virtual instant set at each entry, moved on by work(ms)', () => {
        const h = write(
          'clock.ts',
          `import { work } from 'serverless-lab';
const atInit = { now: Date.now(), perf: performance.now() };
work(40);
const afterInitWork = Date.now();
export const handler = () => {
  const start = { now: Date.now(), date: new Date().getTime(), iso: new Date().toISOString(), perf: performance.now(), str: Date() };
  work(250);
  const later = { now: Date.now(), perf: performance.now() };
  return { atInit, afterInitWork, start, later, origin: performance.timeOrigin };
};
`,
        );
        const t = steerableRuntime(1, SIMULATION_EPOCH_MS + 5_000);
        const { lab } = recordingLab();
        assert.equal(ex.createEnvironment(fn(h), 'env-1', t.lab(lab), t.runtime).ok, true);
        // The platform moves on: the handler runs 3 s later (virtual), with no work declared yet.
        t.state.clock = SIMULATION_EPOCH_MS + 8_000;
        t.state.work = 0;
        const r = ex.invoke('env-1', {}, contextFor('env-1'));
        assert.ok(r.ok, JSON.stringify(r));
        const v = r.result as any;
        assert.deepEqual(v.atInit, { now: SIMULATION_EPOCH_MS + 5_000, perf: 0 });
        assert.equal(v.afterInitWork, SIMULATION_EPOCH_MS + 5_040);
        assert.equal(v.origin, SIMULATION_EPOCH_MS + 5_000);
        assert.deepEqual(v.start, {
          now: SIMULATION_EPOCH_MS + 8_000,
          date: SIMULATION_EPOCH_MS + 8_000,
          iso: '2026-01-01T00:00:08.000Z',
          perf: 3_000,
          str: new Date(SIMULATION_EPOCH_MS + 8_000).toString(),
        });
        assert.deepEqual(v.later, { now: SIMULATION_EPOCH_MS + 8_250, perf: 3_250 });
      });

      it('Date with arguments, Date.parse, Date.UTC, instanceof, subclasses and Intl keep working', () => {
        const h = write(
          'dates.ts',
          `class Stamp extends Date { label() { return 'at ' + this.toISOString(); } }
export const handler = () => ({
  parsed: new Date('2020-01-02T03:04:05Z').getTime(),
  parts: new Date(2021, 5, 7, 8, 9, 10).getFullYear(),
  copy: new Date(new Date(0)).getTime(),
  ms: new Date(86400000).toISOString(),
  parse: Date.parse('2019-12-31T23:59:59.000Z'),
  utc: Date.UTC(2024, 1, 29),
  isDate: new Date() instanceof Date && Object.prototype.toString.call(new Date()) === '[object Date]',
  ctor: new Date().constructor === Date && Object.getPrototypeOf(new Date()).constructor.now() === Date.now(),
  length: Date.length,
  stamp: new Stamp().label(),
  stampIsDate: new Stamp() instanceof Date,
  fmt: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', dateStyle: 'short', timeStyle: 'medium' }).format(),
  fmtCall: Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric' }).format(),
  fmtDate: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric' }).format(new Date(Date.UTC(1999, 5, 1))),
  parts2: new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', hourCycle: 'h23' }).formatToParts().find((p) => p.type === 'hour')!.value,
  local: new Date().toLocaleDateString('en-GB', { timeZone: 'UTC' }),
});
`,
        );
        const t = steerableRuntime(1, Date.UTC(2026, 2, 4, 13, 14, 15));
        assert.equal(ex.createEnvironment(fn(h), 'env-1', t.lab(recordingLab().lab), t.runtime).ok, true);
        const r = ex.invoke('env-1', {}, contextFor('env-1'));
        assert.ok(r.ok, JSON.stringify(r));
        assert.deepEqual(r.result, {
          parsed: Date.UTC(2020, 0, 2, 3, 4, 5),
          parts: 2021,
          copy: 0,
          ms: '1970-01-02T00:00:00.000Z',
          parse: Date.UTC(2019, 11, 31, 23, 59, 59),
          utc: Date.UTC(2024, 1, 29),
          isDate: true,
          ctor: true,
          length: 7,
          stamp: 'at 2026-03-04T13:14:15.000Z',
          stampIsDate: true,
          fmt: '04/03/2026, 13:14:15',
          fmtCall: '2026',
          fmtDate: '1999',
          parts2: '13',
          local: '04/03/2026',
        });
      });

      it('Math.random, crypto.randomUUID and crypto.getRandomValues come from the environment seed', () => {
        const h = write(
          'rand.ts',
          `const atInit = Math.random();
export const handler = () => {
  const bytes = new Uint8Array(8);
  const same = crypto.getRandomValues(bytes) === bytes;
  const words = crypto.getRandomValues(new Uint32Array(2));
  return { atInit, r: [Math.random(), Math.random()], uuid: crypto.randomUUID(), bytes: Array.from(bytes), words: Array.from(words), same };
};
`,
        );
        const run = (envId: string, seed: number) => {
          const t = steerableRuntime(seed);
          assert.equal(ex.createEnvironment(fn(h), envId, t.lab(recordingLab().lab), t.runtime).ok, true);
          const r = ex.invoke(envId, {}, contextFor(envId));
          assert.ok(r.ok, JSON.stringify(r));
          return r.result as any;
        };
        const a = run('env-1', 42);
        const b = run('env-2', 42);
        const c = run('env-3', 43);
        assert.deepEqual(a, b, 'the same seed gives the same values');
        assert.notDeepEqual(a.r, c.r, 'another seed gives other values');
        // The stream is the engine's generator (mulberry32) with the engine's seeding.
        const reference = new Random(42);
        assert.equal(a.atInit, reference.next());
        for (let i = 0; i < 8 + 2 * 4; i++) reference.next(); // one draw per random byte
        assert.deepEqual(a.r, [reference.next(), reference.next()]);
        assert.match(a.uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
        assert.equal(a.bytes.length, 8);
        assert.ok(a.bytes.every((x: number) => Number.isInteger(x) && x >= 0 && x < 256));
        assert.ok(new Set(a.bytes).size > 1);
        assert.ok(a.words.every((x: number) => Number.isInteger(x) && x >= 0 && x < 2 ** 32));
        assert.equal(a.same, true, 'getRandomValues returns the array it filled');
      });

      it('crypto.getRandomValues refuses float arrays and more than 65536 bytes, as the Web Crypto API does', () => {
        const h = write(
          'bad.ts',
          `const attempt = (f: () => unknown) => { try { f(); return 'ok'; } catch (e: any) { return e.name + ': ' + e.message; } };
export const handler = () => [
  attempt(() => crypto.getRandomValues(new Float64Array(2) as any)),
  attempt(() => crypto.getRandomValues([1, 2] as any)),
  attempt(() => crypto.getRandomValues(new Uint8Array(65537))),
  attempt(() => crypto.getRandomValues(new Uint8Array(65536))),
];
`,
        );
        const t = steerableRuntime(3);
        assert.equal(ex.createEnvironment(fn(h), 'env-1', t.lab(recordingLab().lab), t.runtime).ok, true);
        const r = ex.invoke('env-1', {}, contextFor('env-1'));
        assert.ok(r.ok, JSON.stringify(r));
        const [float, array, tooMany, max] = r.result as string[];
        assert.match(float, /^TypeError: crypto\.getRandomValues: the argument must be an integer typed array/);
        assert.match(array, /^TypeError: /);
        assert.equal(tooMany, 'QuotaExceededError: crypto.getRandomValues: 65537 bytes requested, more than the limit of 65536');
        assert.equal(max, 'ok');
      });
    });
  }

  it('the sandbox and the in-process executor give the same times and numbers for the same runtime', () => {
    const h = write(
      'both.ts',
      `import { work } from 'serverless-lab';
export const handler = () => { work(7.5); return [Date.now(), performance.now(), Math.random(), crypto.randomUUID(), new Date().toISOString()]; };
`,
    );
    const results = kinds.map(([, make]) => {
      const ex = make(dir);
      try {
        const t = steerableRuntime(99, SIMULATION_EPOCH_MS + 1234.5);
        assert.equal(ex.createEnvironment(fn(h), 'env-1', t.lab(recordingLab().lab), t.runtime).ok, true);
        const r = ex.invoke('env-1', {}, contextFor('env-1'));
        assert.ok(r.ok, JSON.stringify(r));
        return r.result;
      } finally {
        ex.dispose?.();
      }
    });
    assert.deepEqual(results[0], results[1]);
    assert.deepEqual((results[0] as unknown[]).slice(0, 2), [SIMULATION_EPOCH_MS + 1242, 7.5]);
  });

  it("the host's own clock and Math.random are untouched by the in-process executor", () => {
    const h = write('host.ts', 'export const handler = () => [Date.now(), Math.random()];\n');
    const [, make] = kinds[1];
    const ex = make(dir);
    const t = steerableRuntime(5);
    ex.createEnvironment(fn(h), 'env-1', t.lab(recordingLab().lab), t.runtime);
    const r = ex.invoke('env-1', {}, contextFor('env-1'));
    assert.ok(r.ok);
    assert.equal((r.result as number[])[0], SIMULATION_EPOCH_MS);
    assert.equal(globalThis.Date, hostDate);
    assert.equal(Date.now, hostNow);
    assert.equal(Date.prototype.constructor, hostDate);
    assert.equal(Math.random, hostRandom);
    assert.equal(Object.getOwnPropertyDescriptor(Intl.DateTimeFormat.prototype, 'format')!.get, hostFormat);
  });
});
