// @ts-check
// Checks for "The FaaS lifecycle": expensive initialisation belongs in the init phase (once per
// execution environment), not in the handler (once per invocation).

const FN = 'classify';
const GATEWAY = 'api';
const MODEL_BUCKET = 'models';
const MODEL_KEY = 'sentiment-v3.json';
const P95_MS = 100;
const BUDGET_GBS = 60;

/** The model as deployed to the bucket (what every environment should load). @param {any} r */
function deployedModel(r) {
  const obj = r.sim.buckets.get(MODEL_BUCKET)?.get(MODEL_KEY);
  try {
    return obj ? JSON.parse(obj.body) : undefined;
  } catch {
    return undefined;
  }
}

/** The label the page's scoring gives a text with a model (the starter's `classify`). */
function score(model, text) {
  const words = String(text).toLowerCase().split(/\W+/);
  const count = (list) => words.filter((w) => (list ?? []).includes(w)).length;
  const n = count(model.positive) - count(model.negative);
  return n > 0 ? 'positive' : n < 0 ? 'negative' : 'neutral';
}

/** The review's text in a request body, when it has one. @param {string | undefined} body */
function reviewText(body) {
  try {
    const text = JSON.parse(body ?? '{}').text;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

/** The label in an answer: a JSON body's `label` (the starter's), or a text body that is only a label. */
function labelOf(body) {
  try {
    const parsed = JSON.parse(body ?? '');
    if (parsed && typeof parsed === 'object') return parsed.label ?? parsed.sentiment;
    return typeof parsed === 'string' ? parsed : undefined;
  } catch {
    return String(body ?? '').trim();
  }
}

const clip = (s) => (s === undefined ? '(no body)' : JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s));

/** "3 × 502, 1 × 500" @param {Array<{status?: number}>} list */
function statusCounts(list) {
  const n = new Map();
  for (const x of list) n.set(x.status ?? 'no answer', (n.get(x.status ?? 'no answer') ?? 0) + 1);
  return [...n].map(([s, c]) => `${c} × ${s}`).join(', ');
}

/** What made invocations fail, as the trace says: the first error, where (init or handler) and how often. @param {any} r */
function failures(r) {
  const failed = r.where('failed', FN).concat(r.where('timed-out', FN));
  if (!failed.length) return '';
  const byError = new Map();
  for (const rec of failed) {
    const key = `${rec.kind === 'timed-out' ? 'timed out' : String(rec.detail?.error ?? 'an error')}${rec.detail?.phase === 'init' ? ' (in init: the module\'s top-level code)' : ''}`;
    byError.set(key, (byError.get(key) ?? 0) + 1);
  }
  const [first, n] = [...byError].sort((a, b) => b[1] - a[1])[0];
  return `${n} invocation${n === 1 ? '' : 's'} failed with ${first}${byError.size > 1 ? ` (and ${byError.size - 1} other error${byError.size > 2 ? 's' : ''})` : ''}, which the gateway answers with a 502.`;
}

/**
 * The function's environments: how many were created, which served invocations, and which
 * environment ran each invocation (by invocation id, the cause of the reads it made).
 * @param {import('../../src/lessons/checks').RunView} r
 */
function environments(r) {
  const invocations = r.invocations(FN);
  const envOf = new Map(invocations.map((inv) => [inv.id, inv.env]));
  return { created: r.where('cold-start', FN).length, serving: new Set(envOf.values()).size, invocations: invocations.length, envOf };
}

module.exports = [
  {
    id: 'answers-200',
    title: 'Every review is classified by the deployed model (200)',
    hint: 'Keep the handler\'s answer as it was: only where the model is loaded should change. Keep the model, not an answer, between invocations.',
    section: 'exercise-load-the-model-once',
    run(r) {
      const list = r.exchanges(GATEWAY);
      const ok = list.filter((x) => x.status === 200);
      const model = deployedModel(r);
      // The label the deployed model gives the review's text (the starter's scoring, unchanged).
      const wrong = model
        ? ok.filter((x) => {
            const text = reviewText(x.requestBody);
            return text !== undefined && labelOf(x.body) !== score(model, text);
          })
        : [];
      const others = statusCounts(list.filter((x) => x.status !== 200));
      const pass = list.length > 0 && ok.length === list.length && wrong.length === 0;
      let message = `Every review got the label the deployed model gives it (${ok.length} answers).`;
      if (ok.length !== list.length) {
        const errors = failures(r);
        message = `${list.length - ok.length} of ${list.length} requests were not answered 200 (${others})${errors ? `: ${errors}` : '.'}`;
      } else if (wrong.length) {
        const x = wrong[0];
        const text = reviewText(x.requestBody);
        // An environment that answers one label to reviews the model labels differently keeps an answer.
        const envOf = new Map(r.invocations(FN).map((inv) => [inv.cause, inv.env]));
        const perEnv = new Map();
        for (const y of ok) {
          const e = envOf.get(y.id);
          const t = reviewText(y.requestBody);
          if (e === undefined || t === undefined || !model) continue;
          const seen = perEnv.get(e) ?? { labels: new Set(), expected: new Set() };
          seen.labels.add(labelOf(y.body));
          seen.expected.add(score(model, t));
          perEnv.set(e, seen);
        }
        const stuck = [...perEnv].filter(([, v]) => v.labels.size === 1 && v.expected.size > 1);
        const version = (() => {
          try {
            return JSON.parse(x.body ?? '').model;
          } catch {
            return undefined;
          }
        })();
        let why = '';
        if (stuck.length) why = ` — ${stuck.length} environment${stuck.length === 1 ? '' : 's'} (${stuck[0][0]}: always "${[...stuck[0][1].labels][0]}") answered every review with the same label: an answer, not the model, is kept between invocations`;
        else if (version !== undefined && model && version !== model.version) why = ` — the answer names model "${version}", the deployed model is "${model.version}"`;
        message = `${wrong.length} of ${ok.length} reviews got a label the deployed model does not give them: ${JSON.stringify(text)} should be "${model && text !== undefined ? score(model, text) : '?'}", the answer was ${clip(x.body)}${why}.`;
      }
      return {
        pass,
        expected: `all ${list.length} requests answered 200, each with the label the deployed model gives its text`,
        actual: `${ok.length} × 200${others ? `, ${others}` : ''}${wrong.length ? `; ${wrong.length} with another label` : ''}`,
        message,
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
      if (!pass && loads > env.created) {
        // Which environment each load ran on (a read's cause is the invocation it ran for; at init, the one init serves).
        const perEnv = new Map();
        for (const rec of r.where('read', MODEL_BUCKET).filter((x) => x.id === MODEL_KEY)) {
          const e = env.envOf.get(String(rec.cause)) ?? '?';
          perEnv.set(e, (perEnv.get(e) ?? 0) + 1);
        }
        const [busiest, most] = [...perEnv].sort((a, b) => b[1] - a[1])[0];
        const served = [...env.envOf.values()].filter((e) => e === busiest).length;
        message =
          loads >= 0.9 * env.invocations
            ? `The model was loaded ${loads} times for ${env.invocations} invocations but only ${env.created} environments ever existed: it is being loaded inside the handler, on every invocation, instead of once when the environment initialises.`
            : `The model was loaded ${loads} times but only ${env.created} environments ever existed: ${busiest} loaded it ${most} times for the ${served} invocations it served. Not every invocation reloads it, but some do: keep the model the environment loaded, and load it again only if that environment has none.`;
      }
      else if (!pass) {
        // Environments that started the load (a call to the model) but never read it: the call was
        // still in flight when their invocations ran, and they were recycled before it came back.
        const read = new Set(r.where('read', MODEL_BUCKET).filter((x) => x.id === MODEL_KEY).map((x) => env.envOf.get(String(x.cause))));
        const started = new Set(r.where('call', FN).filter((x) => x.detail?.call === 'getObject' && x.detail?.target === MODEL_BUCKET && x.detail?.key === MODEL_KEY).map((x) => String(x.detail?.env)));
        const unfinished = [...started].filter((e) => !read.has(e));
        const missing = Math.max(1, env.serving - loads);
        message = unfinished.length
          ? `${unfinished.length} environments started loading the model (${unfinished.slice(0, 3).join(', ')}${unfinished.length > 3 ? ', …' : ''}) but never finished reading it: their invocations ran without waiting for the load (the call was still in flight when the handler returned), and the environments were recycled first. Keep the load's promise and await it in the handler.`
          : `${missing} environments answered without loading the deployed model (s3://${MODEL_BUCKET}/${MODEL_KEY}): the reviews must be scored by that model, just loaded once.`;
      }
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
