// @ts-check
// Checks for "Kinesis": what the site sent (the traffic: 20 clicks per request), what the stream
// accepted (its `produced` records, each with its shard and data), what it refused (`throttled`),
// and the sessions table against each session's clicks in the order they were put.

/** @param {string[]} list */
function some(list, max = 3) {
  return list.length <= max ? list.join('; ') : `${list.slice(0, max).join('; ')} … (+${list.length - max})`;
}

/** Does `text` hold `token` as a whole value (not as part of a longer word: "s-1" is not in "s-12")? */
const holds = (/** @type {string} */ text, /** @type {string} */ token) => new RegExp(`(^|[^\\w/-])${token.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}($|[^\\w/-])`).test(text);

/**
 * The clicks on the stream, in the order they were put, each with its shard, its partition key and
 * the click it carries — traced to the site's request that made the collector put it, so any value
 * layout works (JSON of any shape, CSV, …): the click whose id the record holds, else the next
 * click of that request whose session and page it holds.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function onStream(r) {
  /** @type {Map<string, any[]>} collector invocation → the clicks of its request */
  const clicksOf = new Map();
  const requests = new Map(r.requests('site').map((x) => [x.id, /** @type {any} */ (x.payload)?.clicks ?? []]));
  for (const inv of r.invocations('collector')) if (inv.cause !== undefined && requests.has(inv.cause)) clicksOf.set(inv.id, requests.get(inv.cause));
  /** @type {Set<any>} */
  const taken = new Set();
  return r.where('produced', 'clickstream').map((p) => {
    const body = String(p.detail?.body ?? '');
    const batch = clicksOf.get(String(p.cause)) ?? [];
    let click = batch.find((c) => !taken.has(c) && holds(body, c.clickId));
    click ??= batch.find((c) => !taken.has(c) && holds(body, c.sessionId) && holds(body, c.page));
    if (!click) {
      try {
        const v = JSON.parse(body);
        if (v && typeof v.sessionId === 'string') click = v;
      } catch {
        /* not JSON */
      }
    }
    if (click) taken.add(click);
    return { seq: String(p.id), shard: String(p.detail?.shardId), key: String(p.detail?.partitionKey), click };
  });
}

/** Every click id the site sent (from its requests). @param {import('../../src/lessons/checks').RunView} r */
function sent(r) {
  return r.requests('site').flatMap((q) => (/** @type {any} */ (q.payload)?.clicks ?? []).map((/** @type {any} */ c) => String(c.clickId)));
}

/**
 * Sessionizer invocations that had several table calls in flight at once (records handled
 * concurrently: two of one session read the same row before either wrote it back).
 * @param {import('../../src/lessons/checks').RunView} r
 */
function concurrentCalls(r) {
  /** @type {Map<string, number>} */
  const inFlight = new Map();
  /** @type {{ inv: string, n: number, t: number } | undefined} */
  let worst;
  let invocations = 0;
  const seen = new Set();
  for (const x of r.records) {
    if (x.resource !== 'sessionizer' || (x.kind !== 'call' && x.kind !== 'call-done')) continue;
    const inv = String(x.id);
    const n = (inFlight.get(inv) ?? 0) + (x.kind === 'call' ? 1 : -1);
    inFlight.set(inv, n);
    if (n > 1 && !seen.has(inv)) {
      seen.add(inv);
      invocations++;
    }
    if (n > 1 && (!worst || n > worst.n)) worst = { inv, n, t: x.t };
  }
  return { invocations, worst };
}

