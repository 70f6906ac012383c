// @ts-check
// Checks for "Queues": judged from the card gateway's inbox (every message there is a charge), the
// dead-letter queue and the trace — never from the handler's source.

/** @param {string} body */
function parse(body) {
  try {
    const v = JSON.parse(body);
    return v !== null && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** @param {any} r */
function orders(r) {
  const n = r.summary.traffic.checkout.requests;
  return Array.from({ length: n }, (_, i) => `order-${i + 1}`);
}

/** Charges per order id, from the card gateway's inbox. @param {any} r */
function charges(r) {
  /** @type {Map<string, number>} */
  const byOrder = new Map();
  let unreadable = 0;
  for (const m of r.sim.queues.get('card-gateway').messages()) {
    const c = parse(m.body);
    if (!c || typeof c.orderId !== 'string') unreadable++;
    else byOrder.set(c.orderId, (byOrder.get(c.orderId) ?? 0) + 1);
  }
  return { byOrder, unreadable };
}

/**
 * Ids of the corrupt message and its copies: the poison fault's send, and a producer retry of it
 * (the duplicate fault resends at the same instant). At-least-once copies keep the id.
 * @param {any} r
 */
function poisonIds(r) {
  const fault = r.where('fault', 'charge-card').find((/** @type {any} */ f) => f.detail?.kind === 'poison');
  if (!fault) return [];
  const sent = r.where('sent', 'charge-card');
  const first = sent.find((/** @type {any} */ s) => s.cause === fault.id);
  if (!first) return [];
  // A producer retry is sent right after the original, in the same instant.
  const retry = sent.find((/** @type {any} */ s) => s.seq === first.seq + 1 && typeof s.cause === 'string' && s.cause.startsWith('fault'));
  return retry ? [first.id, retry.id] : [first.id];
}

/** @param {string[]} list */
function some(list, max = 4) {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} … (+${list.length - max})`;
}

/**
 * What the trace shows about the worker's claims in the payments table, for a double-charge message.
 * @param {any} r
 */
function claimNote(r) {
  const writes = r.where('written', 'payments');
  const refused = r.where('failed', 'payments').filter((/** @type {any} */ f) => f.detail?.reason === 'ConditionalCheckFailed').length;
  if (writes.length === 0 && refused === 0) return ' Nothing was written to the payments table: no claim was ever made, so nothing could tell a copy from the first delivery.';
  const conditional = writes.filter((/** @type {any} */ w) => w.detail?.condition !== undefined).length;
  if (conditional === 0) return ` None of the ${writes.length} writes to payments was conditional: a plain put overwrites the claim instead of refusing the second one (use { ifNotExists: true }).`;
  return ` ${conditional} conditional claims were written and ${refused} refused as duplicates: a copy was charged although its claim was refused, or charged before claiming.`;
}

/** Virtual time in seconds, to the millisecond: "12.716 s". @param {number} ms */
function secs(ms) {
  return `${(ms / 1000).toFixed(3)} s`;
}

/**
 * Two invocations that charged one order because they handled it AT THE SAME TIME, from the trace:
 * both read the order's item in payments and found nothing before either one's write landed (each
 * table 'read' / 'written' record carries the request id of the invocation that made the call and
 * happens when the call completes). Returns the first such race in words, or undefined when the
 * double charges were not races (no claim looked at, copies handled one after the other).
 * @param {any} r
 * @param {Array<[string, number]>} doubles order id → charges
 */
function raceNote(r, doubles) {
  /** @type {Map<string, { env: string, messages: string[] }>} */
  const invocations = new Map();
  for (const rec of r.where('invoked', 'payment-worker')) invocations.set(rec.id, { env: String(rec.detail?.env ?? ''), messages: String(rec.cause ?? '').split(',') });
  /** @type {Map<string, string[]>} order → message ids that carried it */
  const messagesOf = new Map();
  for (const m of r.sent('charge-card')) {
    const orderId = /** @type {any} */ (m.value)?.orderId;
    if (typeof orderId === 'string') messagesOf.set(orderId, [...(messagesOf.get(orderId) ?? []), m.id]);
  }
  /** @type {Map<string, any[]>} order → its payments reads and writes, in trace order */
  const access = new Map();
  for (const rec of r.records) {
    if (rec.resource !== 'payments' || (rec.kind !== 'read' && rec.kind !== 'written')) continue;
    access.set(String(rec.id), [...(access.get(String(rec.id)) ?? []), rec]);
  }
  /** @type {Map<string, any[]>} order → its charges */
  const chargesOf = new Map();
  for (const rec of r.where('sent', 'card-gateway')) {
    let orderId;
    try {
      orderId = JSON.parse(String(rec.detail?.body ?? '')).orderId;
    } catch {
      continue;
    }
    chargesOf.set(orderId, [...(chargesOf.get(orderId) ?? []), rec]);
  }
  for (const [orderId] of doubles) {
    const charges = chargesOf.get(orderId) ?? [];
    const chargers = [...new Set(charges.map((c) => c.cause))];
    const records = access.get(orderId) ?? [];
    for (let i = 0; i < chargers.length; i++) {
      for (let j = i + 1; j < chargers.length; j++) {
        const [a, b] = [chargers[i], chargers[j]];
        const readOf = (/** @type {string} */ who) => records.find((x) => x.kind === 'read' && x.cause === who && x.detail?.found === false);
        const writeOf = (/** @type {string} */ who) => records.find((x) => x.kind === 'written' && x.cause === who);
        let [ra, rb] = [readOf(a), readOf(b)];
        if (!ra || !rb) continue;
        let [first, second] = ra.seq < rb.seq ? [a, b] : [b, a];
        if (ra.seq > rb.seq) [ra, rb] = [rb, ra];
        const wa = writeOf(first);
        const wb = writeOf(second);
        // The second read landed before the first write: neither could see the other's claim.
        if (wa && rb.seq > wa.seq) continue;
        const who = (/** @type {string} */ id) => `${id} (${invocations.get(id)?.env ?? '?'})`;
        const msgsA = (invocations.get(first)?.messages ?? []).filter((m) => (messagesOf.get(orderId) ?? []).includes(m));
        const msgsB = (invocations.get(second)?.messages ?? []).filter((m) => (messagesOf.get(orderId) ?? []).includes(m));
        const shared = msgsA.find((m) => msgsB.includes(m));
        const delivered = shared
          ? `both had received message ${shared} — the queue delivered it twice (at least once)`
          : `${first} had received ${msgsA[0] ?? 'a message'} and ${second} ${msgsB[0] ?? 'another'}, two messages for one order (a producer retry)`;
        const chargeAt = (/** @type {string} */ id) => secs(charges.find((c) => c.cause === id).t);
        const landed = wa ? ` and found nothing too, because ${first}'s write landed only at ${secs(wa.t)}` : ' and found nothing too';
        const replaced = wa && wb ? `; ${second}'s write at ${secs(wb.t)} replaced it` : '';
        return ` ${who(first)} and ${who(second)} ${delivered}. ${first} read ${orderId} from payments at ${secs(ra.t)} and found nothing; ${second} read it at ${secs(rb.t)}${landed}${replaced}, and both charged (at ${chargeAt(first)} and ${chargeAt(second)}). Looking first with tableGet and writing afterwards leaves a gap between two calls, and an environment handling a copy falls into it: make the write itself the check — tablePut(…, { ifNotExists: true }) lets exactly one of them claim the order, and the other gets ConditionalCheckFailed.`;
      }
    }
  }
  return undefined;
}

