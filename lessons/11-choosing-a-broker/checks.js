// @ts-check
// Choosing a broker: each workload must end up in the resource whose delivery model fits it.
// Where a message went is traced back to the workload that caused it: resource record (sent /
// published / produced) → router invocation → traffic request of one generator.

/** Workload → the traffic generator that produces it. */
const CASES = { resize: 'image-uploads', orders: 'checkouts', clicks: 'page-views', ledger: 'ledger' };

/** What each resource does, to explain a wrong choice. */
const MODEL = {
  jobs: 'the standard queue "jobs" hands each message to ONE of its consumers (they compete), deletes it once processed, and keeps no order',
  'ledger.fifo': 'the FIFO queue orders messages only within a message group and delivers a group one batch at a time',
  announcements: 'the topic pushes a copy to EVERY subscriber (email-inbox, analytics-inbox, warehouse-inbox) and stores nothing',
  clicks: 'the stream appends to a partitioned log that every consumer group reads in full and can re-read (replay)',
};

/**
 * For one workload: how many items there were and where the router put them (resource → count),
 * with each router invocation's item (the request's own payload, whatever the router kept of it).
 * @param {any} r
 * @param {string} generator
 */
function destinations(r, generator) {
  /** @type {Map<string, any>} request id → payload */
  const payloads = new Map(r.requests(generator).map((/** @type {any} */ x) => [x.id, x.payload]));
  /** @type {Map<string, any>} invocation id → the item it handled */
  const itemOf = new Map();
  for (const x of r.where('invoked', 'router')) if (payloads.has(x.cause)) itemOf.set(x.id, payloads.get(x.cause));
  const invocations = new Set(itemOf.keys());
  /** @type {Record<string, number>} */
  const where = {};
  /** @type {Map<string, number>} "resource request" → records */
  const perItem = new Map();
  for (const x of r.records) {
    if ((x.kind === 'sent' || x.kind === 'published' || x.kind === 'produced') && invocations.has(x.cause)) {
      where[x.resource] = (where[x.resource] ?? 0) + 1;
      const key = `${x.resource} ${label(itemOf.get(x.cause))}`;
      perItem.set(key, (perItem.get(key) ?? 0) + 1);
    }
  }
  const failed = r.where('failed', 'router').filter((/** @type {any} */ x) => invocations.has(x.id));
  return { items: payloads.size, where, failed, invocations, itemOf, perItem, payloads };
}

/** An item's own id (imageId, orderId, clickId, entryId). @param {any} item */
const label = (item) => String(item?.imageId ?? item?.orderId ?? item?.clickId ?? item?.entryId ?? JSON.stringify(item));

/** @param {Record<string, number>} where */
const describe = (where) => Object.entries(where).map(([res, n]) => `${n} → ${res}`).join(', ') || 'nowhere';

/**
 * Verdict for "all `items` went to `target`, once each" plus a case-specific extra test.
 * @param {any} r
 * @param {string} generator
 * @param {string} target
 * @param {string} need why the workload needs `target`
 * @param {(d: ReturnType<typeof destinations>) => { actual: string, message: string } | undefined} [extra] a problem, if any
 */
