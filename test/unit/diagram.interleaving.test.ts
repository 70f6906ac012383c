// The journey's sequence diagram on the awaited model: an invocation is an activation span with its
// calls (request at `call`, answer with its effect at `call-done`), unawaited and abandoned calls are
// marked, and the other invocations that touched the same key meanwhile are drawn — from real runs
// of sandbox handlers in node:vm (the same bootstrap and model as the isolate).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OverlayModel } from '../../src/diagram/overlay';
import { journeyToSequence, tracedCalls } from '../../src/diagram/sequence';
import type { Scenario } from '../../src/engine/scenario';
import { Simulation } from '../../src/engine/simulation';
import type { TraceRecord } from '../../src/engine/trace';
import { clearCompileCache } from '../../src/sandbox/compile';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

const RMW = `import { tableGet, tablePut, send } from 'serverless-lab';
export const handler = async () => {
  const item = await tableGet('counters', 'c');
  await tablePut('counters', { id: 'c', n: (item?.n ?? 0) + 1 });
  send('done', 'counted');
};
`;
const ATOMIC = `import { tableUpdate } from 'serverless-lab';
export const handler = async () => {
  await tableUpdate('counters', 'c', { add: { n: 1 } });
};
`;

/** A queue `in` feeding `counter` one message per invocation; `messages` arrive 1 ms apart from t = 0. */
function scenario(handler: string, messages: number, extra: Partial<Scenario> = {}, fn: Record<string, unknown> = {}): Scenario {
  return {
    name: 'race',
    durationS: 2,
    latency: { table: { baseMs: 10, jitterMs: 0 }, queue: { baseMs: 20, jitterMs: 0 } },
    tables: [{ name: 'counters', key: 'id' }],
    queues: [{ name: 'in' }, { name: 'done' }],
    functions: [{ name: 'counter', handler, timeoutS: 3, initMs: 100, events: [{ queue: 'in', batchSize: 1 }], ...fn }],
    traffic: [{ name: 'load', target: { queue: 'in' }, ratePerSecond: 1000, durationS: messages / 1000 }],
    ...extra,
  } as Scenario;
}

/** `participant P3 as counters` → Map(label → alias). */
function participants(src: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of src.matchAll(/^ {2}participant (P\d+) as (.+)$/gm)) out.set(m[2], m[1]);
  return out;
}

/** Every line is one Mermaid sequence statement we mean to write; activations are balanced per lifeline. */
function assertWellFormed(src: string): void {
  const lines = src.trimEnd().split('\n');
  assert.equal(lines[0], 'sequenceDiagram');
  const declared = new Set(participants(src).values());
  const open = new Map<string, number>();
  for (const line of lines.slice(2)) {
    const m =
      /^ {2}participant (P\d+) as .+$/.exec(line) ??
      /^ {2}Note over (P\d+)(?:,(P\d+))?: .+$/.exec(line) ??
      /^ {2}(P\d+)(?:->>|-->>|--x|-x|-\)|--\))(P\d+): .+$/.exec(line) ??
      /^ {2}(activate|deactivate) (P\d+)$/.exec(line);
    assert.ok(m, `not a statement we write: ${JSON.stringify(line)}`);
    if (m[1] === 'activate' || m[1] === 'deactivate') {
      assert.ok(declared.has(m[2]), line);
      const n = (open.get(m[2]) ?? 0) + (m[1] === 'activate' ? 1 : -1);
      assert.ok(n >= 0, `deactivate of an inactive lifeline: ${line}`);
      open.set(m[2], n);
    } else if (!line.includes('participant')) {
      for (const a of [m[1], m[2]]) if (a !== undefined) assert.ok(declared.has(a), `${a} is declared: ${line}`);
    }
  }
  for (const [a, n] of open) assert.equal(n, 0, `activations of ${a} are closed`);
}

