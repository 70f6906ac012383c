// @ts-check
// Checks for "Cold starts": keep the hot path's init light, keep-warm pings cheap, and meet the
// latency target through a spiky load at a low cost.

const FN = 'shop';
const GATEWAY = 'shop-api';
const PINGER = 'keep-warm'; // the scheduled rule's name
const BUCKET = 'invoices';
const CHECKOUT_P99_MS = 300;
const PING_MAX_MS = 10;
const BUDGET_GBS = 130;

/** @param {import('../../src/lessons/checks').RunView} r */
function exchanges(r, path) {
  const answers = new Map();
  for (const rec of r.where('responded', GATEWAY)) answers.set(rec.id, rec.detail);
  return r
    .where('request', GATEWAY)
    .filter((rec) => rec.detail?.path === path)
    .map((rec) => {
      const a = answers.get(rec.id);
      return { id: rec.id, status: a ? Number(a.statusCode) : undefined, latency: a ? Number(a.latencyMs) : Infinity };
    });
}

/** Seconds, as the learner reads them on the diagram's timeline. */
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Why the slow checkouts were slow, from the run: for each one, the invocation that served it (its
 * environment, whether it was a cold start and how long init took, how long the handler ran, and
 * whether it was the first request that environment served).
 */
function slowCheckoutCause(r, slow) {
  const inits = new Map(r.where('cold-start', FN).map((rec) => [rec.id, Number(rec.detail?.initMs ?? 0)]));
  const ranMs = new Map([...r.where('succeeded', FN), ...r.where('failed', FN)].map((rec) => [rec.id, Number(rec.detail?.durationMs ?? 0)]));
  const invocations = r.invocations(FN).filter((inv) => ranMs.has(inv.id));
  const byRequest = new Map(invocations.filter((inv) => inv.cause !== undefined).map((inv) => [inv.cause, inv]));
  const firstOnEnv = new Map();
  for (const inv of r.invocations(FN)) if (!firstOnEnv.has(inv.env)) firstOnEnv.set(inv.env, inv.id);
  let initBound = 0;
  let firstBound = 0;
  let everyBound = 0;
  let example;
  for (const x of slow) {
    const inv = byRequest.get(x.id);
    if (!inv) continue;
    const initMs = inits.get(inv.id) ?? 0;
    const ran = ranMs.get(inv.id) ?? 0;
    if (initMs >= ran) initBound++;
    else if (firstOnEnv.get(inv.env) === inv.id) {
      firstBound++;
      example ??= { env: inv.env, at: inv.t, initMs, ranMs: ran, latency: x.latency };
    } else everyBound++;
  }
  if (firstBound > initBound && firstBound >= everyBound && example)
    return `init is not what is slow (${example.initMs} ms): ${firstBound} of the ${slow.length} slow checkouts were the first checkout on a new environment, and the handler itself ran ${example.ranMs} ms (${example.env}, invoked at ${secs(example.at)}: ${example.latency} ms in all) — it loads what a checkout never uses on the first request it serves, whatever that request is.`;
  if (everyBound > initBound && everyBound > firstBound)
    return `${everyBound} of the ${slow.length} slow checkouts ran long on warm environments too: the handler does heavy work on checkouts that do not need it.`;
  return undefined;
}

