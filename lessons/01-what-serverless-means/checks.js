// @ts-check
// Checks for "What serverless means": your handler answers HTTP requests correctly, the platform
// scales environments from zero with the traffic (and back to zero), and you pay only for the
// milliseconds your code runs.

const FN = 'hello';
const GATEWAY = 'api';
/** Budget for the whole run, in GB-seconds (about 50 ms of 128 MB per request). */
const BUDGET_GBS = 8;

/** @param {import('../../src/lessons/checks').RunView} r */
function exchanges(r) {
  return r.exchanges(GATEWAY);
}

/** The visitor's name in a request path (/hello/Ada → Ada), decoded. @param {string} path */
function nameIn(path) {
  const raw = path.split('/')[2] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** @param {string | undefined} s */
const clip = (s) => (s === undefined ? '(no body)' : JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s));

/** @param {Array<{ status: number | undefined }>} list */
function statusCounts(list) {
  /** @type {Record<string, number>} */
  const counts = {};
  for (const x of list) {
    const key = x.status === undefined ? 'no answer' : String(x.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([status, n]) => `${n} × ${status}`)
    .join(', ');
}

const WITH_NAME = /^\/hello\/[^/]+$/;

/** Busy intervals of the function's invocations, from the trace. */
function invocations(r) {
  const ends = new Map();
  for (const kind of /** @type {const} */ (['succeeded', 'failed', 'timed-out'])) for (const rec of r.where(kind, FN)) ends.set(rec.id, rec.t);
  return r.where('invoked', FN).map((rec) => ({ start: rec.t, end: ends.get(rec.id) ?? Infinity }));
}

/** Peak number of overlapping intervals that start in [from, to). */
function peakConcurrency(intervals, from, to) {
  const points = [];
  for (const i of intervals) {
    if (i.end <= from || i.start >= to) continue;
    points.push([Math.max(i.start, from), 1], [i.end, -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of points) peak = Math.max(peak, (now += d));
  return peak;
}

module.exports = [
  {
    id: 'greets-by-name',
    title: 'GET /hello/{name} answers 200',
    hint: 'The gateway hands you the route\'s path parameters in event.pathParameters; return an object with a numeric statusCode and a body that greets the visitor by that name.',
    section: 'try-it-your-first-function',
    run(r) {
      const named = exchanges(r).filter((x) => WITH_NAME.test(x.path));
      const ok = named.filter((x) => x.status === 200);
      // The greeting must carry the visitor's name (in any wording or layout: text or JSON).
      const nameless = ok.filter((x) => !(x.body ?? '').toLowerCase().includes(nameIn(x.path).toLowerCase()));
      const pass = named.length > 0 && ok.length === named.length && nameless.length === 0;
      const first = nameless[0];
      const template = nameless.find((x) => /\$\{|\{\{/.test(x.body ?? ''));
      let message = `${ok.length} visitors were greeted by name.`;
      if (ok.length !== named.length)
        message = `${named.length - ok.length} of ${named.length} requests to /hello/{name} did not get a 200: a 501 means the TODO is still there, a 502 means your handler threw, anything else is the statusCode you returned.`;
      else if (template)
        message = `${nameless.length} of ${named.length} greetings do not contain the visitor's name: GET ${template.path} answered ${clip(template.body)} — the placeholder was sent as text. \`\${…}\` is filled in only inside a template literal, in backquotes (\`Hello, \${name}!\`), not in '…' or "…".`;
      else if (first)
        message = `${nameless.length} of ${named.length} greetings do not contain the visitor's name: GET ${first.path} answered ${clip(first.body)}, without "${nameIn(first.path)}".`;
      return {
        pass,
        expected: `all ${named.length} requests with a name answered 200, with the name in the body (GET /hello/Ada → "Hello, Ada!")`,
        actual: named.length ? `${statusCounts(named)}${nameless.length ? `; ${nameless.length} bodies without the name (e.g. ${first.path} → ${clip(first.body)})` : ''}` : 'no requests reached the gateway',
        message,
      };
    },
  },
  {
    id: 'rejects-missing-name',
    title: 'GET /hello (no name) answers 400',
    hint: 'A request without a name is the client\'s mistake: return { statusCode: 400, body: … } instead of throwing or greeting "undefined".',
    section: 'try-it-your-first-function',
    run(r) {
      const nameless = exchanges(r).filter((x) => !WITH_NAME.test(x.path));
      const ok = nameless.filter((x) => x.status === 400).length;
      const pass = nameless.length > 0 && ok === nameless.length;
      const s502 = nameless.filter((x) => x.status === 502).length;
      const s200 = nameless.filter((x) => x.status === 200).length;
      let why = '';
      if (s502) why = ` ${s502} got a 502 (the gateway's answer to a function error): your handler threw on a missing name (API Gateway turns a function error into a 502, and the client learns nothing).`;
      else if (s200) why = ` ${s200} got a 200: the handler greeted a visitor who gave no name ("Hello, undefined!"); a client error deserves a 4xx.`;
      return {
        pass,
        expected: `all ${nameless.length} requests without a name answered 400`,
        actual: nameless.length ? statusCounts(nameless) : 'no requests without a name reached the gateway',
        message: pass ? 'Requests without a name got a clear 400.' : `${nameless.length - ok} of ${nameless.length} requests without a name did not get a 400.${why}`,
      };
    },
  },
  {
    id: 'scales-from-zero',
    title: 'Environments scale with the traffic — from zero and back to zero',
    hint: 'Nothing to configure here: watch the diagram while the burst arrives. If this fails, look at how long each invocation takes.',
    section: '2-auto-scaling-down-to-zero',
    run(r) {
      const reqs = exchanges(r);
      const first = reqs.length ? reqs[0].t : Infinity;
      const created = r.where('cold-start', FN);
      const destroyed = r.where('env-destroyed', FN);
      const before = created.filter((c) => c.t < first).length;
      const alive = created.length - destroyed.length;
      const inv = invocations(r);
      const steady = peakConcurrency(inv, 30_000, 60_000);
      const burst = peakConcurrency(inv, 60_000, 70_000);
      // How many environments the burst needs on average (Little's law: arrival rate × time each
      // invocation holds its environment). Invocations of a few ms need only one or two, however
      // fast the requests come: then concurrency cannot rise 3×, and that is not a failure.
      const inBurst = inv.filter((i) => i.start >= 60_000 && i.start < 70_000 && Number.isFinite(i.end));
      const meanMs = inBurst.length ? inBurst.reduce((a, i) => a + (i.end - i.start), 0) / inBurst.length : 0;
      const needed = (inBurst.length / 10) * (meanMs / 1000);
      const short = needed < 2;
      const scaled = short ? burst >= steady : burst >= 5 && burst >= 3 * Math.max(1, steady);
      const pass = reqs.length > 0 && before === 0 && alive === 0 && scaled;
      let message = `Concurrency followed the traffic: ${steady} → ${burst} → 0, with ${created.length} cold starts.`;
      if (pass && short)
        message = `From zero and back to zero (${steady} → ${burst} → 0, ${created.length} cold starts). Your invocations take about ${meanMs.toFixed(0)} ms, so the burst's ${inBurst.length / 10} requests/s keep only ${needed.toFixed(1)} environments busy on average: ${burst} were enough. A handler that waits on a database for tens of ms would need many more.`;
      else if (before > 0) message = `${before} environments existed before the first request: nothing should run (or be billed) before traffic arrives.`;
      else if (alive > 0) message = `${alive} environments were still alive at the end, ${Math.round(r.summary.virtualMs / 1000)} s in, though traffic stopped at 90 s and environments idle for 60 s are recycled.`;
      else if (!pass)
        message = `Concurrency did not follow the traffic (${steady} at 2 req/s, ${burst} in the burst): invocations took about ${meanMs.toFixed(0)} ms, so even the quiet period kept ${steady} environments busy and the burst could not reach 3× that.`;
      return {
        pass,
        expected: '0 environments before the first request; concurrency ≥ 3× higher in the 100 req/s burst than at 2 req/s (as high as the invocations\' length needs); 0 environments once traffic has been gone for the idle timeout',
        actual: `${before} environments before the first request, peak concurrency ${steady} at 2 req/s and ${burst} in the burst (invocations ≈ ${meanMs.toFixed(0)} ms), ${created.length} environments created in all, ${alive} still alive at ${Math.round(r.summary.virtualMs / 1000)} s`,
        message,
      };
    },
  },
  {
    id: 'pays-per-use',
    title: `The whole run costs at most ${BUDGET_GBS} GB-s`,
    hint: 'You are billed memory × duration for every invocation: do only the work the response needs.',
    section: '3-pay-per-use-by-the-millisecond-and-the-megabyte',
    run(r) {
      const fn = r.summary.functions[FN];
      const gbs = fn?.gbSeconds ?? 0;
      const requests = fn?.requests ?? 0;
      const perRequestMs = requests ? (gbs / 0.125 / requests) * 1000 : 0;
      const pass = requests > 0 && gbs <= BUDGET_GBS;
      const dollars = r.summary.cost.cost;
      return {
        pass,
        expected: `≤ ${BUDGET_GBS} GB-s for the run (128 MB, about 50 ms billed per request)`,
        actual: `${gbs.toFixed(2)} GB-s for ${requests} requests (≈ ${perRequestMs.toFixed(0)} ms billed per request, init included), $${dollars.toFixed(6)}; nothing billed while idle`,
        message: pass
          ? `${requests} requests cost ${gbs.toFixed(2)} GB-s — and the idle minutes cost nothing.`
          : `The run billed ${gbs.toFixed(2)} GB-s, over the ${BUDGET_GBS} GB-s budget: every millisecond of work(…) in the handler is billed at 0.125 GB per second, for every request.`,
      };
    },
  },
];
