// @ts-check
// Checks for "The FaaS lifecycle": expensive initialisation belongs in the init phase (once per
// execution environment), not in the handler (once per invocation).

const FN = 'classify';
const GATEWAY = 'api';
const MODEL_BUCKET = 'models';
const MODEL_KEY = 'sentiment-v3.json';
const P95_MS = 100;
const BUDGET_GBS = 60;

/** @param {import('../../src/lessons/checks').RunView} r */
function environments(r) {
  const created = r.where('cold-start', FN).length;
  const serving = new Set(r.where('invoked', FN).map((rec) => String(rec.detail?.env)));
  const invocations = r.where('invoked', FN).length;
  return { created, serving: serving.size, invocations };
}

module.exports = [
  {
    id: 'answers-200',
    title: 'Every review is classified (200)',
    hint: 'Keep the handler\'s answer as it was: only where the model is loaded should change.',
    section: 'exercise-load-the-model-once',
    run(r) {
      const gw = r.summary.gateways[GATEWAY];
      const total = gw?.requests ?? 0;
      const ok = gw?.responses['200'] ?? 0;
      const others = Object.entries(gw?.responses ?? {}).filter(([s]) => s !== '200').map(([s, n]) => `${n} × ${s}`);
      const pass = total > 0 && ok === total;
      return {
        pass,
        expected: `all ${total} requests answered 200`,
        actual: `${ok} × 200${others.length ? ', ' + others.join(', ') : ''}`,
        message: pass ? 'Every review got a label.' : `${total - ok} of ${total} requests were not answered 200 (a 502 is an error thrown by your handler or its init).`,
      };
    },
  },
  {
    id: 'model-loaded-once-per-environment',
    title: 'The model is loaded once per execution environment',
    hint: 'Where does code run once per environment rather than once per request? And keep using the deployed model.',
    section: 'two-phases-init-and-invoke',
    run(r) {
      const loads = r.where('read', MODEL_BUCKET).filter((rec) => rec.id === MODEL_KEY).length;
      const env = environments(r);
      const pass = env.serving > 0 && loads >= env.serving && loads <= env.created;
      let message = `${loads} model loads for ${env.created} environments: each loaded it once and reused it for ${env.invocations} invocations.`;
      if (!pass && loads > env.created)
        message = `The model was loaded ${loads} times but only ${env.created} environments ever existed: it is being loaded inside the handler, on every invocation, instead of once when the environment initialises.`;
      else if (!pass)
        message = `${env.serving - loads > 0 ? env.serving - loads : env.serving} environments answered without loading the deployed model (s3://${MODEL_BUCKET}/${MODEL_KEY}): the reviews must be scored by that model, just loaded once.`;
      return {
        pass,
        expected: `one load of s3://${MODEL_BUCKET}/${MODEL_KEY} per environment: ${env.serving === env.created ? env.created : `${env.serving}–${env.created}`} loads`,
        actual: `${loads} loads; ${env.created} environments created (cold starts), ${env.serving} served requests, ${env.invocations} invocations`,
        message,
      };
    },
  },
  {
    id: 'p95-latency',
    title: `95% of requests answer within ${P95_MS} ms`,
    hint: 'Measure what a warm invocation has to do. Only cold starts should pay for loading the model.',
    section: 'two-phases-init-and-invoke',
    run(r) {
      const lat = r.summary.gateways[GATEWAY]?.latency;
      const cold = r.summary.functions[FN]?.coldStarts ?? 0;
      const pass = !!lat && lat.count > 0 && lat.p95 <= P95_MS;
      return {
        pass,
        expected: `p95 ≤ ${P95_MS} ms at the gateway`,
        actual: lat ? `p50 ${lat.p50} ms, p95 ${lat.p95} ms, p99 ${lat.p99} ms, max ${lat.max} ms over ${lat.count} requests (${cold} cold starts)` : 'no requests',
        message: pass
          ? `Warm requests answer in ${lat?.p50} ms; only the ${cold} cold starts (${lat?.max} ms) pay for the model.`
          : `p95 is ${lat?.p95} ms: the typical request is paying for work that only needs to happen once per environment.`,
      };
    },
  },
  {
    id: 'bill-under-budget',
    title: `The run costs at most ${BUDGET_GBS} GB-s`,
    hint: 'GB-s = memory × billed duration (init included). How many times is the 300 ms load billed?',
    section: 'exercise-load-the-model-once',
    run(r) {
      const fn = r.summary.functions[FN];
      const gbs = fn?.gbSeconds ?? 0;
      const pass = (fn?.requests ?? 0) > 0 && gbs <= BUDGET_GBS;
      return {
        pass,
        expected: `≤ ${BUDGET_GBS} GB-s (512 MB)`,
        actual: `${gbs.toFixed(1)} GB-s for ${fn?.requests ?? 0} requests and ${fn?.coldStarts ?? 0} cold starts ($${r.summary.cost.cost.toFixed(5)})`,
        message: pass
          ? `${gbs.toFixed(1)} GB-s: the 300 ms load is billed once per environment, not once per request.`
          : `${gbs.toFixed(1)} GB-s is over the ${BUDGET_GBS} GB-s budget: 300 ms × 0.5 GB billed on every request adds up to 0.15 GB-s each.`,
      };
    },
  },
];
