/* global window */
// Live diagram figures, in headless Chromium under the webview CSP (see test/browser/diagramPage.mjs):
// - Mermaid render time per topology size (render once per topology: this is the cost of a change);
// - per-frame update work (performance.now around the rAF update) while animating 1,000 trace
//   events/s on a 20-node diagram, fed by a simulated host batching at 60 updates/s;
// - overlay update messages per second the webview applied, and the reducer's throughput in Node;
// - render time of every lesson's topology;
// - the host pipeline (the real runtime process's trace pushes → OverlayFeed → posted messages) for
//   the busiest lesson at max and 10× speed, and a flood of pushes: messages/s stay ≤ ~60.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openDiagramPage, renderTopology, fanOut, lessonTopologies, OverlayModel, OverlayFeed } from '../test/browser/diagramPage.mjs';
import { repoRoot } from '../test/harness/workbench.mjs';

const require = createRequire(import.meta.url);
const { RuntimeClient } = require('../src/sandbox/client.ts');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** A steady trace: requests flowing api → ingest → topic → queue i → worker i, `perSecond` records a second. */
function* traffic(branches, prefix, perSecond) {
  let seq = 0;
  let n = 0;
  const dt = 1000 / perSecond;
  for (;;) {
    const i = n % branches;
    const k = n++;
    const rec = (kind, resource, id, cause, detail) => ({ seq: ++seq, t: seq * dt, kind, resource, id, cause, detail });
    yield rec('request', `${prefix}-traffic`, `r${k}`);
    yield rec('request', `${prefix}-api`, `g${k}`, `r${k}`);
    yield rec('routed', `${prefix}-api`, `g${k}`, undefined, { target: `${prefix}-ingest` });
    yield rec('invoked', `${prefix}-ingest`, `i${k}`, `g${k}`, { env: `e${k % 4}` });
    yield rec('published', `${prefix}-topic`, `p${k}`, `i${k}`);
    yield rec('succeeded', `${prefix}-ingest`, `i${k}`, `g${k}`, { billedMs: 12 });
    yield rec('delivered', `${prefix}-topic`, `p${k}`, undefined, { endpoint: `${prefix}-q${i}` });
    yield rec('sent', `${prefix}-q${i}`, `m${k}`, `p${k}`);
    yield rec('received', `${prefix}-q${i}`, `m${k}`);
    yield rec('invoked', `${prefix}-w${i}`, `w${k}`, `m${k}`, { env: `we${i}` });
    yield rec('succeeded', `${prefix}-w${i}`, `w${k}`, `m${k}`, { billedMs: 30 });
    yield rec('deleted', `${prefix}-q${i}`, `m${k}`);
  }
}

