// The diagram tells the lesson's story: a survey run finds every resource each function calls (so
// the diagram connects them from the start), playback fits the run (whole lesson ≈ 25 s, slower in
// bursts, ending at the last event), and panels speak the learner's words.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fitPacing } from '../../src/diagram/pacing';
import { FIT_WALL_MS, planPlayback, playbackStops, TICK_MS } from '../../src/diagram/playback';
import { counterName, counterValue, describeCounters, seconds } from '../../src/diagram/words';
import { detailText } from '../../src/diagram/traceWindow';
import { journeyRecords, journeyRoot, journeyToSequence } from '../../src/diagram/sequence';
import { Simulation } from '../../src/engine/simulation';
import { calledInRun, recorder } from './diagram.fixtures';
import { validateScenario } from '../../src/engine/scenario';
import { labelledTopology, surveyScenario, trafficRates } from '../../src/engine/survey';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

const lessons = path.resolve(__dirname, '..', '..', 'lessons');
function survey(lesson: string) {
  const { scenario } = validateScenario(JSON.parse(fs.readFileSync(path.join(lessons, lesson, 'scenario.json'), 'utf8')));
  const executor = new IsolateExecutor({ rootDir: path.join(lessons, lesson, 'solution') });
  try {
    const s = surveyScenario(scenario!, { executor });
    return { scenario: scenario!, survey: s, topology: labelledTopology(scenario!, s) };
  } finally {
    executor.dispose();
  }
}

describe('diagram story: the survey run', function () {
  this.timeout(60_000);

  it('connects a function to the table it writes, labelled with its busiest second (lesson 13)', () => {
    const { topology, survey: s } = survey('13-load-leveling');
    const edge = topology.edges.find((e) => e.kind === 'calls' && e.from === 'order-writer' && e.to === 'order-batches');
    assert.ok(edge, JSON.stringify(topology.edges));
    const peak = s.peakPerSecond['order-writer→order-batches'];
    assert.ok(peak !== undefined && peak > 0 && peak <= 10, `peak ${peak}`);
    assert.equal(edge.label, `tablePut, up to ${peak}/s`);
    const traffic = topology.edges.find((e) => e.kind === 'traffic')!;
    assert.equal(traffic.label, '2/s until 30 s, 100/s at 5–15 s');
  });

  it('every resource a function calls in each lesson\'s run is connected to it by a calls edge (all 17 lessons, read from a run of its own)', () => {
    const all = fs.readdirSync(lessons).filter((d) => fs.existsSync(path.join(lessons, d, 'scenario.json')));
    assert.equal(all.length, 17);
    const counts: Record<string, number> = {};
    for (const lesson of all) {
      const { topology, scenario } = survey(lesson);
      // The oracle: the same run with every record kept, its handlers' own `call` records.
      const executor = new IsolateExecutor({ rootDir: path.join(lessons, lesson, 'solution') });
      let called: ReturnType<typeof calledInRun>;
      try {
        const sim = new Simulation(scenario, { executor, records: { mode: 'all' } });
        sim.run();
        called = calledInRun(sim.records());
      } finally {
        executor.dispose();
      }
      counts[lesson] = called.length;
      const ids = new Set(topology.nodes.map((n) => n.id));
      for (const [from, to, call] of called) {
        assert.ok(ids.has(from) && ids.has(to), `${lesson}: ${from} calls ${to} (${call}) but the diagram has no node for ${ids.has(from) ? to : from}`);
        const edge = topology.edges.find((e) => e.kind === 'calls' && e.from === from && e.to === to);
        assert.ok(edge, `${lesson}: ${from} calls ${to} (${call}) but no edge connects them`);
        assert.match(edge.label ?? '', /up to \d+\/s/, `${lesson}: ${from} → ${to} says how often`);
      }
    }
    // The lessons the issue names: lesson 7's worker and lesson 13's writer call what they are about.
    assert.ok(counts['07-queues']! >= 1 && counts['13-load-leveling']! >= 1, JSON.stringify(counts));
    assert.ok(Object.values(counts).filter((n) => n > 0).length >= 12, `most lessons' handlers call something: ${JSON.stringify(counts)}`);
  });

  it('connects a function to what it called even when the call never completed (unawaited, its environment frozen to the end)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'survey-'));
    const executor = new VmExecutor({ rootDir: dir });
    try {
      fs.writeFileSync(path.join(dir, 'forgetful.ts'), `import { send, tableGet } from 'serverless-lab';
export const handler = async () => { await tableGet('ids', 'k'); send('done', 'never'); };
`);
      const { scenario, problems } = validateScenario({
        name: 'forgetful',
        durationS: 5,
        tables: [{ name: 'ids', key: 'id' }],
        queues: [{ name: 'in' }, { name: 'done' }],
        functions: [{ name: 'f', handler: 'forgetful.ts', events: [{ queue: 'in' }] }],
        traffic: [{ name: 'one', target: { queue: 'in' }, ratePerSecond: 1, durationS: 1 }],
      });
      assert.deepEqual(problems, []);
      const s = surveyScenario(scenario!, { executor });
      const topology = labelledTopology(scenario!, s);
      assert.deepEqual(
        topology.edges.filter((e) => e.kind === 'calls').map((e) => `${e.from}→${e.to}: ${e.label}`).sort(),
        ['f→done: send, up to 1/s', 'f→ids: tableGet, up to 1/s'],
      );
    } finally {
      executor.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds where the run really ends: lesson 1 is quiet from about 150 s of its 200', () => {
    const { survey: s } = survey('01-what-serverless-means');
    assert.equal(s.endMs, 200_000);
    assert.ok(s.lastMs > 140_000 && s.lastMs < 160_000, `last event at ${s.lastMs} ms`);
    assert.ok(s.activity.slice(0, 30).every((n) => n === 0), 'nothing in the first 30 s');
    assert.ok(Math.max(...s.activity.slice(60, 70)) > 5 * Math.max(...s.activity.slice(40, 55)), 'the burst is busier');
  });

  it('the declared topology (drawn when no survey could run) already says traffic\'s real rates', () => {
    const { scenario } = validateScenario(JSON.parse(fs.readFileSync(path.join(lessons, '13-load-leveling', 'scenario.json'), 'utf8')));
    const traffic = new Simulation(scenario!, { records: { mode: 'none' } }).topology().edges.find((e) => e.kind === 'traffic')!;
    assert.equal(traffic.label, '2/s until 30 s, 100/s at 5–15 s');
  });

  it('gateway traffic keeps its route and says its rates, with the window it runs in (lesson 1: nothing for 30 s)', () => {
    const { scenario, topology } = survey('01-what-serverless-means');
    assert.equal(trafficRates(scenario.traffic[0]!, scenario.durationS), '2/s at 30–90 s, 100/s at 60–70 s');
    assert.match(topology.edges.find((e) => e.kind === 'traffic')!.label!, /^GET \/hello.* · 2\/s at 30–90 s, 100\/s at 60–70 s$/);
  });

  it('traffic rates: a pause is "none", Poisson arrivals are "about", a window to the run\'s end is "from"', () => {
    const t = (extra: object) => ({ name: 't', target: { queue: 'q' }, ratePerSecond: 20, ...extra }) as Parameters<typeof trafficRates>[0];
    assert.equal(trafficRates(t({ durationS: 25.5, spikes: [{ atS: 20, durationS: 4.5, ratePerSecond: 0 }, { atS: 24.5, durationS: 1, ratePerSecond: 40 }] }), 75), '20/s until 25.5 s, none at 20–24.5 s, 40/s at 24.5–25.5 s');
    assert.equal(trafficRates(t({ arrival: 'poisson' }), 60), 'about 20/s');
    assert.equal(trafficRates(t({ startS: 10, durationS: 50 }), 60), '20/s from 10 s');
    assert.equal(trafficRates(t({ startS: 0, durationS: 60 }), 60), '20/s');
  });
});

