// @ts-check
// Queue-based load leveling: the spike goes into the queue, the table sees a steady ≤ 10 writes/s.
const TABLE = 'order-batches';
const CAPACITY = 10;

/** @param {number} ms */
const secs = (ms) => `${+(ms / 1000).toFixed(1)} s`;

/**
 * The most write REQUESTS (accepted + throttled) the table got within any one second, and when.
 * @param {any} r
 */
function peakDemand(r) {
  const writes = r.records.filter((/** @type {any} */ x) => x.resource === TABLE && (x.kind === 'written' || x.kind === 'overloaded'));
  const times = writes.map((/** @type {any} */ x) => x.t);
  let peak = 0;
  let at = 0;
  let from = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[lo] <= times[hi] - 1000) lo++;
    if (hi - lo + 1 > peak) {
      peak = hi - lo + 1;
      at = times[hi];
      from = lo;
    }
  }
  // Who made the writes of the peak second: the most by one invocation.
  /** @type {Map<string, number>} */
  const byInvocation = new Map();
  for (const w of writes.slice(from, from + peak)) byInvocation.set(String(w.cause), (byInvocation.get(String(w.cause)) ?? 0) + 1);
  const top = [...byInvocation].sort((a, b) => b[1] - a[1])[0];
  return { peak, at, invocations: byInvocation.size, top };
}

/**
 * Every order id the traffic sent, and for each the number of table items that mention it.
 * Items are searched deeply, so any layout works (an array of ids, of objects, …).
 * @param {any} r
 */
function orderCoverage(r) {
  const sent = r.summary.traffic.checkout.requests;
  /** @type {Map<string, number>} */
  const seen = new Map();
  /** @type {Array<{ key: string, ids: Set<string> }>} */
  const items = [];
  for (const item of r.table(TABLE)) {
    /** @type {Set<string>} */
    const ids = new Set();
    // Ids anywhere: whole values, inside a joined string ("order-1,order-2"), or as map keys.
    const grab = (/** @type {string} */ text) => {
      for (const m of text.matchAll(/order-(\d+)(?!\d)/g)) ids.add(`order-${Number(m[1])}`);
    };
    const walk = (/** @type {unknown} */ v) => {
      if (typeof v === 'string') grab(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          grab(k);
          walk(x);
        }
      }
    };
    walk(item);
    items.push({ key: String(item.batchId), ids });
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const missing = [];
  const twice = [];
  for (let i = 1; i <= sent; i++) {
    const n = seen.get(`order-${i}`) ?? 0;
    if (n === 0) missing.push(`order-${i}`);
    else if (n > 1) twice.push(`order-${i}`);
  }
  return { sent, missing, twice, items };
}

/** @param {string[]} ids */
const some = (ids) => ids.slice(0, 3).join(', ') + (ids.length > 3 ? ', …' : '');

/**
 * What the trace says about each batch: the orders each order-writer invocation was handed (from
 * the bodies the queue accepted), the items it wrote, the writes the table throttled, the writes
 * it did not await.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function batches(r) {
  /** @type {Map<string, string>} message id → order id */
  const orderOf = new Map();
  for (const m of r.sent('orders')) {
    const id = /** @type {any} */ (m.value)?.orderId;
    if (typeof id === 'string') orderOf.set(m.id, id);
  }
  const invocations = r.invocations('order-writer');
  /** @type {Map<string, string[]>} invocation → the orders of its batch */
  const ordersOf = new Map();
  /** @type {Map<string, import('../../src/lessons/checks').Invocation>} order → the last invocation handed it */
  const lastFor = new Map();
  for (const inv of invocations) {
    const orders = String(inv.cause ?? '').split(',').map((id) => orderOf.get(id)).filter((x) => x !== undefined);
    ordersOf.set(inv.id, /** @type {string[]} */ (orders));
    for (const o of orders) lastFor.set(/** @type {string} */ (o), inv);
  }
  /** @type {Map<string, Array<{ inv: string, t: number }>>} item key → its writes, in order */
  const writersOf = new Map();
  /** @type {Map<string, string[]>} invocation → the keys it wrote */
  const keysBy = new Map();
  for (const w of r.where('written', TABLE)) {
    const key = String(w.id);
    writersOf.set(key, [...(writersOf.get(key) ?? []), { inv: String(w.cause), t: w.t }]);
    keysBy.set(String(w.cause), [...(keysBy.get(String(w.cause)) ?? []), key]);
  }
  /** @type {Map<string, number>} */
  const throttled = new Map();
  for (const o of r.where('overloaded', TABLE)) throttled.set(String(o.cause), (throttled.get(String(o.cause)) ?? 0) + 1);
  const pending = r.where('call-pending', 'order-writer').filter((c) => c.detail?.target === TABLE);
  const pendingBy = new Set(pending.map((c) => String(c.id)));
  return { ordersOf, lastFor, writersOf, keysBy, throttled, pending, pendingBy };
}

/**
 * Why orders are missing from the table, from their batches: a later write replaced their item,
 * the item left them out, the write was throttled and the error swallowed, not awaited, or never made.
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {string[]} missing
 * @param {Array<{ key: string, ids: Set<string> }>} items
 */
