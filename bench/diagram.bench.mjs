/* global window */
// Live diagram figures, in headless Chromium under the webview CSP (see test/browser/diagramPage.mjs):
// - Mermaid render time per topology size (render once per topology: this is the cost of a change);
// - per-frame update work (performance.now around the rAF update) while animating 1,000 trace
//   events/s on a 20-node diagram, fed by a simulated host batching at 60 updates/s;
// - overlay update messages per second the webview applied, and the reducer's throughput in Node.
import { openDiagramPage, topologyMessage, fanOut, OverlayModel } from '../test/browser/diagramPage.mjs';

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
        const before = (await page.posted()).filter((m) => m.type === 'rendered').length;
        await page.send(topologyMessage(topo));
        const all = await page.waitPosted((m, i, arr) => arr.filter((x) => x.type === 'rendered').length > before, 'rendered', 60_000);
        const last = all[all.length - 1];
        if (!last.ok) throw new Error(last.error);
        times.push(last.ms);
      }
      yield { bench: `diagram.render.${nodes}nodes`, value: median(times), unit: 'ms' };
    }

    // 2. Animate 1,000 events/s on a 20-node diagram, host batching at 60/s.
    const topo = fanOut(8, 'live'); // 4 + 8 queues + 8 workers = 20 nodes
    const before = (await page.posted()).filter((m) => m.type === 'rendered').length;
    await page.send(topologyMessage(topo));
    await page.waitPosted((m, i, arr) => arr.filter((x) => x.type === 'rendered').length > before, 'rendered', 60_000);
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
}
