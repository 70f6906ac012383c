// @ts-check
// Checks for "Statelessness": module-level state belongs to one execution environment; a count
// that must be right across all of them has to live outside the function.

const FN = 'count-visit';
/** The same handler on Cloud Run functions (2nd gen), 8 requests per instance, behind the gateway site-run. */
const RUN_FN = 'count-visit-run';
const GATEWAY = 'site';
const RUN_GATEWAY = 'site-run';
const GATEWAYS = [GATEWAY, RUN_GATEWAY];
const TABLE = 'visits';
const PAGES = ['home', 'pricing', 'docs'];
/** The page a request visits: POST /visit/{page}, on either gateway. */
const PAGE_PATH = /^\/visit\/([^/]+)$/;

/** Requests answered 200, per page (from the gateway's trace). */
function servedPerPage(r) {
  const ok = new Set(GATEWAYS.flatMap((g) => r.where('responded', g)).filter((rec) => rec.detail?.statusCode === 200).map((rec) => rec.id));
  /** @type {Record<string, number>} */
  const per = {};
  for (const rec of GATEWAYS.flatMap((g) => r.where('request', g))) {
    if (!ok.has(rec.id)) continue;
    const m = PAGE_PATH.exec(String(rec.detail?.path ?? ''));
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
    // Numbers inside a string count ("visit 5"), but not the lab's own ids ("env-2", "req-17").
    else if (typeof v === 'string') for (const m of v.replace(/\b(?:env|req)-\d+\b/g, '').match(/\d+/g) ?? []) out.add(Number(m));
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

/** Virtual time in seconds, to the millisecond: "40.046 s". @param {number} ms */
function secs(ms) {
  return `${(ms / 1000).toFixed(3)} s`;
}

/**
 * How the run's writes to the visits table came about, from the trace: each table 'read' and
 * 'written' record carries the request id of the invocation that made the call (its `cause`), and
 * happens when the call completes. A write is *blind* when its invocation had not read that page
 * before (the value came from the environment's memory); a write is *overwritten* when another
 * invocation wrote the page between its own read and its own (unconditional) write: that write was
 * computed from a total that did not include the other one — a lost update.
 * @param {any} r
 */
function writeHistory(r) {
  const envOf = new Map([...r.where('invoked', FN), ...r.where('invoked', RUN_FN)].map((/** @type {any} */ rec) => [rec.id, String(rec.detail?.env)]));
  /** @type {Map<string, any>} "request|page" → that invocation's latest completed read of the page */
  const lastRead = new Map();
  /** @type {Map<string, any[]>} page → writes so far */
  const writes = new Map();
  let blind = 0;
  /** @type {Array<{ page: string, first: any, firstRead: any, second: any, secondRead: any }>} */
  const overwritten = [];
  /** Writes already counted as overwritten (by their trace seq). */
  const lostWrites = new Set();
  for (const rec of r.records) {
    if (rec.resource !== TABLE || (rec.kind !== 'read' && rec.kind !== 'written') || rec.id === undefined) continue;
    const page = String(rec.id);
    const who = `${rec.cause}|${page}`;
    if (rec.kind === 'read') {
      lastRead.set(who, rec);
      continue;
    }
    const list = writes.get(page) ?? [];
    const read = lastRead.get(who);
    // An atomic add or a conditional write cannot overwrite a total it did not see.
    const atomic = rec.detail?.condition !== undefined || rec.detail?.added !== undefined || rec.detail?.op === 'delete';
    if (!read) blind++;
    else if (!atomic) {
      for (const earlier of list) {
        if (earlier.cause === rec.cause || earlier.seq < read.seq || lostWrites.has(earlier.seq)) continue;
        lostWrites.add(earlier.seq);
        overwritten.push({ page, first: earlier, firstRead: lastRead.get(`${earlier.cause}|${page}`), second: rec, secondRead: read });
      }
    }
    list.push(rec);
    writes.set(page, list);
  }
  return { blind, overwritten, envOf };
}

/**
 * One lost update in words, in the order things happened: "req-12 (env-1) read home at 40.012 s,
 * req-15 (env-3) read it at 40.014 s before req-12's write landed at 40.021 s; req-15's write at
 * 40.023 s overwrote it".
 * @param {{ page: string, first: any, firstRead: any, second: any, secondRead: any }} x
 * @param {Map<string, string>} envOf
 */
function describeLostUpdate(x, envOf) {
  const a = x.first.cause;
  const b = x.second.cause;
  const who = (/** @type {string} */ id) => (envOf.has(id) ? `${id} (${envOf.get(id)})` : id);
  const bRead = `${who(b)} read ${x.page} at ${secs(x.secondRead.t)}`;
  if (x.firstRead && x.firstRead.seq < x.secondRead.seq) {
    return `${who(a)} read ${x.page} at ${secs(x.firstRead.t)}, ${bRead.replace(` ${x.page} `, ' it ')} before ${a}'s write landed at ${secs(x.first.t)}; ${b}'s write at ${secs(x.second.t)} overwrote it`;
  }
  const aRead = x.firstRead ? `, ${who(a)} read it at ${secs(x.firstRead.t)}` : '';
  return `${bRead}${aRead}; ${a}'s write landed at ${secs(x.first.t)}, then ${b}'s write at ${secs(x.second.t)}, computed from what ${b} had read before it, overwrote it`;
}

/**
 * The most common error the function's failed invocations carried, with what it means here.
 * @param {any} r
 */
function failureNote(r) {
  /** @type {Map<string, { n: number, example: string }>} by error name */
  const byName = new Map();
  for (const inv of [...r.invocations(FN), ...r.invocations(RUN_FN)]) {
    if (inv.outcome === 'succeeded' || inv.outcome === 'running') continue;
    const error = String(inv.error);
    const name = /^[\w.]+/.exec(error)?.[0] ?? error;
    const entry = byName.get(name) ?? { n: 0, example: error };
    entry.n++;
    byName.set(name, entry);
  }
  const [top] = [...byName].sort((a, b) => b[1].n - a[1].n);
  if (!top) return '';
  const [name, { n, example }] = top;
  const said = ` ${n} invocation${n === 1 ? '' : 's'} failed with ${name} (e.g. "${example.slice(0, 200)}")`;
  if (/ConditionalCheckFailed/.test(name)) return `${said}: another invocation changed the count between this one's read and its conditional write. The condition did its job (no visit was overwritten); now read again and retry until the write goes through.`;
  return `${said}.`;
}

/**
 * The page an answer names, when it names one: a JSON body's `page`, else the one page name a text
 * answer mentions. Undefined when it names none (answering only the total is fine).
 * @param {string | undefined} body
 */
function pageNamed(body) {
  if (body === undefined) return undefined;
  let value;
  try {
    value = JSON.parse(body);
  } catch {
    value = body;
  }
  if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.page === 'string') return value.page;
  if (typeof value !== 'string') return undefined;
  const named = PAGES.filter((p) => new RegExp(`\\b${p}\\b`).test(value));
  return named.length === 1 ? named[0] : undefined;
}

module.exports = [
  {
    id: 'answers-200',
    title: 'Every visit is answered (200)',
    hint: 'A 502 means the handler threw: read the error in the message below and in the editor (a page may have no item yet; a conditional write may be refused).',
    section: 'exercise-a-visit-counter',
    run(r) {
      /** @type {Record<string, number>} */
      const responses = {};
      let total = 0;
      for (const g of GATEWAYS) {
        const gw = r.summary.gateways[g];
        total += gw?.requests ?? 0;
        for (const [status, n] of Object.entries(gw?.responses ?? {})) responses[status] = (responses[status] ?? 0) + Number(n);
      }
      const ok = responses['200'] ?? 0;
      const pass = total > 0 && ok === total;
      return {
        pass,
        expected: `all ${total} requests answered 200`,
        actual: Object.entries(responses).map(([s, n]) => `${n} × ${s}`).join(', ') || 'no requests',
        message: pass ? 'Every visit was answered.' : `${total - ok} of ${total} visits were not answered 200 (a 502 is an error thrown by your handler).${failureNote(r)}`,
      };
    },
  },
  {
    id: 'counts-every-visit',
    title: 'The stored totals match the visits, page by page',
    hint: 'Each environment has its own module-level variables, and a new or crashed environment starts from nothing; and two invocations that overlap can read the same total. Where can every environment see the same number, and how can it change in one step?',
    section: 'why-module-state-is-not-shared-state',
    run(r) {
      const served = servedPerPage(r);
      /** @type {Record<string, number>} */
      const stored = {};
      for (const item of r.table(TABLE)) stored[String(item.page)] = Number(item.count);
      const pages = [...new Set([...Object.keys(served), ...Object.keys(stored)])].sort();
      const rows = pages.map((p) => ({ page: p, served: served[p] ?? 0, stored: Number.isFinite(stored[p]) ? stored[p] : 0 }));
      const wrong = rows.filter((x) => x.served !== x.stored);
      const envs = new Set([...r.where('invoked', FN), ...r.where('invoked', RUN_FN)].map((rec) => String(rec.detail?.env))).size;
      const pass = rows.length > 0 && wrong.length === 0;
      const noCount = r.table(TABLE).filter((item) => typeof item.count !== 'number').map((item) => String(item.page));
      const lost = wrong.filter((x) => x.stored < x.served);
      const extra = wrong.filter((x) => x.stored > x.served);
      let message = `All ${rows.reduce((s, x) => s + x.served, 0)} visits are counted, although ${envs} environments served them.`;
      // Pages in the table that no request visited: the page name came from the wrong place.
      const strays = rows.filter((x) => x.served === 0 && x.stored > 0);
      // Table calls the handler did not await: frozen with the environment, some never done.
      const pending = [...r.where('call-pending', FN), ...r.where('call-pending', RUN_FN)].filter((x) => x.detail?.target === TABLE);
      const abandoned = [...r.where('call-abandoned', FN), ...r.where('call-abandoned', RUN_FN)].filter((x) => x.detail?.target === TABLE);
      const done = new Set([...r.where('call-done', FN), ...r.where('call-done', RUN_FN)].map((x) => `${x.detail?.env}#${x.detail?.callId}`));
      const neverDone = pending.filter((x) => !done.has(`${x.detail?.env}#${x.detail?.callId}`)).length;
      if (rows.length === 0) message = 'No visit was counted: no request got a 200 and the table is empty.';
      else if (!pass && strays.length)
        message = `The table counts visits under ${strays.map((x) => `"${x.page}" (${x.stored})`).join(', ')}, a page no request visited, while ${wrong.filter((x) => x.served > 0).map((x) => `${x.page} has ${x.stored} of ${x.served}`).join(', ')}: the page name is taken from the wrong part of the request (POST /visit/docs is the page "docs": \`event.pathParameters.page\`).`;
      else if (!pass && lost.length && pending.length) {
        const at = pending[0].detail?.location;
        const reasons = [...new Set(abandoned.map((x) => String(x.detail?.reason)))].join(', ');
        message = `Visits were lost: ${lost.map((x) => `${x.page} ${x.stored} of ${x.served}`).join(', ')}. ${pending.length} table calls were not awaited${at ? ` (line ${at.line})` : ''}: the handler answered while each was still in flight, so it froze with its environment and went on only when that environment was used again; ${neverDone} never happened${abandoned.length ? ` (the environment was gone first: ${reasons})` : ' (still frozen when the run ended)'}. Await the update before answering.`;
      } else if (!pass && noCount.length)
        message = `The items for ${noCount.join(', ')} have no numeric \`count\` attribute: store each page's total as { page, count }.`;
      else if (!pass && lost.length) {
        const lostList = lost.map((x) => `${x.page} ${x.stored} of ${x.served}`).join(', ');
        const history = writeHistory(r);
        if (history.blind === 0 && history.overwritten.length > 0) {
          // Every write followed a read of the table: the visits were lost between reads and writes.
          const n = history.overwritten.length;
          message = `Visits were lost to concurrent updates: ${lostList}. Invocations that overlap read the same total and each write it back plus one, so one increment replaces the other: ${describeLostUpdate(history.overwritten[0], history.envOf)}. ${n === 1 ? 'That was the only write' : `${n} writes were`} overwritten like this. A tableGet and a ${history.overwritten[0].second.detail?.op === 'update' ? 'tableUpdate' : 'tablePut'} are two calls, and other invocations run between them: let the table add in one step (tableUpdate with add), or write only if the count is still the one you read (a condition) and try again.`;
        } else {
          message = `Visits were lost: ${lostList}. ${envs} environments served the traffic, each counting on its own; every write replaced the total with one environment's view of it (and the crash at 80 s wiped one environment's memory).`;
        }
      } else if (!pass)
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
      for (const x of GATEWAYS.flatMap((g) => r.exchanges(g))) {
        const m = PAGE_PATH.exec(x.path);
        if (!m || x.status !== 200) continue;
        const list = perPage.get(m[1]) ?? [];
        list.push({ path: x.path, body: x.body, nums: numbersIn(x.body) });
        perPage.set(m[1], list);
      }
      const rows = [...perPage].sort(([a], [b]) => (a < b ? -1 : 1)).map(([page, answers]) => ({ page, answers, wrong: unmatched(answers) }));
      const answered = rows.reduce((n, x) => n + x.answers.length, 0);
      const wrong = rows.filter((x) => x.wrong.length);
      const envs = new Set([...r.where('invoked', FN), ...r.where('invoked', RUN_FN)].map((rec) => String(rec.detail?.env))).size;
      const pass = answered > 0 && wrong.length === 0;
      const first = wrong[0];
      const example = first?.wrong[0];
      const storedCount = (/** @type {string} */ page) => r.table(TABLE).find((item) => String(item.page) === page)?.count;
      /** Why a page's answers are off: a stored total that lost visits, or a count kept in memory. */
      const whyWrong = (/** @type {string} */ page, /** @type {number} */ visits, /** @type {number} */ envs) => {
        const list = perPage.get(page) ?? [];
        if (list.length && list.every((a) => a.nums.size === 0))
          return `None of ${page}'s answers carries a number: answer the page's total after this visit (tableUpdate answers the item as it is afterwards: its \`count\`).`;
        const strays = r.table(TABLE).filter((item) => !perPage.has(String(item.page)) && typeof item.count === 'number');
        if (strays.length)
          return `The table keeps its totals under ${strays.map((item) => `"${item.page}" (${item.count})`).join(', ')}, a page no request visited: the answers count that, not ${page} — the page name is taken from the wrong part of the request.`;
        const stored = storedCount(page);
        if (typeof stored === 'number' && stored < visits)
          return `The table holds ${stored} for ${page} after ${visits} visits: answers read from a total that lost visits repeat or skip numbers too, so fix the stored count first.${envs > 1 ? ` And ${envs} environments served the traffic: a number kept in one environment's memory is that environment's count, not the page's.` : ''}`;
        return envs > 1 ? `${envs} environments served the traffic: a number kept in one environment's memory is that environment's count, not the page's.` : 'Answer the total you stored.';
      };
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
            : `${wrong.reduce((n, x) => n + x.wrong.length, 0)} of ${answered} answers do not carry their page's running total: e.g. ${example.path} answered ${JSON.stringify((example.body ?? '(no body)').slice(0, 80))}, and ${first.page}'s answers gave ${given(first)} for ${first.answers.length} visits. ${whyWrong(first.page, first.answers.length, envs)}`,
      };
    },
  },
  {
    id: 'answers-its-page',
    title: 'Each answer names the page it was asked for, on Lambda and on Cloud Run functions',
    hint: 'Behind site-run one instance serves up to 8 requests at once, and they share module-level variables. Is anything about the request kept outside the handler?',
    section: 'many-requests-per-instance',
    run(r) {
      /** @type {Map<string, any>} request id → its invocation (either function) */
      const byCause = new Map();
      for (const fn of [FN, RUN_FN]) for (const inv of r.invocations(fn)) if (inv.cause) byCause.set(inv.cause, { ...inv, fn });
      const exchanges = GATEWAYS.flatMap((g) => r.exchanges(g).map((x) => ({ ...x, gateway: g })));
      const answers = exchanges.filter((x) => x.status === 200 && PAGE_PATH.test(x.path));
      const wrong = answers.filter((x) => {
        const named = pageNamed(x.body);
        return named !== undefined && named !== PAGE_PATH.exec(x.path)?.[1];
      });
      const pass = answers.length > 0 && wrong.length === 0;
      const onRun = wrong.filter((x) => x.gateway === RUN_GATEWAY).length;
      let message = `All ${answers.length} answers name the page they were asked for (or only its total).`;
      if (answers.length === 0) message = 'No visit was answered 200.';
      else if (!pass) {
        const x = wrong[0];
        const inv = byCause.get(x.id);
        const asked = PAGE_PATH.exec(x.path)?.[1];
        const named = pageNamed(x.body);
        // Another request on the same instance, overlapping this one, that visited the page the answer names.
        const other = inv
          ? [...byCause.values()].find((o) => o.env === inv.env && o.id !== inv.id && o.t <= (inv.end ?? Infinity) && (o.end ?? Infinity) >= inv.t && exchanges.some((e) => e.id === o.cause && PAGE_PATH.exec(e.path)?.[1] === named))
          : undefined;
        const where = inv ? ` (${inv.id} on ${inv.env})` : '';
        const who = other ? `: ${other.id}, a visit to ${named} on the same instance, started at ${secs(other.t)} while ${inv.id} was waiting for its table call, and set the module's variable to "${named}"` : '';
        message =
          `${wrong.length} of ${answers.length} answers name another page than the one asked for (${onRun} of them on ${RUN_GATEWAY}): e.g. POST ${x.path} on ${x.gateway}${where} answered ${JSON.stringify((x.body ?? '').slice(0, 80))}, naming "${named}" for a visit to "${asked}"${who}. ` +
          (onRun === wrong.length
            ? `count-visit-run runs on Cloud Run functions with 8 requests per instance: requests on one instance share its module-level variables, so a value one request keeps there is overwritten by the next while it awaits. On Lambda each environment serves one request at a time, which is why the same code passes on ${GATEWAY}. Keep what belongs to a request in local variables (const page = … inside the handler).`
            : 'Answer the page the request asked for.');
      }
      return {
        pass,
        expected: `${answers.length} answers, each naming its own page (or none)`,
        actual: `${answers.length - wrong.length} right, ${wrong.length} naming another page`,
        message,
      };
    },
  },
];
