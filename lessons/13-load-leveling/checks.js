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
  const times = r.records.filter((/** @type {any} */ x) => x.resource === TABLE && (x.kind === 'written' || x.kind === 'overloaded')).map((/** @type {any} */ x) => x.t);
  let peak = 0;
  let at = 0;
  let lo = 0;
  for (let hi = 0; hi < times.length; hi++) {
    while (times[lo] <= times[hi] - 1000) lo++;
    if (hi - lo + 1 > peak) {
      peak = hi - lo + 1;
      at = times[hi];
    }
  }
  return { peak, at };
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
    for (const id of ids) seen.set(id, (seen.get(id) ?? 0) + 1);
  }
  const missing = [];
  const twice = [];
  for (let i = 1; i <= sent; i++) {
    const n = seen.get(`order-${i}`) ?? 0;
    if (n === 0) missing.push(`order-${i}`);
    else if (n > 1) twice.push(`order-${i}`);
  }
  return { sent, missing, twice };
}

/** @param {string[]} ids */
const some = (ids) => ids.slice(0, 3).join(', ') + (ids.length > 3 ? ', …' : '');

module.exports = [
  {
    id: 'peak-writes',
    title: `The table is asked for at most ${CAPACITY} writes per second`,
    hint: 'Count the writes: at most 2 invocations run at once and each lasts 200 ms. How many table writes can one invocation make?',
    section: 'setting-the-rate-on-the-consumer-side',
    run(r) {
      const { peak, at } = peakDemand(r);
      const pass = peak > 0 && peak <= CAPACITY;
      return {
        pass,
        expected: `≤ ${CAPACITY} write requests in any second (the provisioned capacity)`,
        actual: peak === 0 ? 'no write reached the table' : `peaked at ${peak} write requests in the second before ${secs(at)}`,
        message: pass
          ? 'The queue absorbed the spike; the table saw a steady trickle.'
          : peak === 0
            ? 'Nothing was written to the table: the worker must record the orders it receives.'
            : `The worker asked the table for ${peak} writes in one second, over its ${CAPACITY}/s capacity: up to 10 invocations run per second, so more than one write per invocation passes the spike straight through to the database.`,
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
      const { sent, missing, twice } = orderCoverage(r);
      const q = r.summary.queues.orders;
      const held = q.visible + q.inFlight + q.delayed + r.summary.queues['orders-dlq'].sent;
      const pass = sent > 0 && missing.length === 0 && twice.length === 0;
      const problems = [];
      if (missing.length) problems.push(`${missing.length} never written (${some(missing)})`);
      if (twice.length) problems.push(`${twice.length} in more than one item (${some(twice)})`);
      return {
        pass,
        expected: `each of the ${sent} orders in exactly one item of ${TABLE}`,
        actual: pass ? `all ${sent} orders written once` : `of ${sent} orders: ${problems.join('; ')}`,
        message: pass
          ? 'Every order is in the table, once.'
          : missing.length && held
            ? `${missing.length} of ${sent} orders were never written; ${held} messages are still in the queue or dead-lettered: the worker keeps failing those batches (a throttled write throws).`
            : missing.length
            ? `${missing.length} of ${sent} orders were never written, yet their messages left the queue: a batch whose handler returns normally is deleted, so every record of event.Records must be written (and a failed write must fail the invocation, so the batch comes back).`
            : `${twice.length} orders were written more than once: a retried batch must not add a second copy.`,
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
