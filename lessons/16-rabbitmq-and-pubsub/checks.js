// @ts-check
// Checks for "RabbitMQ and Pub/Sub": what came in (the traffic), what the exchange routed (its
// trace), what each queue received, what billing-parked holds, and the order in which the ledger
// applied each customer's entries (its successful invocations, each caused by a Pub/Sub message).

/** @param {string[]} list */
function some(list, max = 4) {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} … (+${list.length - max})`;
}

/** The orders that came in, by id (order-N and bad-N, from the two traffic generators). @param {any} r */
function incoming(r) {
  return [...r.where('request', 'checkout').map((/** @type {any} */ q) => `order-${q.detail?.seq}`), ...r.where('request', 'broken-checkout').map((/** @type {any} */ q) => `bad-${q.detail?.seq}`)];
}

/** Every order body seen anywhere (exchange publishes and queue sends), by id. @param {any} r */
function bodies(r) {
  /** @type {Map<string, any>} */
  const out = new Map();
  for (const m of [...r.published('orders'), ...r.sent('billing'), ...r.sent('eu-warehouse')]) {
    const o = m.value;
    if (o && typeof o.orderId === 'string' && !out.has(o.orderId)) out.set(o.orderId, o);
  }
  return out;
}

const good = (/** @type {any} */ o) => typeof o.amount === 'number' && o.amount > 0;

/** @param {any} r @param {string} queue */
function received(r, queue) {
  return new Set(r.sent(queue).map((/** @type {any} */ m) => m.value?.orderId).filter((/** @type {unknown} */ id) => typeof id === 'string'));
}

module.exports = [
  {
    id: 'publishes-every-order',
    title: 'The order service publishes every order once, to the orders exchange',
    hint: 'A RabbitMQ producer publishes to an exchange and lets the bindings choose the queues; it does not send to the queues itself.',
    section: 'exchanges-and-routing-keys',
    /** @param {any} r */
    run(r) {
      const ids = incoming(r);
      /** @type {Map<string, number>} */
      const count = new Map();
      for (const p of r.published('orders')) {
        const id = p.value?.orderId;
        if (typeof id === 'string') count.set(id, (count.get(id) ?? 0) + 1);
      }
      const missing = ids.filter((id) => !count.has(id));
      const twice = ids.filter((id) => (count.get(id) ?? 0) > 1);
      const direct = r.where('sent', 'billing').filter((/** @type {any} */ s) => s.detail?.exchange === '').length + r.where('sent', 'eu-warehouse').filter((/** @type {any} */ s) => s.detail?.exchange === '').length;
      const failed = r.where('failed', 'order-service');
      const pass = ids.length > 0 && missing.length === 0 && twice.length === 0;
      return {
        pass,
        expected: `${ids.length} orders published to the orders exchange, one publish each`,
        actual: `${ids.length - missing.length} of ${ids.length} published to orders${missing.length ? ` (never: ${some(missing)})` : ''}${twice.length ? `; ${twice.length} more than once` : ''}${direct ? `; ${direct} messages sent straight to a queue through the default exchange` : ''}${failed.length ? `; order-service failed ${failed.length} times (first: ${String(failed[0].detail?.error)})` : ''}`,
        message: pass
          ? 'Every order was published once; the bindings choose the queues.'
          : direct
            ? `${missing.length} orders were never published to the orders exchange: they were sent straight to queues, so the publisher decides who gets what and a new consumer means changing it. Publish to the exchange with a routing key.`
            : `${missing.length} orders were never published to the orders exchange.`,
      };
    },
  },
  {
    id: 'routes-by-key',
    title: 'billing gets exactly the new orders, eu-warehouse exactly the EU orders',
    hint: 'The bindings are order.*.created and order.eu.#: what routing key does an EU order that was created need so that both match?',
    section: 'exchanges-and-routing-keys',
    /** @param {any} r */
    run(r) {
      const orders = [...bodies(r).values()];
      const wantBilling = orders.filter((o) => o.type === 'created').map((o) => o.orderId);
      const wantEu = orders.filter((o) => o.region === 'eu').map((o) => o.orderId);
      const billing = received(r, 'billing');
      const eu = received(r, 'eu-warehouse');
      const diff = (/** @type {string[]} */ want, /** @type {Set<string>} */ got) => ({ missed: want.filter((id) => !got.has(id)), extra: [...got].filter((id) => !want.includes(id)) });
      const b = diff(wantBilling, billing);
      const e = diff(wantEu, eu);
      const keys = [...new Set(r.where('published', 'orders').map((/** @type {any} */ p) => String(p.detail?.routingKey ?? '')))];
      const unroutable = r.count('dropped', 'orders');
      const pass = orders.length > 0 && wantBilling.length > 0 && wantEu.length > 0 && !b.missed.length && !b.extra.length && !e.missed.length && !e.extra.length;
      let message = 'Each queue got exactly what its binding asked for.';
      if (!pass) {
        message = unroutable
          ? `${unroutable} published orders matched no binding and were dropped (routing keys used: ${some(keys.map((k) => JSON.stringify(k)))}). A topic binding matches word by word: order.*.created needs exactly three words, such as order.eu.created — order.created has two.`
          : 'The queues did not get what their bindings ask for: the routing key must say the region and the type, as order.<region>.<type>.';
      }
      return {
        pass,
        expected: `billing: the ${wantBilling.length} new orders; eu-warehouse: the ${wantEu.length} EU orders`,
        actual: `billing got ${billing.size}${b.missed.length ? ` (missed ${some(b.missed)})` : ''}${b.extra.length ? ` (+${b.extra.length} not new: ${some(b.extra)})` : ''}; eu-warehouse got ${eu.size}${e.missed.length ? ` (missed ${some(e.missed)})` : ''}${e.extra.length ? ` (+${e.extra.length} not EU)` : ''}; ${unroutable} unroutable; routing keys: ${some(keys.map((k) => JSON.stringify(k)), 3)}`,
        message,
      };
    },
  },
  {
    id: 'malformed-parked',
    title: 'Every broken order ends up in billing-parked, never charged',
    hint: 'Returning from a RabbitMQ consumer acks the delivery. How does your handler tell the broker it failed, so that the quorum queue can count it?',
    section: 'acks-requeue-and-dead-letters',
    /** @param {any} r */
    run(r) {
      const broken = [...bodies(r).values()].filter((o) => o.type === 'created' && !good(o)).map((o) => o.orderId);
      const parked = new Set(r.sim.systems.rabbit.queueView('billing-parked').messages.map((/** @type {any} */ m) => {
        try {
          return JSON.parse(m.body).orderId;
        } catch {
          return undefined;
        }
      }));
      const charged = new Set(r.table('charges').map((/** @type {any} */ c) => c.orderId));
      const notParked = broken.filter((id) => !parked.has(id));
      const chargedBroken = broken.filter((id) => charged.has(id));
      const acks = r.where('deleted', 'billing').map((/** @type {any} */ d) => d.id);
      const sentIds = new Map(r.where('sent', 'billing').map((/** @type {any} */ s) => [s.id, (() => { try { return JSON.parse(String(s.detail?.body ?? '')).orderId; } catch { return undefined; } })()]));
      const ackedBroken = [...new Set(acks.map((/** @type {string} */ id) => sentIds.get(id)).filter((/** @type {string} */ id) => broken.includes(id)))];
      const limit = r.where('dead-lettered', 'billing').filter((/** @type {any} */ d) => d.cause === 'delivery_limit').length;
      const pass = broken.length > 0 && notParked.length === 0 && chargedBroken.length === 0;
      let message = 'The quorum queue counted each failed delivery and parked the broken orders after its delivery limit.';
      if (!pass) {
        if (ackedBroken.length) message = `${ackedBroken.length} broken orders (${some(ackedBroken)}) were acked: your handler returned, which tells RabbitMQ the message was processed, so it is gone and nobody will ever look at it. Throw instead: the delivery is rejected, and after its delivery limit the quorum queue dead-letters it to billing-parked.`;
        else if (chargedBroken.length) message = `${chargedBroken.length} broken orders were charged (${some(chargedBroken)}).`;
        else message = `${notParked.length} broken orders are not in billing-parked.`;
      }
      return {
        pass,
        expected: `the ${broken.length} broken orders in billing-parked (dead-lettered after 3 failed deliveries), none charged`,
        actual: `${broken.length - notParked.length} of ${broken.length} parked (${limit} dead-lettered for their delivery limit)${ackedBroken.length ? `; ${ackedBroken.length} acked` : ''}${chargedBroken.length ? `; ${chargedBroken.length} charged` : ''}`,
        message,
      };
    },
  },
  {
    id: 'ledger-in-order',
    title: "Each customer's ledger entries are applied once each, in the order they were published",
    hint: 'The subscription is ordered, but only messages that share an ordering key are kept in order. What must stay in order here?',
    section: 'ordering-keys-and-what-a-failure-does',
    /** @param {any} r */
    run(r) {
      const wanted = [...bodies(r).values()].filter((o) => o.type === 'created' && good(o)).map((o) => o.orderId);
      const charged = new Set(r.table('charges').map((/** @type {any} */ c) => c.orderId));
      const published = r.published('customer-ledger');
      /** @type {Map<string, any>} */
      const byMessage = new Map(published.map((/** @type {any} */ p) => [p.id, p.value]));
      /** @type {Map<string, string[]>} */
      const publishOrder = new Map();
      for (const p of published) {
        const e = p.value;
        if (!e || typeof e.customer !== 'string') continue;
        publishOrder.set(e.customer, [...(publishOrder.get(e.customer) ?? []), e.orderId]);
      }
      // The ledger's successful invocations, in the order they finished, each with the entry it applied.
      /** @type {Map<string, string[]>} */
      const applied = new Map();
      /** @type {Map<string, number>} */
      const times = new Map();
      for (const inv of r.invocations('ledger').filter((/** @type {any} */ i) => i.outcome === 'succeeded').sort((/** @type {any} */ a, /** @type {any} */ b) => a.end - b.end)) {
        const e = byMessage.get(inv.cause);
        if (!e || typeof e.customer !== 'string') continue;
        times.set(e.orderId, (times.get(e.orderId) ?? 0) + 1);
        applied.set(e.customer, [...(applied.get(e.customer) ?? []), e.orderId]);
      }
      const unCharged = wanted.filter((id) => !charged.has(id));
      const missing = wanted.filter((id) => !times.has(id));
      const twice = [...times].filter(([, n]) => n > 1).map(([id]) => id);
      /** @type {string[]} */
      const disorder = [];
      for (const [customer, order] of publishOrder) {
        const got = (applied.get(customer) ?? []).filter((id, i, all) => all.indexOf(id) === i);
        const expected = order.filter((id) => got.includes(id));
        const at = got.findIndex((id, i) => id !== expected[i]);
        if (at >= 0) disorder.push(`${customer}: ${got[at]} applied before ${expected[at]}`);
      }
      const keys = new Set(r.where('published', 'customer-ledger').map((/** @type {any} */ p) => p.detail?.orderingKey ?? '(none)'));
      const retries = r.count('visibility-expired', 'ledger-push');
      const pass = wanted.length > 0 && !unCharged.length && !missing.length && !twice.length && !disorder.length;
      let message = 'Each customer\'s entries reached the ledger in publish order: a failed entry held its customer\'s later entries back until its retry succeeded.';
      if (!pass) {
        if (disorder.length) message = `Entries were applied out of order (${some(disorder, 2)}): ${retries} ledger deliveries failed and were retried after a backoff, and without an ordering key the entries published meanwhile overtook them. Publish with the customer as ordering key (ordering keys used: ${some([...keys].map(String), 3)}).`;
        else if (unCharged.length) message = `${unCharged.length} good new orders were never charged (${some(unCharged)}).`;
        else if (missing.length) message = `${missing.length} charged orders never reached the ledger (${some(missing)}).`;
        else message = `${twice.length} entries were applied more than once (${some(twice)}).`;
      }
      return {
        pass,
        expected: `the ${wanted.length} good new orders charged and applied once each, every customer's entries in publish order`,
        actual: `${wanted.length - unCharged.length} charged; ${times.size} ledger entries applied (${retries} deliveries retried)${missing.length ? `, ${missing.length} missing` : ''}${twice.length ? `, ${twice.length} twice` : ''}${disorder.length ? `; out of order: ${some(disorder, 2)}` : ''}`,
        message,
      };
    },
  },
];