describe('diagram story: playback fitted to the run', () => {
  // lesson 1's shape: 30 s quiet, 60 s at a trickle, a 10 s burst inside, 60 s quiet, over 150 s
  const activity = Array.from({ length: 150 }, (_, s) => (s < 30 ? 0 : s >= 60 && s < 70 ? 800 : s < 90 ? 16 : s === 149 ? 3 : 0));
  const p = fitPacing(activity, 150_000, 25_000);

  it('plays the whole run in the target wall time, ending at its end', () => {
    assert.ok(Math.abs(p.totalWallMs - 25_000) < 1, String(p.totalWallMs));
    assert.equal(p.virtualAt(p.totalWallMs + 10), 150_000);
    assert.equal(p.virtualAt(0), 0);
  });
  it('slows down in the burst and hurries through the quiet', () => {
    const wallPerVirtualSecond = (s: number) => p.wallAt((s + 1) * 1000) - p.wallAt(s * 1000);
    assert.ok(wallPerVirtualSecond(65) > 5 * wallPerVirtualSecond(10), `${wallPerVirtualSecond(65)} vs ${wallPerVirtualSecond(10)}`);
    assert.ok(wallPerVirtualSecond(65) > 1.5 * wallPerVirtualSecond(45));
    assert.ok(p.wallAt(70_000) - p.wallAt(60_000) >= 4_000, 'the 10 s burst lasts seconds on screen');
  });
  it('virtualAt inverts wallAt and only moves forward', () => {
    let last = -1;
    for (let w = 0; w <= 25_000; w += 250) {
      const v = p.virtualAt(w);
      assert.ok(v >= last);
      last = v;
      assert.ok(Math.abs(p.wallAt(v) - w) < 1, `${w} → ${v} → ${p.wallAt(v)}`);
    }
  });
});