/** The same percentile as the summary's (nearest rank). */
function percentile(values, q) {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

module.exports = [
  {
    id: 'checkout-p99',
    title: `Checkouts: all answered 200, 99% within ${CHECKOUT_P99_MS} ms`,
    hint: 'In a flash sale most checkouts land on brand-new environments. What does every new environment do before it can answer — and does a checkout need all of it?',
    section: 'mitigations',
    run(r) {
      const list = exchanges(r, '/checkout');
      const ok = list.filter((x) => x.status === 200).length;
      const p50 = percentile(list.map((x) => x.latency), 0.5);
      const p99 = percentile(list.map((x) => x.latency), 0.99);
      const inits = r.where('cold-start', FN).map((rec) => Number(rec.detail?.initMs ?? 0));
      const initMax = inits.length ? Math.max(...inits) : 0;
      const pass = list.length > 0 && ok === list.length && p99 <= CHECKOUT_P99_MS;
      let message = `p99 ${p99} ms: a cold start now costs ${initMax} ms of init, and ${inits.length} environments were created.`;
      if (ok !== list.length) message = `${list.length - ok} of ${list.length} checkouts did not get a 200.`;
      else if (!pass) {
        const slow = list.filter((x) => x.latency > CHECKOUT_P99_MS);
        const cause = slowCheckoutCause(r, slow);
        message = cause
          ? `p99 is ${p99} ms: ${cause}`
          : `p99 is ${p99} ms: ${inits.length} cold starts of up to ${initMax} ms init each hit the flash sales, and every checkout that lands on a new environment waits for all of the module's top-level code — including what checkouts never use.`;
      }
      return {
        pass,
        expected: `${list.length} × 200; p99 ≤ ${CHECKOUT_P99_MS} ms`,
        actual: `${ok} × 200; p50 ${p50} ms, p99 ${p99} ms; ${inits.length} cold starts, init up to ${initMax} ms`,
        message,
      };
    },
  },
  {
    id: 'invoices-delivered',
    title: 'Every invoice request gets its PDF',
    hint: 'Making checkouts fast must not break invoices: /invoices still renders the PDF and stores it in the invoices bucket.',
    section: 'exercise-the-flash-sale-checkout',
    run(r) {
      const list = exchanges(r, '/invoices');
      const ok = list.filter((x) => x.status === 200).length;
      const stored = r.count('stored', BUCKET);
      const p99 = percentile(list.map((x) => x.latency), 0.99);
      const pass = list.length > 0 && ok === list.length && stored >= list.length;
      return {
        pass,
        expected: `${list.length} invoice requests answered 200, ${list.length} PDFs stored in ${BUCKET}`,
        actual: `${ok} × 200, ${stored} PDFs stored (invoice p99 ${p99} ms)`,
        message: pass
          ? `${stored} invoices rendered; the first invoice on an environment pays for loading the renderer, the rare path can afford it.`
          : `${list.length - Math.min(ok, stored)} invoice requests did not get their PDF.`,
      };
    },
  },
  {
    id: 'pings-are-cheap',
    title: `Keep-warm pings succeed in ≤ ${PING_MAX_MS} ms each`,
    hint: 'A ping is { source: "keep-warm" }: it is not an HTTP request and needs no work.',
    section: 'mitigations',
    run(r) {
      // The keep-warm pings are the firings of the scheduled rule (EventBridge delivers its constant input).
      const pings = new Set(r.where('published').filter((rec) => rec.detail?.rule === PINGER).map((rec) => rec.id));
      const of = (kind) => r.where(kind, FN).filter((rec) => rec.cause !== undefined && pings.has(rec.cause));
      const invoked = of('invoked').length;
      const succeeded = of('succeeded');
      const failed = of('failed');
      // A ping the run ended in the middle of is judged by nothing (the last firing can come at the end).
      const ended = new Set([...succeeded, ...failed].map((rec) => rec.cause));
      const running = of('invoked').filter((rec) => !ended.has(rec.cause)).length;
      const judged = pings.size - running;
      const errors = [...new Set(failed.map((rec) => String(rec.detail?.error ?? '')))];
      const slow = succeeded.filter((rec) => Number(rec.detail?.durationMs) > PING_MAX_MS);
      const longest = succeeded.reduce((m, rec) => Math.max(m, Number(rec.detail?.durationMs ?? 0)), 0);
      const pass = judged > 0 && failed.length === 0 && slow.length === 0 && succeeded.length === judged;
      let message = `${judged} pings, each done in ≤ ${longest} ms.`;
      if (pings.size === 0) message = `the keep-warm rule never fired: the scenario's scheduled rule "${PINGER}" is missing.`;
      else if (failed.length)
        message = `${failed.length} ping invocations failed (${errors.join('; ')}): EventBridge invokes the function asynchronously, and an asynchronous event that fails is retried twice, a minute or two later, so every ping costs up to three invocations and ends up dropped.`;
      else if (!pass) message = `${slow.length} pings took longer than ${PING_MAX_MS} ms (up to ${longest} ms): a ping is billed for all the work it triggers.`;
      return {
        pass,
        expected: `${judged} pings, each one invocation that succeeds in ≤ ${PING_MAX_MS} ms`,
        actual: `${invoked} ping invocations: ${succeeded.length} succeeded (longest ${longest} ms), ${failed.length} failed${running ? `, ${running} still running when the run ended` : ''}`,
        message,
      };
    },
  },
  {
    id: 'bill-under-budget',
    title: `The run costs at most ${BUDGET_GBS} GB-s`,
    hint: 'Init is billed too, for every environment; and a heavy dependency loaded again and again is billed every time.',
    section: 'exercise-the-flash-sale-checkout',
    run(r) {
      const fn = r.summary.functions[FN];
      const gbs = fn?.gbSeconds ?? 0;
      const pass = (fn?.requests ?? 0) > 0 && gbs <= BUDGET_GBS;
      return {
        pass,
        expected: `≤ ${BUDGET_GBS} GB-s (1024 MB)`,
        actual: `${gbs.toFixed(1)} GB-s for ${fn?.requests ?? 0} invocations and ${fn?.coldStarts ?? 0} cold starts ($${r.summary.cost.cost.toFixed(5)})`,
        message: pass
          ? `${gbs.toFixed(1)} GB-s.`
          : `${gbs.toFixed(1)} GB-s is over the ${BUDGET_GBS} GB-s budget: at 1 GB, every 500 ms load of the PDF renderer costs 0.5 GB-s — look at how many times it is loaded.`,
      };
    },
  },
];