function routed(r, generator, target, need, extra) {
  const d = destinations(r, generator);
  const elsewhere = Object.keys(d.where).filter((res) => res !== target);
  const count = d.where[target] ?? 0;
  const failedNote = d.failed.length ? `; the router failed ${d.failed.length} times (first: ${String(d.failed[0].detail?.error)})` : '';
  let problem;
  if (elsewhere.length) {
    const res = elsewhere[0];
    const itemsThere = [...d.perItem.keys()].filter((k) => k.startsWith(`${res} `)).length;
    problem = `${itemsThere} of ${d.items} went to ${res}, but ${/** @type {Record<string, string>} */ (MODEL)[res] ?? 'that resource does not fit'}. This workload needs ${need}.`;
  } else {
    const copies = [...d.perItem].filter(([k]) => k.startsWith(`${target} `)).map(([k, n]) => /** @type {[string, number]} */ ([k.slice(target.length + 1), n]));
    const repeated = copies.filter(([, n]) => n > 1);
    if (copies.length !== d.items || repeated.length) {
      // A FIFO queue answers a repeated deduplication id with the first message's id and keeps nothing new:
      // right for a resent item, wrong when the id is shared by two different items.
      const entryOfMessage = new Map(r.sent(target).map((/** @type {any} */ m) => [m.id, m.cause === undefined ? undefined : label(d.itemOf.get(m.cause))]));
      const dropped = r.dropped(target).filter((/** @type {any} */ x) => d.invocations.has(x.cause) && entryOfMessage.get(x.firstMessageId) !== label(d.itemOf.get(x.cause)));
      const dropNote = dropped.length
        ? ` ${dropped.length} sends were dropped by ${target} as duplicates of another item: e.g. ${label(d.itemOf.get(dropped[0].cause))} carried deduplication id "${dropped[0].deduplicationId}", already used within 5 minutes by ${dropped[0].firstMessageId} (${entryOfMessage.get(dropped[0].firstMessageId)}). The deduplication id must identify the item itself (its own id), or different items look like repeats.`
        : '';
      let repeatNote = '';
      if (repeated.length) {
        const [item, n] = repeated[0];
        // The client's resends (a duplicate fault on the generator), by item.
        const resent = new Set(r.where('duplicate', generator).map((/** @type {any} */ x) => label(d.payloads.get(x.id))));
        const ids = r.sent(target).filter((/** @type {any} */ m) => m.cause !== undefined && label(d.itemOf.get(m.cause)) === item).map((/** @type {any} */ m) => m.deduplicationId).filter((/** @type {any} */ x) => x !== undefined);
        repeatNote = resent.has(item) && ids.length > 1
          ? ` ${repeated.length} items are in ${target} more than once (e.g. ${item}: ${n} times): the client sent ${item} twice (a resend) and the router sent each copy with its own deduplication id (${ids.slice(0, 2).map((x) => `"${x}"`).join(', ')}), so the queue could not tell it was a repeat. Derive the deduplication id from the item itself (its own id): the FIFO queue then drops a repeat sent within 5 minutes.`
          : ` ${repeated.length} items went to ${target} more than once (e.g. ${item}: ${n} times)${/** @type {Record<string, string>} */ (MODEL)[target] ? `, and ${/** @type {Record<string, string>} */ (MODEL)[target]}` : ''}: consumers get every copy. Send each item once.`;
      }
        // Sends the router did not await: frozen with its environment, done later or never.
      const u = r.unawaited('router', { target });
      const unawaitedNote = u.count && copies.length < d.items ? ` ${u.count} calls to ${target} were not awaited${u.line ? ` (line ${u.line})` : ''}: the router returned while each was in flight, so it froze with the environment and went on only when the environment was used again; ${u.neverDone} never happened. Await it.` : '';
      problem = `${copies.length} of ${d.items} items reached ${target}${repeated.length ? ` (${count} messages)` : ''}${failedNote}.${dropNote}${repeatNote}${unawaitedNote}`;
    }
  }
  let detail = '';
  if (!problem) {
    const found = extra?.(d);
    if (found) {
      problem = found.message;
      detail = found.actual;
    }
  }
  return {
    pass: d.items > 0 && !problem,
    expected: `all ${d.items} items in ${target}, once each`,
    actual: `${describe(d.where)}${failedNote}${detail ? `; ${detail}` : ''}`,
    message: problem ?? `Right choice: ${need}.`,
  };
}