export default async function* () {
  const page = await openDiagramPage();
  try {
    // 1. Render time per topology size.
    let round = 0;
    for (const branches of [1, 8, 20, 50]) {
      const times = [];
      let nodes = 0;
      for (let rep = 0; rep < 3; rep++) {
        const topo = fanOut(branches, `r${round++}`);
        nodes = topo.nodes.length;
        times.push(await renderMs(page, topo));
      }
      yield { bench: `diagram.render.${nodes}nodes`, value: median(times), unit: 'ms' };
    }
    // 1b. Every lesson's topology (a different topology each time, so each is a real render).
    for (const { name, topology } of lessonTopologies()) {
      const times = [];
      for (let rep = 0; rep < 3; rep++) {
        // Alternate with an empty-ish topology so the same source renders again.
        await renderMs(page, fanOut(0, `x${round++}`, false));
        times.push(await renderMs(page, topology));
      }
      yield { bench: `diagram.render.lesson.${name}`, value: median(times), unit: 'ms', detail: `${topology.nodes.length} nodes, ${topology.edges.length} edges` };
    }

    // 2. Animate 1,000 events/s on a 20-node diagram, host batching at 60/s.
    const topo = fanOut(8, 'live'); // 4 + 8 queues + 8 workers = 20 nodes
    await renderMs(page, topo);
    const seconds = 5;
    const perSecond = 1000;
    const model = new OverlayModel(topo);
    const gen = traffic(8, 'live', perSecond);
    const updates = [];
    const perBatch = perSecond / 60;
    let carry = 0;
    for (let f = 0; f < seconds * 60; f++) {
      carry += perBatch;
      const batch = [];
      while (carry >= 1) {
        batch.push(gen.next().value);
        carry--;
      }
      updates.push(model.apply(batch));
    }
    const result = await page.page.evaluate(async (ups) => {
      const d = window.__slDiagram;
      const startFrames = d.stats().frames.length;
      const appliedBefore = d.updatesApplied();
      const t0 = performance.now();
      await new Promise((resolve) => {
        let i = 0;
        const timer = setInterval(() => {
          if (i >= ups.length) {
            clearInterval(timer);
            resolve();
            return;
          }
          window.postMessage({ type: 'updates', batch: [ups[i++]] }, '*');
        }, 1000 / 60);
      });
      await new Promise((r) => setTimeout(r, 100));
      const elapsed = (performance.now() - t0) / 1000;
      const s = d.stats();
      return { frames: s.frames.slice(-(s.frames.length - startFrames)), applied: d.updatesApplied() - appliedBefore, elapsed, started: s.dotsStarted, dropped: s.dotsDropped };
    }, updates);
    yield { bench: 'diagram.frame.work.p50', value: +pct(result.frames, 50).toFixed(3), unit: 'ms', detail: '1,000 events/s, 20 nodes' };
    yield { bench: 'diagram.frame.work.p95', value: +pct(result.frames, 95).toFixed(3), unit: 'ms', goal: '<= 16' };
    yield { bench: 'diagram.frames.measured', value: result.frames.length, unit: 'frames' };
    yield { bench: 'diagram.dots.started', value: Math.round(result.started / result.elapsed), unit: 'dots/s' };
    yield { bench: 'diagram.updates.applied', value: +(result.applied / result.elapsed).toFixed(1), unit: 'updates/s', goal: '<= 60 (host batching)' };
    if (page.errors.length) throw new Error(`console errors: ${page.errors.join('; ')}`);

    // 3. Reducer throughput in Node (records/s through OverlayModel.apply in 60/s-sized batches).
    const m2 = new OverlayModel(topo);
    const g2 = traffic(8, 'live', perSecond);
    const batch = Array.from({ length: 1000 }, () => g2.next().value);
    const t0 = performance.now();
    let total = 0;
    while (performance.now() - t0 < 1000) {
      for (let i = 0; i < batch.length; i += 17) m2.apply(batch.slice(i, i + 17));
      total += batch.length;
      // fresh ids so the location map keeps working as in a real run
      for (const r of batch) if (r.id) r.id = `${r.id}x`;
    }
    yield { bench: 'diagram.overlay.reduce', value: Math.round(total / ((performance.now() - t0) / 1000)), unit: 'records/s' };
  } finally {
    await page.browser.close();
  }
  yield* hostPipeline();
}