describe('diagram story: the playback schedule over every lesson\'s run', function () {
  this.timeout(120_000);
  const all = fs.readdirSync(lessons).filter((d) => fs.existsSync(path.join(lessons, d, 'scenario.json'))).sort();
  const runs = new Map<string, ReturnType<typeof survey>>();
  const run = (lesson: string) => runs.get(lesson) ?? runs.set(lesson, survey(lesson)).get(lesson)!;

  it('all 17 lessons are here', () => assert.equal(all.length, 17));

  for (const lesson of all) {
    it(`${lesson}: fit plays the whole run in 20–30 s, tick by tick, ending on the second after its last event`, () => {
      const { survey: s } = run(lesson);
      const plan = planPlayback(s.endMs, s);
      assert.ok(plan.endMs >= s.lastMs, `ends at ${plan.endMs} ms, before the last event at ${s.lastMs} ms`);
      assert.ok(plan.endMs - s.lastMs <= 1000, `ends at ${plan.endMs} ms, more than a second after the last event at ${s.lastMs} ms`);
      assert.ok(plan.endMs <= s.endMs, 'never past the declared end');
      const stops = playbackStops(plan, 'fit');
      const wall = stops.length * TICK_MS;
      assert.ok(wall >= 20_000 && wall <= 30_000, `the playback lasts ${wall / 1000} s`);
      assert.equal(stops.at(-1), plan.endMs, 'the last tick reaches the end');
      for (let i = 1; i < stops.length; i++) assert.ok(stops[i]! > stops[i - 1]!, `tick ${i} moves forward`);
      // At a fixed speed the playback ends at the same place.
      assert.equal(playbackStops(plan, '10x').at(-1), plan.endMs);
      assert.deepEqual(playbackStops(plan, 'max'), [plan.endMs]);
    });

    it(`${lesson}: fit slows down in the run's busiest second and hurries through its quietest`, () => {
      const { survey: s } = run(lesson);
      const plan = planPlayback(s.endMs, s);
      const seconds = plan.endMs / 1000;
      const activity = s.activity.slice(0, seconds);
      const wallOf = (sec: number) => plan.pacing!.wallAt((sec + 1) * 1000) - plan.pacing!.wallAt(sec * 1000);
      const busiest = activity.indexOf(Math.max(...activity));
      // The quietest stretch: the second whose busiest neighbour (2 s either side) is least busy.
      const nearby = activity.map((_, i) => Math.max(...activity.slice(Math.max(0, i - 2), i + 3)));
      const quietest = nearby.indexOf(Math.min(...nearby));
      if (activity[busiest]! > 4 * (nearby[quietest]! + 1)) assert.ok(wallOf(busiest) > 2 * wallOf(quietest), `${wallOf(busiest)} ms for second ${busiest} (${activity[busiest]} records) vs ${wallOf(quietest)} ms for second ${quietest} (${nearby[quietest]} around it)`);
      else assert.ok(wallOf(busiest) >= wallOf(quietest));
    });
  }

  it('lesson 1: the 30 quiet seconds pass in under 4 s, the 10 s burst lasts over 4 s, and playback slows just before it', () => {
    const { survey: s } = run('01-what-serverless-means');
    const plan = planPlayback(s.endMs, s);
    assert.equal(plan.endMs, Math.ceil((s.lastMs + 1) / 1000) * 1000);
    assert.ok(plan.endMs < 160_000, `ends at ${plan.endMs} ms (declared 200 s)`);
    const stops = playbackStops(plan, 'fit');
    const ticksIn = (from: number, to: number) => stops.filter((t) => t > from && t <= to).length;
    assert.ok(ticksIn(0, 30_000) * TICK_MS < 4_000, `quiet start: ${ticksIn(0, 30_000)} ticks`);
    assert.ok(ticksIn(60_000, 70_000) * TICK_MS > 4_000, `burst: ${ticksIn(60_000, 70_000)} ticks`);
    const p = plan.pacing!;
    const wallOf = (sec: number) => p.wallAt((sec + 1) * 1000) - p.wallAt(sec * 1000);
    assert.ok(wallOf(59) > 1.3 * wallOf(55), `the second before the burst ${wallOf(59)} ms vs ${wallOf(55)} ms`);
  });

  it('without a survey: the declared end, 10× for fit; an unbounded scenario stops at an hour', () => {
    const plan = planPlayback(30_000);
    assert.equal(plan.pacing, undefined);
    assert.equal(playbackStops(plan, 'fit').length, 30, '30 s at 10× is 30 ticks of 100 ms');
    assert.equal(planPlayback(null).endMs, 3_600_000);
    assert.equal(planPlayback(200_000, { activity: [1, 0, 3], lastMs: 2_400 }).endMs, 3_000);
    assert.ok(Math.abs(planPlayback(200_000, { activity: [1, 0, 3], lastMs: 2_400 }).pacing!.totalWallMs - FIT_WALL_MS) < 1);
  });
});