/**
 * The collector's puts it did not await, in words ('' when every put was awaited): how many were
 * still in flight when it returned, the line, and how many never happened.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function unawaitedPuts(r) {
  const u = r.unawaited('collector', { target: 'clickstream' });
  if (!u.count) return '';
  return ` ${u.count} puts were not awaited${u.line ? ` (line ${u.line})` : ''}: the collector returned while each was in flight, so it froze with its environment and went on only while a later invocation kept that environment busy; ${u.neverDone} never happened. Await every produce before returning (a forEach with an async callback does not wait: use for…of, or await Promise.all).`;
}

module.exports = [
  {
    id: 'no-throttling',
    title: 'Every click is on the stream once, and no shard refused a write',
    hint: 'A shard takes 1,000 records a second. Where do 1,200 records a second go if they all have the same partition key?',
    section: 'shards-and-the-per-shard-limit',
    /** @param {any} r */
    run(r) {
      const want = sent(r);
      const records = onStream(r);
      /** @type {Map<string, number>} */
      const count = new Map();
      for (const x of records) if (x.click && typeof x.click.clickId === 'string') count.set(x.click.clickId, (count.get(x.click.clickId) ?? 0) + 1);
      const missing = want.filter((id) => !count.has(id));
      const twice = [...count].filter(([, n]) => n > 1).map(([id]) => id);
      const throttled = r.where('throttled', 'clickstream');
      /** @type {Map<string, number>} */
      const perShard = new Map();
      for (const t of throttled) perShard.set(String(t.detail?.shardId), (perShard.get(String(t.detail?.shardId)) ?? 0) + 1);
      const keys = new Set(records.map((x) => x.key));
      const failed = r.where('failed', 'collector');
      const pass = want.length > 0 && missing.length === 0 && twice.length === 0 && throttled.length === 0;
      let message = 'Every click landed once, and both shards stayed under their limit.';
      if (!pass) {
        if (throttled.length) message = `${throttled.length} puts were refused with ProvisionedThroughputExceededException (${some([...perShard].map(([s, n]) => `${n} on ${s}`))}): ${keys.size === 1 ? `every record had the partition key ${JSON.stringify([...keys][0])}, so every record went to one shard` : 'one shard got more than its share'}, and a shard takes at most 1,000 records a second. ${missing.length} clicks were lost with the failed puts.`;
        else if (failed.length) message = `The collector failed ${failed.length} times (first: ${String(failed[0].detail?.error)}).`;
        else message = `${missing.length} clicks never reached the stream${twice.length ? `, ${twice.length} reached it twice` : ''}.${unawaitedPuts(r)}`;
      }
      return {
        pass,
        expected: `the ${want.length} clicks the site sent, each on the stream once; no write refused`,
        actual: `${count.size} of ${want.length} on the stream${twice.length ? ` (${twice.length} twice)` : ''}; ${throttled.length} puts throttled; ${keys.size} distinct partition keys`,
        message,
      };
    },
  },
  {
    id: 'session-in-one-shard',
    title: "Each session's clicks are in one shard, in order",
    hint: 'Order holds per shard only, and the partition key decides the shard.',
    section: 'partition-keys-and-hash-key-ranges',
    /** @param {any} r */
    run(r) {
      const records = onStream(r);
      /** @type {Map<string, Set<string>>} */
      const shards = new Map();
      for (const x of records) {
        const s = x.click?.sessionId;
        if (typeof s !== 'string') continue;
        shards.set(s, (shards.get(s) ?? new Set()).add(x.shard));
      }
      /** @type {Map<string, Set<string>>} */
      const keysOf = new Map();
      for (const x of records) if (typeof x.click?.sessionId === 'string') keysOf.set(x.click.sessionId, (keysOf.get(x.click.sessionId) ?? new Set()).add(x.key));
      const split = [...shards].filter(([, set]) => set.size > 1);
      const used = new Set(records.map((x) => x.shard)).size;
      const pass = records.length > 0 && shards.size > 0 && split.length === 0;
      return {
        pass,
        expected: 'every session in exactly one shard',
        actual: records.length === 0 ? 'the stream is empty' : `${records.length} records in ${used} shards; ${split.length} of ${shards.size} sessions spread over several shards${split.length ? ` (${some(split.map(([s, set]) => `${s} in ${[...set].sort().join(', ')}`))})` : ''}`,
        message: pass
          ? 'Keyed by the session: each session is in one shard, and the sessions spread the load.'
          : records.length === 0
            ? `Nothing was put on clickstream.${unawaitedPuts(r)}`
            : `${split.length} of ${shards.size} sessions' clicks are spread over several shards, which are read in parallel, so one session's clicks can be applied out of order: e.g. ${split[0][0]} is in ${[...split[0][1]].sort().join(' and ')}, its records carrying ${(keysOf.get(split[0][0]) ?? new Set()).size} different partition keys (${[...(keysOf.get(split[0][0]) ?? [])].slice(0, 3).map((k) => JSON.stringify(k)).join(', ')}${(keysOf.get(split[0][0]) ?? new Set()).size > 3 ? ', …' : ''}). Records with the same partition key always go to the same shard: key by the session.`,
      };
    },
  },
  {
    id: 'session-paths',
    title: "Each session's row holds its pages, in the order of its clicks",
    hint: 'Append each record\'s page to its session\'s row, in the order of the batch. And the data of a Kinesis record is base64: decode it with Buffer.from(record.kinesis.data, \'base64\').toString().',
    section: 'reading-with-a-parallelization-factor',
    /** @param {any} r */
    run(r) {
      /** @type {Map<string, string[]>} */
      const want = new Map();
      for (const x of onStream(r)) {
        const c = x.click;
        if (!c || typeof c.sessionId !== 'string') continue;
        want.set(c.sessionId, [...(want.get(c.sessionId) ?? []), c.page]);
      }
      const rows = new Map(r.table('sessions').map((/** @type {any} */ row) => [row.sessionId, row]));
      /** @type {string[]} */
      const wrong = [];
      for (const [s, pages] of want) {
        const got = rows.get(s);
        if (!got || JSON.stringify(got.pages) !== JSON.stringify(pages)) wrong.push(`${s}: ${got ? `${(got.pages ?? []).length} pages` : 'no row'}, the stream says ${pages.length}${got && Array.isArray(got.pages) && got.pages.length === pages.length ? ' (same pages, other order)' : ''}`);
      }
      const failed = r.where('failed', 'sessionizer');
      const base64 = failed.some((/** @type {any} */ f) => /JSON|Unexpected token|not valid/i.test(String(f.detail?.error)));
      const pass = want.size > 0 && wrong.length === 0;
      let message = 'Every session\'s path matches its clicks in order: the parallelization factor never split one partition key.';
      if (!pass) {
        if (base64) message = `The sessionizer failed ${failed.length} times parsing records (first: ${String(failed[0].detail?.error)}): record.kinesis.data is base64, as AWS sends it — decode it first: Buffer.from(record.kinesis.data, 'base64').toString() (Buffer.from without 'base64' reads the base64 text itself as UTF-8). A failing batch is retried and blocks its shard.`;
        else if (want.size === 0) message = `Nothing was put on clickstream.${unawaitedPuts(r)}`;
        else {
          const rowsList = [...rows.values()];
          const onePage = rowsList.length > 0 && rowsList.every((row) => Array.isArray(row.pages) && row.pages.length <= 1) && [...want.values()].some((p) => p.length > 1);
          const conc = concurrentCalls(r);
          const splitSessions = (() => {
            /** @type {Map<string, Set<string>>} */
            const sh = new Map();
            for (const x of onStream(r)) if (typeof x.click?.sessionId === 'string') sh.set(x.click.sessionId, (sh.get(x.click.sessionId) ?? new Set()).add(x.shard));
            return [...sh].filter(([, v]) => v.size > 1).length;
          })();
          const cause = onePage
            ? ' Every row holds one page: each record replaced its session\'s row. Read the row and append the page (or let the table append it).'
            : conc.worst
              ? ` The sessionizer handled records concurrently: ${conc.invocations} invocations had several table calls in flight at once (e.g. ${conc.worst.inv}: ${conc.worst.n} at ${+(conc.worst.t / 1000).toFixed(3)} s), so two records of one session read the same row before either wrote it back, and one append replaced the other. Handle a batch's records one after another.`
              : splitSessions
                ? ` ${splitSessions} sessions are spread over several shards (see session-in-one-shard): their records are read by different invocations at once, out of order.`
                : '';
          const first = failed.length ? String(failed[0].detail?.error) : '';
          const failure = failed.length ? ` The sessionizer failed ${failed.length} times (first: ${first}); a failing batch is retried and blocks its shard.` : '';
          message = `${wrong.length} of ${want.size} sessions do not match their clicks (${some(wrong)}).${failure}${cause}`;
        }
      }
      return {
        pass,
        expected: `${want.size} sessions, each row's pages equal to its clicks in the order they were put`,
        actual: `${want.size - wrong.length} of ${want.size} match${wrong.length ? `; ${some(wrong)}` : ''}${failed.length ? `; the sessionizer failed ${failed.length} times` : ''}`,
        message,
      };
    },
  },
];