function whyMissing(r, missing, items) {
  const b = batches(r);
  const itemIds = new Map(items.map((x) => [x.key, x.ids]));
  const noIds = items.length > 0 && items.every((x) => x.ids.size === 0);
  /** @type {Map<string, { n: number, text: string }>} */
  const causes = new Map();
  const note = (/** @type {string} */ kind, /** @type {() => string} */ text) => {
    const c = causes.get(kind);
    if (c) c.n++;
    else causes.set(kind, { n: 1, text: text() });
  };
  for (const order of missing) {
    const inv = b.lastFor.get(order);
    if (!inv) {
      note('unreceived', () => `${order} was never handed to the worker`);
      continue;
    }
    if (inv.outcome !== 'succeeded') {
      note('failing', () => `${order}'s last batch (${inv.id}) ${inv.outcome === 'timed-out' ? 'timed out' : inv.outcome === 'running' ? 'was still running when the run ended' : `failed (${inv.error})`}, so it comes back after the visibility timeout`);
      continue;
    }
    const batch = b.ordersOf.get(inv.id) ?? [];
    const keys = b.keysBy.get(inv.id) ?? [];
    const replaced = keys.map((k) => ({ k, later: (b.writersOf.get(k) ?? []).find((w) => w.inv !== inv.id && w.t >= (b.writersOf.get(k) ?? []).find((x) => x.inv === inv.id)?.t) })).find((x) => x.later);
    if (replaced?.later) {
      const later = replaced.later;
      note('replaced', () => `${order} was in ${inv.id}'s batch, which wrote the item batchId "${replaced.k}"; ${later.inv} then wrote the same batchId at ${secs(later.t)}, replacing it: a batchId must be unique per batch (context.awsRequestId is)`);
    } else if (b.pendingBy.has(inv.id)) {
      const at = /** @type {any} */ (b.pending.find((c) => String(c.id) === inv.id)?.detail?.location);
      note('unawaited', () => `${inv.id} did not await its tablePut${at ? ` (line ${at.line})` : ''}: it returned first, so the batch was deleted while the write was frozen with the environment (it went on later or never)`);
    } else if (b.throttled.get(inv.id)) {
      note('swallowed', () => `${inv.id} had ${b.throttled.get(inv.id)} of its writes throttled (ProvisionedThroughputExceeded), ${order}'s among them, yet the invocation succeeded: the error was caught, so the platform deleted the batch`);
    } else if (keys.length) {
      const held = itemIds.get(keys[keys.length - 1]);
      const kept = batch.filter((o) => held?.has(o)).length;
      note('left-out', () => `${order} was in ${inv.id}'s batch of ${batch.length} (${some(batch)}), but the item it wrote (batchId "${keys[keys.length - 1]}") lists ${kept} of them${noIds ? ' (no item holds an order id: store each order\'s orderId from its JSON body, not the message id)' : ''}: returning normally deleted the whole batch`);
    } else {
      note('no-write', () => `${inv.id} returned without writing ${order}'s batch, so the platform deleted it`);
    }
  }
  return [...causes.values()].map((c) => `${c.n} ${c.n === 1 ? 'order' : 'orders'} like this: ${c.text}`).join('; ');
}

/**
 * Items that hold the orders of more than one batch (the page asks for one item per batch).
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {Array<{ key: string, ids: Set<string> }>} items
 */
function mixedItems(r, items) {
  const b = batches(r);
  return items
    .map((item) => {
      const batchesIn = new Set([...item.ids].map((o) => b.lastFor.get(o)?.id).filter((x) => x !== undefined));
      const writes = (b.writersOf.get(item.key) ?? []).length;
      return { key: item.key, orders: item.ids.size, batches: batchesIn.size, writes };
    })
    .filter((x) => x.batches > 1);
}