/** Every charge (a message card-gateway accepted) per order id, from the trace. @param {any} r */
function chargeRecords(r) {
  /** @type {Map<string, any[]>} */
  const out = new Map();
  for (const rec of r.where('sent', 'card-gateway')) {
    const orderId = parse(String(rec.detail?.body ?? ''))?.orderId;
    if (typeof orderId === 'string') out.set(orderId, [...(out.get(orderId) ?? []), rec]);
  }
  return out;
}

/**
 * Why an order was charged twice when it was not two environments racing: a charge made although
 * the claim was refused, a charge made before the claim, or claims under keys that are not the order
 * id (each copy claimed a key of its own). Computed from each charging invocation's table writes.
 * @param {any} r @param {Array<[string, number]>} doubles
 */
function chargeNote(r, doubles) {
  /** @type {Map<string, any[]>} invocation → its writes (and refused writes) to payments */
  const claims = new Map();
  for (const rec of r.records) {
    if (rec.resource !== 'payments' || (rec.kind !== 'written' && rec.kind !== 'failed') || rec.cause === undefined) continue;
    claims.set(rec.cause, [...(claims.get(rec.cause) ?? []), rec]);
  }
  const chargesOf = chargeRecords(r);
  for (const [orderId] of doubles) {
    const charges = chargesOf.get(orderId) ?? [];
    const owner = r.where('written', 'payments').find((/** @type {any} */ w) => String(w.id) === orderId);
    const owned = owner ? `${owner.cause} had claimed it at ${secs(owner.t)}` : 'it was claimed already';
    for (const inv of [...new Set(charges.map((c) => c.cause))]) {
      // This invocation's claims of the order and its charges of it, in the order they landed.
      const ops = [...(claims.get(inv) ?? []).filter((x) => String(x.id) === orderId), ...charges.filter((c) => c.cause === inv)].sort((x, y) => x.seq - y.seq);
      const k = ops.findIndex((x) => x.kind === 'failed' && x.detail?.reason === 'ConditionalCheckFailed');
      if (k < 0) continue;
      const refused = ops[k];
      const by = owner && owner.cause === inv ? `${inv} itself had claimed it at ${secs(owner.t)}, for another message of its batch` : owned;
      const after = ops[k + 1]?.kind === 'sent' ? ops[k + 1] : undefined;
      const before = ops[k - 1]?.kind === 'sent' ? ops[k - 1] : undefined;
      if (after) return ` ${inv}'s claim of ${orderId} was refused at ${secs(refused.t)} (ConditionalCheckFailed: ${by}), and it charged at ${secs(after.t)} anyway: a refused claim means "already done" — skip the charge.`;
      if (before) return ` ${inv} charged ${orderId} at ${secs(before.t)} and only then tried to claim it, at ${secs(refused.t)} — refused, ${by}. Claim first, and charge only when the claim succeeded.`;
    }
    // Each charge after a successful claim of its own, under a key that is not the order id.
    const keys = charges.map((c) => [...(claims.get(c.cause) ?? [])].reverse().find((x) => x.kind === 'written' && x.seq < c.seq)?.id);
    if (charges.length > 1 && keys.every((k) => k !== undefined) && new Set(keys).size === keys.length && !keys.includes(orderId))
      return ` Each of its ${charges.length} charges (${new Set(charges.map((c) => c.cause)).size === 1 ? `both by ${charges[0].cause}, for two messages of its batch` : charges.map((c) => c.cause).join(', ')}) followed a successful claim of its own, under ${keys.map((k) => `"${k}"`).join(' and ')}, not under "${orderId}": two messages carried this order (a producer retry has a new message id), so their claims never met. Claim the business key, the orderId.`;
  }
  return undefined;
}