async function renderMs(page, topology) {
  const r = await renderTopology(page, topology);
  if (!r.ok) throw new Error(r.error);
  return r.ms;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The extension host's side, without VS Code: the real runtime process (engine + isolates) pushes
 * trace batches; an OverlayFeed (what DiagramView uses) turns them into `updates` messages, which are
 * counted instead of posted to a webview.
 */
async function* hostPipeline() {
  const lesson = join(repoRoot, 'lessons', '13-load-leveling');
  const built = join(repoRoot, 'dist', 'runtime.js');
  const rt = new RuntimeClient(existsSync(built)
    ? { runtimePath: built, nodePath: process.execPath }
    : { runtimePath: join(repoRoot, 'src', 'sandbox', 'runtime.ts'), nodePath: process.execPath, execArgv: ['-r', join(repoRoot, 'test', 'register.js')] });
  await rt.start();
  try {
    /** Load the lesson, drive it with `drive(endMs)` and count what reaches the "webview". */
    const measure = async (label, drive) => {
      const loaded = await rt.request({ type: 'load', scenarioFile: join(lesson, 'scenario.json'), handlerDir: join(lesson, 'solution') });
      const sent = [];
      const feed = new OverlayFeed(loaded.topology, (m, records) => sent.push({ at: performance.now(), records }));
      let pushes = 0;
      let dropped = 0;
      const onPush = (p) => {
        if (p.push !== 'trace' || p.source !== 'scenario') return;
        pushes++;
        dropped += p.dropped;
        feed.push(p.records);
      };
      rt.on('push', onPush);
      const t0 = performance.now();
      await drive(loaded.endMs ?? 45_000);
      await sleep(100); // the runtime's last flush and the feed's last frame
      rt.off('push', onPush);
      feed.dispose();
      const seconds = (performance.now() - t0) / 1000;
      const records = sent.reduce((n, s) => n + s.records, 0);
      // The busiest wall-clock second: the bound that matters for the webview.
      let peak = 0;
      for (let i = 0, j = 0; i < sent.length; i++) {
        while (sent[i].at - sent[j].at >= 1000) j++;
        peak = Math.max(peak, i - j + 1);
      }
      const detail = `load leveling, ${label}: ${pushes} runtime pushes, ${sent.length} messages, ${records} records in ${seconds.toFixed(2)} s${dropped ? `, ${dropped} records dropped by the runtime (aggregates stay exact)` : ''}`;
      return [
        { bench: `diagram.host.${label}.records`, value: Math.round(records / seconds), unit: 'records/s', detail },
        { bench: `diagram.host.${label}.messages`, value: +(sent.length / seconds).toFixed(1), unit: 'messages/s', goal: '<= 60' },
        { bench: `diagram.host.${label}.messages.peak`, value: peak, unit: 'messages in the busiest second', goal: '<= 60' },
        { bench: `diagram.host.${label}.records.per.message`, value: Math.round(records / Math.max(1, sent.length)), unit: 'records/message' },
      ];
    };
    // Max speed: the player runs to the end in one request.
    yield* await measure('max', (endMs) => rt.request({ type: 'run', untilMs: endMs }));
    // 10×: the player's 100 ms tick, 1 s of virtual time per tick.
    yield* await measure('10x', async (endMs) => {
      for (let now = 0; now < endMs; ) {
        await sleep(100);
        now = (await rt.request({ type: 'run', untilMs: now + 1000 })).now;
      }
    });
  } finally {
    await rt.dispose();
  }
  // Floods for 2 s, far above any real runtime rate: `size` records per push, `rate` pushes a second
  // at most (Infinity: one push every event-loop turn, which saturates the host's CPU).
  for (const { size, rate } of [{ size: 5, rate: 2000 }, { size: 1, rate: Infinity }, { size: 100, rate: Infinity }]) {
    const topo = fanOut(8, 'flood');
    const gen = traffic(8, 'flood', 100_000);
    let messages = 0;
    let records = 0;
    const feed = new OverlayFeed(topo, (m, n) => {
      messages++;
      records += n;
    });
    const t0 = performance.now();
    let pushes = 0;
    while (performance.now() - t0 < 2000) {
      if (pushes < ((performance.now() - t0) / 1000) * rate) {
        feed.push(Array.from({ length: size }, () => gen.next().value));
        pushes++;
      }
      await new Promise((r) => setImmediate(r));
    }
    feed.flush();
    const seconds = (performance.now() - t0) / 1000;
    yield { bench: `diagram.host.flood.${size}x${rate}.messages`, value: +(messages / seconds).toFixed(1), unit: 'messages/s', goal: '<= 60 regardless of the event rate', detail: `${Math.round(pushes / seconds)} pushes/s of ${size} record(s) = ${Math.round(records / seconds)} records/s in` };
  }
}