describe('diagram story: the learner\'s words', () => {
  it('counters by their names and units, never the code\'s', () => {
    assert.equal(counterName('coldStarts'), 'cold starts');
    assert.equal(counterValue('costMicroUsd', 12), '$0.000012');
    assert.equal(counterValue('gbSeconds', 0.84), '0.84 GB-s');
    const text = describeCounters({ coldStarts: 3, costMicroUsd: 1500, gbSeconds: 2.5 });
    assert.doesNotMatch(text, /coldStarts|costMicroUsd|gbSeconds/);
    assert.match(text, /cold starts 3 · cost \$0\.0015 · compute billed 2\.50 GB-s/);
  });
  it('times in seconds; detail lines rename milliseconds; a log record shows its line', () => {
    assert.equal(seconds(59_500), '59.5 s');
    assert.equal(seconds(123_400), '2 min 03.4 s');
    assert.equal(detailText({ billedMs: 21, env: 'env-3' }), 'billed 0.021 s, env env-3');
    assert.equal(detailText({ env: 'env-1', args: ['hello', { n: 1 }] }, 160, 'log'), 'hello {"n":1}');
    const seq = journeyToSequence([{ seq: 1, t: 89_500, kind: 'request', resource: 'visitors', id: 'req-1' }], 'req-1');
    assert.doesNotMatch(seq, /t=\d+ms/);
    assert.match(seq, /1 min 29\.5 s/);
  });
});

describe('diagram story: one journey per request', function () {
  this.timeout(60_000);

  it('a request clicked at the client, the gateway or the function is one journey (lesson 1)', () => {
    const dir = path.join(lessons, '01-what-serverless-means');
    const { scenario } = validateScenario(JSON.parse(fs.readFileSync(path.join(dir, 'scenario.json'), 'utf8')));
    const executor = new IsolateExecutor({ rootDir: path.join(dir, 'solution') });
    try {
      const sim = new Simulation(scenario!, { executor, records: { mode: 'all' } });
      sim.run(40_000);
      const records = sim.records();
      const invoked = records.find((r) => r.kind === 'invoked' && r.t > 35_000)!;
      const atGateway = records.find((r) => r.kind === 'request' && r.id === invoked.cause)!;
      const atClient = records.find((r) => r.kind === 'request' && r.id === atGateway.cause)!;
      assert.ok(atGateway && atClient, 'the invocation was caused by a gateway request sent by a client');
      assert.notEqual(invoked.id, atGateway.id, 'the gateway and the function give the request ids of their own');
      for (const id of [invoked.id!, atGateway.id!]) assert.equal(journeyRoot(records, id), atClient.id);
      const seq = journeyToSequence(records, invoked.id!);
      assert.equal(journeyToSequence(records, atGateway.id!), seq);
      const lanes = seq.split('\n').filter((l) => l.includes('participant')).map((l) => l.split(' as ')[1]);
      assert.deepEqual(lanes, [atClient.resource, atGateway.resource, invoked.resource]);
      assert.match(seq, /responded/, 'the answer is in the journey');
      assert.match(seq, /succeeded .* \(took 0\.\d+ s\)/, 'durations in seconds');
      assert.doesNotMatch(seq, /durationMs|statusCode|receiveCount/);
    } finally {
      executor.dispose();
    }
  });

  it('never goes back through a message: the invocation for a batch, or for one message, is a journey of its own', () => {
    const r = recorder();
    const trace = [
      r(0, 'request', 'clients', 'req-1'),
      r(0, 'sent', 'q', 'm1', 'req-1'),
      r(0, 'sent', 'q', 'm2', 'req-1'),
      r(1, 'invoked', 'worker', 'inv-1', 'm1', { env: 'e1' }),
      r(2, 'invoked', 'worker', 'inv-2', 'm1,m2', { env: 'e1' }),
      r(3, 'invoked', 'after', 'inv-3', 'inv-2', { env: 'e2' }),
    ];
    assert.equal(journeyRoot(trace, 'inv-1'), 'inv-1');
    assert.equal(journeyRoot(trace, 'inv-2'), 'inv-2');
    assert.equal(journeyRoot(trace, 'inv-3'), 'inv-3', 'an invocation caused by another (a destination) is not its request');
    assert.deepEqual(journeyRecords(trace, 'inv-1').map((x) => x.id), ['inv-1']);
  });
});