module.exports = [
  {
    id: 'resize-to-queue',
    title: 'Resize jobs go to the work queue',
    hint: 'Each image must be resized once, by any one of several identical workers. Which model hands a message to exactly one consumer?',
    section: 'the-comparison',
    run: (r) => routed(r, CASES.resize, 'jobs', 'a queue: each job is done once by whichever worker pulls it, retried until deleted'),
  },
  {
    id: 'orders-to-topic',
    title: 'Order events reach email, analytics and warehouse',
    hint: 'Three different services each need every order. Which model delivers one message to several consumers?',
    section: 'the-comparison',
    run(r) {
      const v = routed(r, CASES.orders, 'announcements', 'a topic: every subscriber (email, analytics, warehouse) gets its own copy as soon as it is published', (d) => {
        const published = new Set(r.where('published', 'announcements').filter((/** @type {any} */ x) => d.invocations.has(x.cause)).map((/** @type {any} */ x) => x.id));
        const short = ['email-inbox', 'analytics-inbox', 'warehouse-inbox'].filter((q) => r.where('sent', q).filter((/** @type {any} */ x) => published.has(x.cause)).length !== d.items);
        return short.length ? { actual: `${short.join(', ')} missed orders`, message: `${short.join(', ')} did not get every order.` } : undefined;
      });
      return v;
    },
  },
  {
    id: 'clicks-to-stream',
    title: 'Page views go to the stream, keyed by user',
    hint: 'Clicks must be replayable and kept in order per user. A stream keeps order only within a partition: what decides the partition?',
    section: 'the-comparison',
    run: (r) =>
      routed(r, CASES.clicks, 'clicks', 'a stream: the log is kept for 7 days, so a new consumer group can replay it, and records with the same key stay in order in one partition', (d) => {
        // The user of each record is the page view's own userId (from the request), whatever the
        // router kept in the record's value; the partition is where the record landed.
        /** @type {Map<string, Set<number>>} */
        const partitionsOf = new Map();
        /** @type {Map<string, Set<string>>} */
        const keysOf = new Map();
        let unkeyed = 0;
        for (const rec of r.where('produced', 'clicks')) {
          if (!d.invocations.has(rec.cause)) continue;
          if (rec.detail?.key === undefined) unkeyed++;
          const user = String(d.itemOf.get(rec.cause)?.userId);
          if (!partitionsOf.has(user)) partitionsOf.set(user, new Set());
          partitionsOf.get(user)?.add(Number(rec.detail?.partition));
          if (rec.detail?.key !== undefined) keysOf.set(user, (keysOf.get(user) ?? new Set()).add(String(rec.detail.key)));
        }
        const split = [...partitionsOf].filter(([, ps]) => ps.size > 1);
        if (!split.length && !unkeyed) return undefined;
        // Without a key, the producer's sticky partitioner keeps records on one partition only until
        // a batch (16 KiB) is full, then moves to another: even if this run kept a user on one
        // partition, a busier one would not.
        const keyless = unkeyed ? `${unkeyed} records had no key: the producer keeps keyless records on one partition only until a batch (16 KiB) is full, then moves on to other partitions, so nothing keeps one user's clicks together` : '';
        if (!split.length) {
          return { actual: `${unkeyed} records without a key`, message: `${keyless}. Order holds only within a partition. Produce with key = the user id.` };
        }
        const [user, ps] = split[0];
        const keys = [...(keysOf.get(user) ?? [])];
        const keyNote = keys.length > 1 ? ` Its records carried ${keys.length} different keys (${keys.slice(0, 3).map((k) => `"${k}"`).join(', ')}${keys.length > 3 ? ', …' : ''}): the key was not the user.` : '';
        return {
          actual: `${unkeyed} records without a key; ${split.length} users spread over several partitions (${user}: ${[...ps].join(', ')})`,
          message: `${keyless ? `${keyless}: ` : ''}the clicks of ${user} landed on ${ps.size} partitions (${[...ps].join(', ')}). Order holds only within a partition, so ${split.length} users' sessions can be read out of order.${keyNote} Produce with key = the user id.`,
        };
      }),
  },
  {
    id: 'ledger-to-fifo',
    title: 'Ledger entries go to the FIFO queue, one group per account',
    hint: 'Entries must be applied in order per account, without duplicates — but different accounts should not wait for each other.',
    section: 'the-comparison',
    run: (r) =>
      routed(r, CASES.ledger, 'ledger.fifo', 'a FIFO queue: strict order within a message group and deduplication for 5 minutes; one group per account keeps accounts independent', (d) => {
        // Any naming and any body work ("acct-1", "account#acct-1", …) as long as it is one group per account:
        // each account's entries in a single group (order), and no group shared by two accounts
        // (independence).
        const msgs = r.sent('ledger.fifo').filter((m) => m.cause !== undefined && d.invocations.has(m.cause));
        /** @type {Map<string, Set<string | undefined>>} */
        const groupsOf = new Map();
        /** @type {Map<string | undefined, Set<string>>} */
        const accountsIn = new Map();
        for (const m of msgs) {
          const account = d.itemOf.get(m.cause)?.accountId; // the entry's own account, whatever the body kept
          if (typeof account !== 'string') continue;
          groupsOf.set(account, (groupsOf.get(account) ?? new Set()).add(m.groupId));
          accountsIn.set(m.groupId, (accountsIn.get(m.groupId) ?? new Set()).add(account));
        }
        const groups = new Set(msgs.map((m) => m.groupId));
        const split = [...groupsOf].filter(([, g]) => g.size > 1);
        const shared = [...accountsIn].filter(([, a]) => a.size > 1);
        if (groups.size < 2 && groupsOf.size > 1)
          return {
            actual: `${msgs.length} entries of ${groupsOf.size} accounts in 1 message group (${[...groups][0]})`,
            message: `All ${msgs.length} entries share one message group (${[...groups][0]}): every account now waits behind every other one (while a group has a message in flight, none of its later messages is delivered), so one slow or failing entry blocks all accounts. Use one group per account.`,
          };
        if (split.length)
          return {
            actual: `${split.length} accounts spread over several message groups (${split[0][0]}: ${[...split[0][1]].slice(0, 3).join(', ')}${split[0][1].size > 3 ? ', …' : ''})`,
            message: `The entries of ${split[0][0]} went to ${split[0][1].size} different message groups: a FIFO queue keeps order only within one group, so this account's entries can be applied out of order. Give every entry of an account the same group.`,
          };
        if (shared.length)
          return {
            actual: `message group ${shared[0][0]} holds ${[...shared[0][1]].join(', ')}`,
            message: `Accounts ${[...shared[0][1]].join(' and ')} share the message group ${shared[0][0]}: they wait for each other although they need not. One group per account.`,
          };
        return undefined;
      }),
  },
];