/**
 * What the worker answered for healthy messages that ended in the dead-letter queue: how often each
 * was listed in batchItemFailures, and whether its order had been charged meanwhile.
 * @param {any} r @param {any[]} healthyInDlq
 */
function reportedNote(r, healthyInDlq) {
  /** @type {Map<string, string[]>} message id → invocations that reported it failed */
  const reportedBy = new Map();
  for (const inv of r.invocations('payment-worker')) {
    const list = /** @type {any} */ (inv.returned)?.batchItemFailures;
    if (inv.outcome !== 'succeeded' || inv.rejected || !Array.isArray(list)) continue;
    for (const f of list) {
      const id = String(f?.itemIdentifier);
      reportedBy.set(id, [...(reportedBy.get(id) ?? []), inv.id]);
    }
  }
  const reported = healthyInDlq.filter((m) => reportedBy.has(m.messageId));
  if (!reported.length) return undefined;
  const m = reported[0];
  const orderId = parse(m.body)?.orderId;
  const charged = chargeRecords(r).get(orderId) ?? [];
  return `Healthy orders ended in the dead-letter queue next to the poison message: the worker itself listed ${reported.length} of them in batchItemFailures — e.g. ${m.messageId} (${orderId}) was reported failed by ${some(reportedBy.get(m.messageId) ?? [], 3)}, and each reported message returns to the queue until its 5th receive moves it aside${charged.length ? `; yet ${orderId} had been charged (by ${charged[0].cause} at ${secs(charged[0].t)}): a copy of a done order is done, not failed` : ''}. Report only the messages that could not be processed.`;
}

