// @ts-check
// Checks for "Statelessness": module-level state belongs to one execution environment; a count
// that must be right across all of them has to live outside the function.

const FN = 'count-visit';
const GATEWAY = 'site';
const TABLE = 'visits';

/** Requests answered 200, per page (from the gateway's trace). */
function servedPerPage(r) {
  const ok = new Set(r.where('responded', GATEWAY).filter((rec) => rec.detail?.statusCode === 200).map((rec) => rec.id));
  /** @type {Record<string, number>} */
  const per = {};
  for (const rec of r.where('request', GATEWAY)) {
    if (!ok.has(rec.id)) continue;
    const m = /^\/visit\/([^/]+)$/.exec(String(rec.detail?.path ?? ''));
    if (m) per[m[1]] = (per[m[1]] ?? 0) + 1;
  }
  return per;
}

/**
 * Every whole number a response body carries: numbers and numeric strings anywhere in JSON, or the
 * digit runs of a text body — so { "visits": 5 }, { "total": "5" } and "home: 5 visits" all work.
 * @param {string | undefined} body
 */
function numbersIn(body) {
  /** @type {Set<number>} */
  const out = new Set();
  if (body === undefined) return out;
  let value;
  try {
    value = JSON.parse(body);
  } catch {
    value = body;
  }
  const walk = (/** @type {unknown} */ v) => {
    if (typeof v === 'number' && Number.isInteger(v)) out.add(v);
    else if (typeof v === 'string') for (const m of v.match(/\d+/g) ?? []) out.add(Number(m));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

/**
 * Can each answer of a page be given a different running total 1..n that its body carries?
 * (A matching: with concurrent visits the totals need not come back in request order.)
 * Returns the answers left without one.
 * @param {Array<{ nums: Set<number> }>} answers
 */
function unmatched(answers) {
  const n = answers.length;
  /** @type {Map<number, number>} total → answer index */
  const owner = new Map();
  const tryAssign = (/** @type {number} */ i, /** @type {Set<number>} */ seen) => {
    for (const v of answers[i].nums) {
      if (v < 1 || v > n || seen.has(v)) continue;
      seen.add(v);
      const o = owner.get(v);
      if (o === undefined || tryAssign(o, seen)) {
        owner.set(v, i);
        return true;
      }
    }
    return false;
  };
  const left = [];
  for (let i = 0; i < n; i++) if (!tryAssign(i, new Set())) left.push(answers[i]);
  return left;
}

module.exports = [
  {
    id: 'answers-200',
    title: 'Every visit is answered (200)',
    hint: 'A 502 means the handler threw: check what tableGet returns for a page that has no item yet.',
    section: 'exercise-a-visit-counter',
    run(r) {
      const gw = r.summary.gateways[GATEWAY];
      const total = gw?.requests ?? 0;
      const ok = gw?.responses['200'] ?? 0;
      const pass = total > 0 && ok === total;
      return {
        pass,
        expected: `all ${total} requests answered 200`,
        actual: Object.entries(gw?.responses ?? {}).map(([s, n]) => `${n} × ${s}`).join(', ') || 'no requests',
        message: pass ? 'Every visit was answered.' : `${total - ok} of ${total} visits were not answered 200 (a 502 is an error thrown by your handler).`,
      };
    },
  },
  {
    id: 'counts-every-visit',
    title: 'The stored totals match the visits, page by page',
    hint: 'Each environment has its own module-level variables, and a new or crashed environment starts from nothing. Where can every environment see the same number?',
    section: 'why-module-state-is-not-shared-state',
    run(r) {
      const served = servedPerPage(r);
      /** @type {Record<string, number>} */
      const stored = {};
      for (const item of r.table(TABLE)) stored[String(item.page)] = Number(item.count);
      const pages = [...new Set([...Object.keys(served), ...Object.keys(stored)])].sort();
      const rows = pages.map((p) => ({ page: p, served: served[p] ?? 0, stored: Number.isFinite(stored[p]) ? stored[p] : 0 }));
      const wrong = rows.filter((x) => x.served !== x.stored);
      const envs = new Set(r.where('invoked', FN).map((rec) => String(rec.detail?.env))).size;
      const pass = rows.length > 0 && wrong.length === 0;
      const noCount = r.table(TABLE).filter((item) => typeof item.count !== 'number').map((item) => String(item.page));
      const lost = wrong.filter((x) => x.stored < x.served);
      const extra = wrong.filter((x) => x.stored > x.served);
      let message = `All ${rows.reduce((s, x) => s + x.served, 0)} visits are counted, although ${envs} environments served them.`;
      if (rows.length === 0) message = 'No visit was counted: no request got a 200 and the table is empty.';
      else if (!pass && noCount.length)
        message = `The items for ${noCount.join(', ')} have no numeric \`count\` attribute: store each page's total as { page, count }.`;
      else if (!pass && lost.length)
        message = `Visits were lost: ${lost.map((x) => `${x.page} ${x.stored} of ${x.served}`).join(', ')}. ${envs} environments served the traffic, each counting on its own; every write replaced the total with one environment's view of it (and the crash at 80 s wiped one environment's memory).`;
      else if (!pass)
        message = `Visits were counted more than once: ${extra.map((x) => `${x.page} ${x.stored} for ${x.served} visits`).join(', ')}. Adding an environment's own tally to the stored total counts its earlier visits again.`;
      return {
        pass,
        expected: rows.map((x) => `${x.page} = ${x.served}`).join(', ') || 'visits',
        actual: `${rows.map((x) => `${x.page} = ${x.stored}`).join(', ') || 'the table is empty'} (served by ${envs} environments)`,
        message,
      };
    },
  },
  {
    id: 'answers-the-total',
    title: 'Each visit is answered with its page\'s running total',
    hint: 'Answer the count you just stored for this page, not a number one environment kept for itself.',
    section: 'exercise-a-visit-counter',
    run(r) {
      /** @type {Map<string, Array<{ path: string, body: string | undefined, nums: Set<number> }>>} */
      const perPage = new Map();
      for (const x of r.exchanges(GATEWAY)) {
        const m = /^\/visit\/([^/]+)$/.exec(x.path);
        if (!m || x.status !== 200) continue;
        const list = perPage.get(m[1]) ?? [];
        list.push({ path: x.path, body: x.body, nums: numbersIn(x.body) });
        perPage.set(m[1], list);
      }
      const rows = [...perPage].sort(([a], [b]) => (a < b ? -1 : 1)).map(([page, answers]) => ({ page, answers, wrong: unmatched(answers) }));
      const answered = rows.reduce((n, x) => n + x.answers.length, 0);
      const wrong = rows.filter((x) => x.wrong.length);
      const envs = new Set(r.where('invoked', FN).map((rec) => String(rec.detail?.env))).size;
      const pass = answered > 0 && wrong.length === 0;
      const first = wrong[0];
      const example = first?.wrong[0];
      /** The totals a page's answers gave, in answer order (repeats show who answered a stale count). */
      const given = (/** @type {typeof rows[number]} */ x) => x.answers.slice(0, 8).map((a) => [...a.nums].join('/') || '–').join(', ') + (x.answers.length > 8 ? ', …' : '');
      return {
        pass,
        expected: rows.map((x) => `${x.page}: ${x.answers.length} answers carrying the totals 1…${x.answers.length}, each once`).join('; ') || 'visits answered 200',
        actual: answered === 0 ? 'no visit was answered 200' : rows.map((x) => `${x.page}: ${x.answers.length - x.wrong.length} of ${x.answers.length} right (first totals: ${given(x)})`).join('; '),
        message: pass
          ? `All ${answered} answers carry their page's running total.`
          : answered === 0
            ? 'No visit was answered 200, so no total was answered.'
            : `${wrong.reduce((n, x) => n + x.wrong.length, 0)} of ${answered} answers do not carry their page's running total: e.g. ${example.path} answered ${JSON.stringify((example.body ?? '(no body)').slice(0, 80))}, and ${first.page}'s answers gave ${given(first)} for ${first.answers.length} visits. ${envs > 1 ? `${envs} environments served the traffic: a number kept in one environment's memory is that environment's count, not the page's.` : 'Answer the total you stored.'}`,
      };
    },
  },
];