describe('diagram: a journey on the awaited model (real runs, node:vm executor)', function () {
  this.timeout(30_000);
  let dir: string;
  let executor: VmExecutor;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'journey-'));
    clearCompileCache();
    executor = new VmExecutor({ rootDir: dir });
  });
  afterEach(() => {
    executor.dispose();
    rmSync(dir, { recursive: true, force: true });
  });
  function run(source: string, s: (file: string) => Scenario): { sim: Simulation; records: TraceRecord[] } {
    writeFileSync(join(dir, 'handler.ts'), source);
    const sim = new Simulation(s('handler.ts'), { seed: 1, executor });
    sim.run();
    return { sim, records: sim.ctx.trace.records() };
  }

  it('read-modify-write from two environments: both reads come back before either write, and the diagram shows it', () => {
    const { sim, records } = run(RMW, (h) => scenario(h, 2));
    assert.equal(sim.tables.get('counters')!.get('c')!.n, 1, 'the run lost an update (the race happened)');
    const first = records.find((r) => r.kind === 'sent' && r.resource === 'in')!.id!;
    const src = journeyToSequence(records, first);
    assertWellFormed(src);
    const p = participants(src);
    const mine = p.get('counter (env-1)')!;
    const other = p.get('counter (env-2)')!;
    const table = p.get('counters')!;
    assert.ok(mine && other && table, `one lifeline per environment and the table: ${[...p.keys()].join(', ')}`);
    const lines = src.split('\n');
    const find = (re: RegExp): number[] => lines.flatMap((l, i) => (re.test(l) ? [i] : []));
    const gets = find(new RegExp(`^  (${mine}|${other})->>${table}: at [\\d.]+ s: tableGet c`));
    const reads = find(new RegExp(`^  ${table}-->>(${mine}|${other}): at [\\d.]+ s: read c \\(not found\\), 10 ms$`));
    const puts = find(new RegExp(`^  (${mine}|${other})->>${table}: at [\\d.]+ s: tablePut c`));
    const writes = find(new RegExp(`^  ${table}-->>(${mine}|${other}): at [\\d.]+ s: written c \\(put\\), 10 ms$`));
    assert.deepEqual([gets.length, reads.length, puts.length, writes.length], [2, 2, 2, 2], src);
    assert.ok(Math.max(...reads) < Math.min(...writes), 'two reads before two writes: the lost update is visible');
    assert.ok(lines.some((l) => l.startsWith(`  ${other}->>${table}: `) && / by req-\d+$/.test(l)), 'the other invocation is named on its calls');
    assert.ok(lines.some((l) => l.startsWith(`  Note over ${other}: `) && l.includes('another invocation')));
    // The journey's invocation is an activation span around its calls.
    const act = lines.indexOf(`  activate ${mine}`);
    const deact = lines.indexOf(`  deactivate ${mine}`);
    const myCalls = find(new RegExp(`^  (${mine}->>|${table}-->>${mine}:)`));
    assert.ok(act >= 0 && deact > act && myCalls.every((i) => i > act && i < deact), 'its calls lie inside its span');
    assert.ok(lines[act - 1].includes('invoked'), 'the span opens at invoked');
    assert.match(lines[deact - 1], /succeeded req-\d+/, 'and closes at succeeded');
    // The send it did not await: an open arrow, and a note where the handler returned.
    assert.ok(lines.some((l) => l.startsWith(`  ${mine}-)${p.get('done')}: `) && l.endsWith('send, not awaited')), src);
    assert.ok(lines.some((l) => l === `  Note over ${mine}: at 0.12 s: send not awaited (handler.ts:5): frozen with the environment`), src);
  });

  it('the atomic update: no read in between, both increments kept; the other invocation is still drawn on the same key', () => {
    const { sim, records } = run(ATOMIC, (h) => scenario(h, 2));
    assert.equal(sim.tables.get('counters')!.get('c')!.n, 2);
    const first = records.find((r) => r.kind === 'sent' && r.resource === 'in')!.id!;
    const src = journeyToSequence(records, first);
    assertWellFormed(src);
    assert.doesNotMatch(src, /read c/);
    assert.equal((src.match(/: at [\d.]+ s: tableUpdate c/g) ?? []).length, 2, src);
    assert.equal((src.match(/-->>P\d+: at [\d.]+ s: written c \(update\), 10 ms/g) ?? []).length, 2, src);
  });

  it('a crash between the read and the write: the write is drawn as abandoned across both lifelines, and the span ends at failed', () => {
    const { records } = run(RMW, (h) => scenario(h, 1, { faults: [{ kind: 'crash', target: 'counter', atS: 0.115 }] } as Partial<Scenario>));
    const first = records.find((r) => r.kind === 'sent' && r.resource === 'in')!.id!;
    const src = journeyToSequence(records, first);
    assertWellFormed(src);
    const p = participants(src);
    const fn = p.get('counter')!;
    const table = p.get('counters')!;
    const lines = src.split('\n');
    assert.ok(lines.includes(`  Note over ${fn},${table}: at 0.115 s: tablePut abandoned (crash): it never happened`), src);
    const failed = lines.findIndex((l) => l.startsWith(`  Note over ${fn}: at 0.115 s: failed req-`));
    assert.ok(failed > 0 && lines[failed + 1] === `  deactivate ${fn}`, src);
    assert.doesNotMatch(src, /written c/, 'the write never happened');
  });

  it('a call left pending completes when the environment thaws: its answer is drawn after its invocation ended', () => {
    // Two messages 500 ms apart: the second invocation reuses (thaws) the first one's environment.
    const { records } = run(RMW, (h) => ({ ...scenario(h, 1), traffic: [{ name: 'load', target: { queue: 'in' }, ratePerSecond: 2, durationS: 1 }] }) as Scenario);
    const calls = tracedCalls(records);
    const send = calls.find((c) => c.call === 'send' && c.pending && c.done)!;
    assert.ok(send, 'a pending send that completed later');
    const msg = records.find((r) => r.kind === 'invoked' && r.id === send.requestId)!.cause!;
    const src = journeyToSequence(records, msg);
    assertWellFormed(src);
    const p = participants(src);
    assert.match(src, new RegExp(`  ${p.get('done')}-->>${p.get('counter')}: at [\\d.]+ s: sent msg-\\d+, \\d+ ms, after its invocation ended`));
    assert.ok(send.done!.t - send.start.t > 20, 'the call took longer than its latency: it was frozen meanwhile');
  });

  it('tracedCalls pairs each call with its effect and completion, even when two calls of one invocation overlap', () => {
    const both = `import { tableGet } from 'serverless-lab';
export const handler = async () => { await Promise.all([tableGet('counters', 'a'), tableGet('counters', 'b')]); };
`;
    const { records } = run(both, (h) => ({ ...scenario(h, 1), latency: { table: { baseMs: 5, jitterMs: 4 } } }) as Scenario);
    const calls = tracedCalls(records).filter((c) => c.call === 'tableGet');
    assert.equal(calls.length, 2);
    assert.deepEqual(calls.map((c) => c.key).sort(), ['a', 'b'], 'each call got its own read');
    for (const c of calls) {
      assert.equal(c.effect?.kind, 'read');
      assert.equal(c.effect?.cause, c.requestId);
      assert.equal(c.done?.t, c.effect?.t);
      assert.equal(c.done!.t - c.start.t, c.start.detail?.latencyMs);
    }
  });

  it('the overlay counts each function\'s calls in flight (frozen ones too) and the calls its handlers left unawaited', () => {
    const { sim, records } = run(RMW, (h) => scenario(h, 2));
    const m = new OverlayModel(sim.topology());
    const at = (ms: number) => {
      m.apply(records.filter((r) => r.t <= ms && r.seq > (m.snapshot().seq ?? 0)));
      return m.node('counter')!.counters;
    };
    assert.deepEqual([at(50).callsInFlight, at(50).unawaited], [0, 0], 'both still in their init');
    assert.equal(at(105).callsInFlight, 2, 'both tableGets in flight');
    const end = at(Number.POSITIVE_INFINITY);
    assert.equal(end.unawaited, 2, 'each invocation returned with its send in flight');
    const frozen = tracedCalls(records).filter((c) => !c.done && !c.abandoned).length;
    assert.equal(end.callsInFlight, frozen, 'sends still frozen with their environments at the end are still in flight');
    assert.ok(frozen > 0);
  });

  it('stays bounded: other invocations and lifelines are capped, and the diagram says what it left out', () => {
    const { records } = run(RMW, (h) => scenario(h, 6));
    const first = records.find((r) => r.kind === 'sent' && r.resource === 'in')!.id!;
    const all = journeyToSequence(records, first);
    assertWellFormed(all);
    assert.equal(participants(all).size, 8, 'in, the journey\'s environment and 4 others, the table, done');
    assert.match(all, /Note over P0: 1 more invocation touched the same resources meanwhile \(at most 4 drawn\)/);
    const capped = journeyToSequence(records, first, { maxOthers: 2 });
    assertWellFormed(capped);
    assert.match(capped, /Note over P0: 3 more invocations touched the same resources meanwhile \(at most 2 drawn\)/);
    assert.equal(participants(capped).size, 6);
    const narrow = journeyToSequence(records, first, { maxParticipants: 4 });
    assertWellFormed(narrow);
    assert.equal(participants(narrow).size, 4);
    assert.match(narrow, /records at \d+ more lifelines left out \(at most 4\)/);
    const short = journeyToSequence(records, first, { maxSteps: 5 });
    assertWellFormed(short);
    assert.match(short, /… \d+ more records/);
    for (const bad of [{ maxParticipants: 1 }, { maxOthers: -1 }, { maxOthers: 1.5 }]) assert.throws(() => journeyToSequence(records, first, bad), /must be an integer/);
  });
});