module.exports = [
  {
    id: 'peak-writes',
    title: `The table is asked for at most ${CAPACITY} writes per second`,
    hint: 'Count the writes: at most 2 invocations run at once and each lasts 200 ms. How many table writes can one invocation make?',
    section: 'setting-the-rate-on-the-consumer-side',
    run(r) {
      const { peak, at, invocations, top } = peakDemand(r);
      const pass = peak > 0 && peak <= CAPACITY;
      const pending = r.where('call-pending', 'order-writer').filter((c) => c.detail?.target === TABLE);
      const line = /** @type {any} */ (pending[0]?.detail?.location)?.line;
      return {
        pass,
        expected: `≤ ${CAPACITY} write requests in any second (the provisioned capacity)`,
        actual: peak === 0 ? 'no write reached the table' : `peaked at ${peak} write requests in the second before ${secs(at)}`,
        message: pass
          ? 'The queue absorbed the spike; the table saw a steady trickle.'
          : peak === 0
            ? pending.length
              ? `Nothing was written to the table: ${pending.length} tablePut calls were not awaited${line ? ` (line ${line})` : ''}. The worker returned while each was in flight, so Lambda deleted the batch and froze the environment with the write in it; a write goes on only while a later invocation keeps the environment busy, and these never did. Await the write.`
              : 'Nothing was written to the table: the worker must record the orders it receives.'
            : top && top[1] > 1
              ? `The worker asked the table for ${peak} writes in one second, over its ${CAPACITY}/s capacity: ${top[0]} alone made ${top[1]} of them (${invocations} invocations wrote in that second). Up to 10 invocations run per second, so more than one write per invocation passes the spike straight through to the database.`
              : pending.length
                ? `The worker asked the table for ${peak} writes in one second, over its ${CAPACITY}/s capacity, from ${invocations} invocations of one write each: ${pending.length} tablePut calls were not awaited${line ? ` (line ${line})` : ''}, so each froze with its environment and went on when the environment was next used, on top of that invocation's own write. Await the write.`
                : `The worker asked the table for ${peak} writes in one second, over its ${CAPACITY}/s capacity, from ${invocations} invocations of one write each: more invocations ran in that second than 2 at a time × 200 ms allow.`,
      };
    },
  },
  {
    id: 'no-throttling',
    title: 'No write is throttled',
    hint: 'A write over capacity is rejected (ProvisionedThroughputExceeded). Fewer, bigger writes keep you under the limit.',
    section: 'setting-the-rate-on-the-consumer-side',
    run(r) {
      const overloaded = r.count('overloaded', TABLE);
      const written = r.count('written', TABLE);
      return {
        pass: overloaded === 0 && written > 0,
        expected: '0 throttled writes',
        actual: `${written} writes accepted, ${overloaded} throttled`,
        message:
          overloaded === 0
            ? written > 0
              ? 'Every write fit within capacity.'
              : 'Nothing was written to the table.'
            : `The table throttled ${overloaded} writes (overload: more than ${CAPACITY} in a second). Each throttled write is an order at risk.`,
      };
    },
  },
  {
    id: 'every-order-once',
    title: 'Every order is written exactly once',
    hint: 'An invocation gets a whole batch in event.Records, and returning normally deletes all of it from the queue.',
    section: 'the-exercise',
    run(r) {
      const { sent, missing, twice, items } = orderCoverage(r);
      const q = r.summary.queues.orders;
      const held = q.visible + q.inFlight + q.delayed + r.summary.queues['orders-dlq'].sent;
      const mixed = missing.length || twice.length ? [] : mixedItems(r, items);
      const pass = sent > 0 && missing.length === 0 && twice.length === 0 && mixed.length === 0;
      const problems = [];
      if (missing.length) problems.push(`${missing.length} never written (${some(missing)})`);
      if (twice.length) problems.push(`${twice.length} in more than one item (${some(twice)})`);
      if (mixed.length) problems.push(`${mixed.length} items hold several batches (${mixed[0].key}: ${mixed[0].orders} orders of ${mixed[0].batches} batches)`);
      return {
        pass,
        expected: `each of the ${sent} orders in exactly one item of ${TABLE}`,
        actual: pass ? `all ${sent} orders written once` : `of ${sent} orders: ${problems.join('; ')}`,
        message: pass
          ? 'Every order is in the table, once.'
          : missing.length && held
            ? `${missing.length} of ${sent} orders were never written; ${held} messages are still in the queue or dead-lettered: ${whyMissing(r, missing, items)}.`
            : missing.length
            ? `${missing.length} of ${sent} orders were never written, yet their messages left the queue: ${whyMissing(r, missing, items)}. A batch whose handler returns normally is deleted, so every record of event.Records must be written (and a failed write must fail the invocation, so the batch comes back).`
            : twice.length
              ? `${twice.length} orders were written more than once: a retried batch must not add a second copy.`
              : `The item "${mixed[0].key}" holds ${mixed[0].orders} orders from ${mixed[0].batches} batches, rewritten ${mixed[0].writes} times: each invocation should store its own batch in its own item. A growing item costs more with every write (DynamoDB charges a write unit per KB of item), and two invocations that read it at once each write back their own list, so one batch is lost.`,
      };
    },
  },
  {
    id: 'nothing-lost',
    title: 'Nothing is lost and the queue drains',
    hint: 'Every message must end deleted after being recorded: not dead-lettered, not still waiting at the end of the run.',
    section: 'the-exercise',
    run(r) {
      const q = r.summary.queues.orders;
      const dlq = r.summary.queues['orders-dlq'];
      const waiting = q.visible + q.inFlight + q.delayed;
      const dead = dlq.sent + dlq.visible;
      const pass = r.summary.lost === 0 && waiting === 0 && dead === 0;
      return {
        pass,
        expected: 'lost 0, 0 dead-lettered, the queue empty when the run ends',
        actual: `lost ${r.summary.lost}, ${q.deadLettered} dead-lettered, ${waiting} still in the queue`,
        message: pass
          ? 'The backlog drained: nothing lost.'
          : q.deadLettered
            ? `${q.deadLettered} orders failed 5 times and went to the dead-letter queue: the worker kept failing on them (throttled writes?).`
            : waiting
              ? `${waiting} orders were still in the queue when the run ended: the worker drains too slowly or keeps failing.`
              : `${r.summary.lost} messages were lost.`,
      };
    },
  },
];