/**
 * Why the platform failed whole batches although the worker returned normally, from the trace.
 * @param {any} r
 */
function rejectedAnswers(r) {
  return r.invocations('payment-worker').filter((/** @type {any} */ i) => i.rejected);
}

module.exports = [
  {
    id: 'charged-exactly-once',
    title: 'No order is charged twice, although the queue delivers duplicates',
    hint: 'Two copies of one order can arrive with different message ids, on different execution environments. What could remember "this order is already charged" for all of them?',
    section: 'at-least-once',
    /** @param {any} r */
    run(r) {
      const { byOrder } = charges(r);
      const doubles = [...byOrder].filter(([, n]) => n > 1);
      const extra = doubles.reduce((s, [, n]) => s + n - 1, 0);
      const copies = r.summary.queues['charge-card'].duplicates;
      const retries = r.where('sent', 'charge-card').filter((/** @type {any} */ s) => s.cause?.startsWith('fault')).length - poisonIds(r).length;
      const total = [...byOrder.values()].reduce((s, n) => s + n, 0);
      const race = doubles.length ? raceNote(r, doubles) : undefined;
      return {
        pass: doubles.length === 0 && total > 0,
        expected: 'every order charged at most once (0 double charges)',
        actual:
          total === 0
            ? 'no charge reached the card gateway at all'
            : `${total} charges for ${byOrder.size} orders: ${doubles.length} ${doubles.length === 1 ? 'order' : 'orders'} charged more than once (${extra} extra ${extra === 1 ? 'charge' : 'charges'}${doubles.length ? `: ${some(doubles.map(([id, n]) => `${id} ×${n}`))}` : ''}); the run had ${copies} at-least-once copies and ${retries} producer retries`,
        message:
          total === 0
            ? 'Nothing was charged: the worker must send one message per order to card-gateway.'
            : doubles.length === 0
              ? 'No order was charged twice.'
              : `Customers were charged twice (e.g. ${doubles[0][0]} ×${doubles[0][1]}): ${race ? `two environments handled one ChargeCard at the same time.${race}` : `a redelivered ChargeCard (same order, maybe a new message id) was processed again. The consumer must be idempotent.${chargeNote(r, doubles) ?? claimNote(r)}`}`,
      };
    },
  },
  {
    id: 'every-order-charged',
    title: 'Every healthy order is charged; only the poison message ends in the dead-letter queue',
    hint: 'When one message of a batch is bad, what happens to the nine good ones if the whole invocation fails? The mapping lets you tell it which items failed.',
    section: 'poison-messages-and-the-dead-letter-queue',
    /** @param {any} r */
    run(r) {
      const all = orders(r);
      const { byOrder } = charges(r);
      const missing = all.filter((id) => !byOrder.has(id));
      const dlq = r.sim.queues.get('charge-card-dlq').messages();
      const healthyInDlq = dlq.filter((/** @type {any} */ m) => typeof parse(m.body)?.orderId === 'string');
      const lost = r.summary.lost;
      const pass = all.length > 0 && missing.length === 0 && healthyInDlq.length === 0 && lost === 0;
      const dlqOrders = healthyInDlq.map((/** @type {any} */ m) => parse(m.body)?.orderId ?? m.messageId);
      let message = 'Every order must be charged, and no healthy order may end in the dead-letter queue.';
      const rejected = rejectedAnswers(r);
      if (healthyInDlq.length > 0 && rejected.length > 0) {
        message = `Healthy orders ended in the dead-letter queue next to the poison message: Lambda could not read the worker's answer ${rejected.length} times — ${rejected[0].rejected} (it returned ${JSON.stringify(rejected[0].returned).slice(0, 100)}) — and an unreadable batchItemFailures fails the WHOLE batch. Return { batchItemFailures: [{ itemIdentifier: record.messageId }] }.`;
      } else if (healthyInDlq.length > 0) {
        const failed = r.invocations('payment-worker').filter((/** @type {any} */ i) => i.outcome === 'failed' || i.outcome === 'timed-out');
        message =
          reportedNote(r, healthyInDlq) ??
          `Healthy orders ended in the dead-letter queue next to the poison message: their batch failed as a whole every time${failed.length ? ` (${failed.length} invocations ${failed[0].outcome === 'timed-out' ? 'timed out' : `threw, e.g. ${failed[0].id}: ${String(failed[0].error).slice(0, 120)}`})` : ''}, so they were received 5 times and redriven with it. Report only the bad message as a batch item failure.`;
      } else if (missing.length > 0) {
        const u = r.unawaited('payment-worker', { target: 'card-gateway' });
        message = u.neverDone
          ? `Some orders were never charged (${some(missing, 3)}), and they are not in the dead-letter queue either: ${u.count} charges (sends to card-gateway) were not awaited${u.line ? ` (line ${u.line})` : ''} and still in flight when the worker returned. Lambda then deleted the batch and froze the environment with the charge in it: it went on only while a later invocation kept that environment busy, and ${u.neverDone} never happened. Await the send before you return.`
          : `Some orders were never charged (${some(missing, 3)}), and they are not in the dead-letter queue either: their messages were deleted without a charge. A message that was not processed must stay on the queue (report it in batchItemFailures) until it is.`;
      } else if (lost > 0) message = `The run lost ${lost} message(s): ${r.summary.lostDetails.map((/** @type {any} */ d) => `${d.resource}: ${d.reason}`).join('; ')}.`;
      else if (pass) message = 'Every order was charged, and only the poison message is in the dead-letter queue.';
      return {
        pass,
        expected: `all ${all.length} orders charged; the dead-letter queue holds only the poison message; 0 messages lost`,
        actual: `${all.length - missing.length} of ${all.length} orders charged${missing.length ? ` (never charged: ${some(missing)})` : ''}; ${healthyInDlq.length} healthy orders in the dead-letter queue${dlqOrders.length ? ` (${some(dlqOrders)})` : ''}; ${lost} lost`,
        message,
      };
    },
  },
  {
    id: 'poison-to-dlq',
    title: 'The corrupt message is retried, then moved to the dead-letter queue',
    hint: 'A message the worker cannot handle should fail (not vanish): after maxReceiveCount receives the queue moves it aside for a person to inspect.',
    section: 'poison-messages-and-the-dead-letter-queue',
    /** @param {any} r */
    run(r) {
      const ids = poisonIds(r);
      if (ids.length === 0) return { pass: false, expected: 'the poison message in charge-card-dlq', actual: 'the poison message was never sent (check error)', message: 'check error: no poison message in this run' };
      const mine = (/** @type {any} */ x) => ids.includes(x.id);
      const received = r.where('received', 'charge-card').filter(mine).length;
      const deleted = r.where('deleted', 'charge-card').filter(mine).length;
      const movedIds = new Set(r.where('dead-lettered', 'charge-card').filter(mine).map((/** @type {any} */ x) => x.id));
      const moved = ids.every((id) => movedIds.has(id)) && deleted === 0;
      const inDlq = r.sim.queues.get('charge-card-dlq').messages().some((/** @type {any} */ m) => ids.includes(m.messageId));
      const copies = ids.length > 1 ? ` (${ids.length} copies: a producer retry sent it twice)` : '';
      const charged = charges(r).unreadable;
      let actual;
      let message = 'The corrupt message must end in the dead-letter queue.';
      if (moved && inDlq) actual = `received ${received} times${copies}, then moved to charge-card-dlq`;
      else if (deleted) {
        actual = `received ${received} time(s)${copies}, then DELETED by the worker: it is gone, nobody will ever see it`;
        message = 'The worker acknowledged a message it could not process, so it silently disappeared. Let it fail instead, so the redrive policy moves it to the dead-letter queue.';
      } else {
        actual = `received ${received} times and still on the queue at the end of the run`;
        message = 'The corrupt message never reached the dead-letter queue.';
      }
      if (charged > 0) actual += `; ${charged} unreadable charge(s) reached the card gateway`;
      return {
        pass: moved && inDlq && charged === 0,
        expected: 'the corrupt message received 5 times (maxReceiveCount), then moved to charge-card-dlq; nothing unreadable charged',
        actual,
        message,
      };
    },
  },
];
