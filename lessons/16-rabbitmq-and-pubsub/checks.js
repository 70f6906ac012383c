// @ts-check
// Checks for "RabbitMQ and Pub/Sub": what came in (the traffic), what the exchange routed (its
// trace), what each queue received, what billing-parked holds, and the order in which the ledger
// applied each customer's entries (its successful invocations, each caused by a Pub/Sub message).

/** @param {string[]} list */
function some(list, max = 4) {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} … (+${list.length - max})`;
}

/**
 * The orders that came in (the requests' own payloads) and where each went, from the trace alone,
 * whatever the handlers put in their message bodies: request → order-service invocation → exchange
 * publish (its message keeps its id through the queues and the dead-letter exchange) → biller
 * invocation → Pub/Sub publish → ledger invocation.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function flow(r) {
  /** @type {Map<string, any>} request id → the order */
  const byRequest = new Map();
  for (const g of ['checkout', 'broken-checkout']) for (const x of r.requests(g)) byRequest.set(x.id, x.payload);
  const all = [...byRequest.values()];
  const byId = new Map(all.map((o) => [String(o.orderId), o]));
  /** @type {Map<string, any>} order-service invocation → its order */
  const ofPublisher = new Map();
  for (const inv of r.invocations('order-service')) if (inv.cause !== undefined && byRequest.has(inv.cause)) ofPublisher.set(inv.id, byRequest.get(inv.cause));
  /** @type {Map<string, any>} message id → its order */
  const ofMessage = new Map();
  for (const p of r.where('published', 'orders')) {
    const o = ofPublisher.get(String(p.cause));
    if (o) ofMessage.set(String(p.id), o);
  }
  /** A message a queue accepted → its order (by id, by the invocation that sent it, or by its body). @param {any} m */
  const orderOf = (m) => {
    const o = ofMessage.get(String(m.id)) ?? ofPublisher.get(String(m.cause));
    if (o) return o;
    try {
      return byId.get(String(JSON.parse(String(m.detail?.body ?? m.body)).orderId));
    } catch {
      return undefined;
    }
  };
  /** @type {Map<string, any>} biller invocation → its order */
  const ofBiller = new Map();
  for (const inv of r.invocations('biller')) {
    const o = ofMessage.get(String(inv.cause));
    if (o) ofBiller.set(inv.id, o);
  }
  /** @type {Map<string, any>} Pub/Sub message → the order of the biller invocation that published it */
  const ofEntry = new Map();
  for (const p of r.where('published', 'customer-ledger')) {
    let o = ofBiller.get(String(p.cause));
    if (!o) {
      try {
        o = byId.get(String(JSON.parse(String(p.detail?.body)).orderId));
      } catch {
        o = undefined;
      }
    }
    if (o) ofEntry.set(String(p.id), o);
  }
  return { all, byId, ofPublisher, ofMessage, orderOf, ofBiller, ofEntry };
}

const good = (/** @type {any} */ o) => typeof o.amount === 'number' && o.amount > 0;

/**
 * The orders a queue received (ids).
 * @param {any} r
 * @param {ReturnType<typeof flow>} f
 * @param {string} queue
 */
function received(r, f, queue) {
  return new Set(r.where('sent', queue).map((/** @type {any} */ m) => f.orderOf(m)?.orderId).filter((/** @type {unknown} */ id) => typeof id === 'string'));
}

/**
 * " — they never reached billing (…)" when orders are missing downstream because billing never got them.
 * @param {any} r
 * @param {ReturnType<typeof flow>} f
 * @param {string[]} ids
 */
function neverBilled(r, f, ids) {
  const billing = received(r, f, 'billing');
  const never = ids.filter((id) => !billing.has(id));
  if (!never.length) return '';
  return ` ${never.length === ids.length ? 'None of them' : `${never.length} of them`} ever reached the billing queue (see publishes-every-order and routes-by-key).`;
}

module.exports = [
  {
    id: 'publishes-every-order',
    title: 'The order service publishes every order once, to the orders exchange',
    hint: 'A RabbitMQ producer publishes to an exchange and lets the bindings choose the queues; it does not send to the queues itself.',
    section: 'exchanges-and-routing-keys',
    /** @param {any} r */
    run(r) {
      const f = flow(r);
      const ids = f.all.map((o) => String(o.orderId));
      /** @type {Map<string, string[]>} order → the routing keys of its publishes */
      const keysOf = new Map();
      for (const p of r.where('published', 'orders')) {
        const o = f.ofMessage.get(String(p.id));
        if (o) keysOf.set(o.orderId, [...(keysOf.get(o.orderId) ?? []), String(p.detail?.routingKey ?? '')]);
      }
      const missing = ids.filter((id) => !keysOf.has(id));
      const twice = ids.filter((id) => (keysOf.get(id)?.length ?? 0) > 1);
      const direct = r.where('sent', 'billing').filter((/** @type {any} */ s) => s.detail?.exchange === '').length + r.where('sent', 'eu-warehouse').filter((/** @type {any} */ s) => s.detail?.exchange === '').length;
      const failed = r.where('failed', 'order-service');
      const pass = ids.length > 0 && missing.length === 0 && twice.length === 0;
      const parts = [];
      if (direct) parts.push(`${missing.length} orders were never published to the orders exchange: they were sent straight to queues, so the publisher decides who gets what and a new consumer means changing it. Publish to the exchange with a routing key.`);
      else if (missing.length) {
        const skipped = missing.map((id) => f.byId.get(id)).filter(Boolean);
        const kinds = [...new Set(skipped.map((o) => `${o.region} ${o.type}`))];
        const u = r.unawaited('order-service', { target: 'orders' });
        const why = failed.length
          ? `: order-service failed ${failed.length} times (first: ${String(failed[0].detail?.error)})`
          : u.neverDone
            ? `: ${u.count} publish calls were not awaited${u.line ? ` (line ${u.line})` : ''}, so each froze with its environment when the handler returned and went on only when the environment was used again; ${u.neverDone} never happened. Await the publish`
            : ': the publisher chose not to publish them. Publish every order: the bindings, not the publisher, decide who gets it (an order no binding wants is dropped by the exchange)';
        parts.push(`${missing.length} orders were never published to the orders exchange (${some(missing)}; ${some(kinds, 3)} orders)${why}.`);
      }
      if (twice.length) parts.push(`${twice.length} orders were published more than once (e.g. ${twice[0]} with routing keys ${/** @type {string[]} */ (keysOf.get(twice[0])).map((k) => JSON.stringify(k)).join(' and ')}): one publish whose key says the region and the type matches every binding that wants it, and each queue gets its copy.`);
      return {
        pass,
        expected: `${ids.length} orders published to the orders exchange, one publish each`,
        actual: `${ids.length - missing.length} of ${ids.length} published to orders${missing.length ? ` (never: ${some(missing)})` : ''}${twice.length ? `; ${twice.length} more than once` : ''}${direct ? `; ${direct} messages sent straight to a queue through the default exchange` : ''}${failed.length ? `; order-service failed ${failed.length} times (first: ${String(failed[0].detail?.error)})` : ''}`,
        message: pass ? 'Every order was published once; the bindings choose the queues.' : parts.join(' '),
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
      const f = flow(r);
      // The orders that left the order service (published, or sent to a queue): what the bindings should route.
      const left = new Set([...f.ofMessage.values()].map((o) => o.orderId));
      for (const q of ['billing', 'eu-warehouse']) for (const id of received(r, f, q)) left.add(id);
      const orders = f.all.filter((o) => left.has(o.orderId));
      const wantBilling = orders.filter((o) => o.type === 'created').map((o) => o.orderId);
      const wantEu = orders.filter((o) => o.region === 'eu').map((o) => o.orderId);
      const billing = received(r, f, 'billing');
      const eu = received(r, f, 'eu-warehouse');
      const diff = (/** @type {string[]} */ want, /** @type {Set<string>} */ got) => ({ missed: want.filter((id) => !got.has(id)), extra: [...got].filter((id) => !want.includes(id)) });
      const b = diff(wantBilling, billing);
      const e = diff(wantEu, eu);
      const keys = [...new Set(r.where('published', 'orders').map((/** @type {any} */ p) => String(p.detail?.routingKey ?? '')))];
      // Dropped publishes of orders some binding should have had (an order nobody wants is dropped by design).
      const wanted = new Set([...wantBilling, ...wantEu]);
      const dropped = r.where('dropped', 'orders').filter((/** @type {any} */ d) => wanted.has(f.ofMessage.get(String(d.id))?.orderId));
      const pass = orders.length > 0 && wantBilling.length > 0 && wantEu.length > 0 && !b.missed.length && !b.extra.length && !e.missed.length && !e.extra.length;
      let message = 'Each queue got exactly what its binding asked for.';
      if (!pass) {
        const keyOf = (/** @type {string} */ id) => String(r.where('published', 'orders').find((/** @type {any} */ p) => f.ofMessage.get(String(p.id))?.orderId === id)?.detail?.routingKey ?? '');
        /** @type {Map<string, string[]>} order → what went wrong with it */
        const wrongWith = new Map();
        const add = (/** @type {string | undefined} */ id, /** @type {string} */ what) => {
          if (id !== undefined) wrongWith.set(id, [...(wrongWith.get(id) ?? []), what]);
        };
        add(b.missed[0], 'billing (order.*.created) did not get it');
        add(e.missed[0], 'eu-warehouse (order.eu.#) did not get it');
        add(b.extra[0], 'billing got it, though it is not a new order');
        add(e.extra[0], 'eu-warehouse got it, though it is not an EU order');
        const cases = [...wrongWith].map(([id, what]) => {
          const o = f.byId.get(id);
          return `${id} (${o.region}, ${o.type}) was published with routing key ${JSON.stringify(keyOf(id))}: ${what.join(', and ')}`;
        });
        message = `${cases.join('; ')}.${dropped.length ? ` ${dropped.length} publishes that a binding should have matched were dropped as unroutable (routing keys used: ${some(keys.map((k) => JSON.stringify(k)))}).` : ''} A topic binding matches word by word: order.*.created needs exactly three words with "created" last, such as order.eu.created; order.eu.# needs "eu" second. The key must say the region and the type, as order.<region>.<type>.`;
      }
      return {
        pass,
        expected: `billing: the ${wantBilling.length} new orders; eu-warehouse: the ${wantEu.length} EU orders`,
        actual: `billing got ${billing.size}${b.missed.length ? ` (missed ${some(b.missed)})` : ''}${b.extra.length ? ` (+${b.extra.length} not new: ${some(b.extra)})` : ''}; eu-warehouse got ${eu.size}${e.missed.length ? ` (missed ${some(e.missed)})` : ''}${e.extra.length ? ` (+${e.extra.length} not EU)` : ''}; ${dropped.length} wanted orders unroutable; routing keys: ${some(keys.map((k) => JSON.stringify(k)), 3)}`,
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
      const f = flow(r);
      const broken = f.all.filter((o) => o.type === 'created' && !good(o)).map((o) => String(o.orderId));
      const parked = new Set(r.where('sent', 'billing-parked').map((/** @type {any} */ m) => f.orderOf(m)?.orderId));
      const charges = r.where('written', 'charges');
      const charged = new Set(r.table('charges').map((/** @type {any} */ c) => c.orderId));
      const notParked = broken.filter((id) => !parked.has(id));
      const chargedBroken = broken.filter((id) => charged.has(id));
      // Deliveries of broken orders that billing acked (its handler returned).
      const ackedBroken = [...new Set(r.where('deleted', 'billing').map((/** @type {any} */ d) => f.ofMessage.get(String(d.id))?.orderId).filter((/** @type {any} */ id) => broken.includes(id)))];
      const limit = r.where('dead-lettered', 'billing').filter((/** @type {any} */ d) => d.cause === 'delivery_limit').length;
      const pass = broken.length > 0 && notParked.length === 0 && chargedBroken.length === 0;
      let message = 'The quorum queue counted each failed delivery and parked the broken orders after its delivery limit.';
      if (!pass) {
        if (ackedBroken.length) message = `${ackedBroken.length} broken orders (${some(ackedBroken)}) were acked: your handler returned, which tells RabbitMQ the message was processed, so it is gone and nobody will ever look at it. Throw instead: the delivery is rejected, and after its delivery limit the quorum queue dead-letters it to billing-parked.`;
        else if (chargedBroken.length) {
          const id = chargedBroken[0];
          const write = charges.find((/** @type {any} */ w) => String(w.id) === id);
          const inv = write ? r.invocations('biller').find((i) => i.id === write.cause) : undefined;
          message = `${chargedBroken.length} broken orders were charged (${some(chargedBroken)})${inv && inv.outcome === 'failed' ? `: ${inv.id} wrote the charge for ${id} and then failed (${inv.error}), so the charge was made before the amount was checked. Check the order first, then charge` : ': a charge must be made only for an order whose amount is a number'}.`;
        } else message = `${notParked.length} broken orders are not in billing-parked.${neverBilled(r, f, notParked)}`;
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
      const f = flow(r);
      const wanted = f.all.filter((o) => o.type === 'created' && good(o)).map((o) => String(o.orderId));
      const charged = new Set(r.table('charges').map((/** @type {any} */ c) => c.orderId));
      const published = r.where('published', 'customer-ledger');
      /** @type {Map<string, string[]>} customer → its entries in publish order */
      const publishOrder = new Map();
      /** @type {Map<string, Set<string>>} customer → the ordering keys its entries carried */
      const keysOf = new Map();
      for (const p of published) {
        const o = f.ofEntry.get(String(p.id));
        if (!o) continue;
        const list = publishOrder.get(o.customer) ?? [];
        if (!list.includes(o.orderId)) publishOrder.set(o.customer, [...list, o.orderId]);
        keysOf.set(o.customer, (keysOf.get(o.customer) ?? new Set()).add(String(p.detail?.orderingKey ?? '(none)')));
      }
      // The ledger's successful invocations, in the order they finished, each with the entry it applied.
      /** @type {Map<string, string[]>} */
      const applied = new Map();
      /** @type {Map<string, number>} */
      const times = new Map();
      for (const inv of r.invocations('ledger').filter((/** @type {any} */ i) => i.outcome === 'succeeded').sort((/** @type {any} */ a, /** @type {any} */ b) => a.end - b.end)) {
        const o = f.ofEntry.get(String(inv.cause));
        if (!o) continue;
        times.set(o.orderId, (times.get(o.orderId) ?? 0) + 1);
        applied.set(o.customer, [...(applied.get(o.customer) ?? []), o.orderId]);
      }
      const unCharged = wanted.filter((id) => !charged.has(id));
      const missing = wanted.filter((id) => !times.has(id));
      const twice = [...times].filter(([, n]) => n > 1).map(([id]) => id);
      /** @type {string[]} */
      const disorder = [];
      /** @type {string[]} */
      const disorderedCustomers = [];
      for (const [customer, order] of publishOrder) {
        const got = (applied.get(customer) ?? []).filter((id, i, all) => all.indexOf(id) === i);
        const expected = order.filter((id) => got.includes(id));
        const at = got.findIndex((id, i) => id !== expected[i]);
        if (at >= 0) {
          disorder.push(`${customer}: ${got[at]} applied before ${expected[at]}`);
          disorderedCustomers.push(customer);
        }
      }
      const retries = r.count('visibility-expired', 'ledger-push');
      const pass = wanted.length > 0 && !unCharged.length && !missing.length && !twice.length && !disorder.length;
      let message = 'Each customer\'s entries reached the ledger in publish order: a failed entry held its customer\'s later entries back until its retry succeeded.';
      if (!pass) {
        if (disorder.length) {
          const c = disorderedCustomers[0];
          const ks = [...(keysOf.get(c) ?? [])];
          const keyNote = ks.length === 1 && ks[0] === '(none)'
            ? 'without an ordering key the entries published meanwhile overtook them'
            : ks.length > 1
              ? `${c}'s entries carried ${ks.length} different ordering keys (${some(ks.map((k) => JSON.stringify(k)), 3)}), and order holds only among messages that share one, so the entries published meanwhile overtook them`
              : `the entries published meanwhile overtook them`;
          message = `Entries were applied out of order (${some(disorder, 2)}): ${retries} ledger deliveries failed and were retried after a backoff, and ${keyNote}. Publish with the customer as ordering key: one key per customer.`;
        } else if (unCharged.length) message = `${unCharged.length} good new orders were never charged (${some(unCharged)}).${neverBilled(r, f, unCharged)}`;
        else if (missing.length) message = `${missing.length} charged orders never reached the ledger (${some(missing)}).`;
        else {
          const billedTwice = twice.filter((id) => [...f.ofBiller.values()].filter((o) => o.orderId === id).length > 1 && r.where('sent', 'billing').filter((/** @type {any} */ m) => f.orderOf(m)?.orderId === id).length > 1);
          message = `${twice.length} entries were applied more than once (${some(twice)})${billedTwice.length ? `: ${billedTwice.length} of them reached the billing queue more than once (published twice to the exchange, see publishes-every-order), so they were charged and entered twice` : ''}.`;
        }
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
