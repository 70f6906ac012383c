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
      if (!pass && noCount.length)
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
];
