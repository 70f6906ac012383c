// @ts-check
// Checks for "Events vs messages": what reached the bus (its archive keeps every event) and what
// reached the payments queue (the payment worker records every message it pulls).

/** @param {any} r */
function orderIds(r) {
  const n = r.summary.traffic.customers.requests;
  return Array.from({ length: n }, (_, i) => `order-${i + 1}`);
}

/** Every event put on the bus. @param {any} r */
function busEvents(r) {
  return r.sim.buses.get('shop-events').archived('shop-events-archive');
}

/**
 * Every message the payments queue accepted, parsed (from the trace: what was sent, whatever the
 * payment worker does with it).
 * @param {import('../../src/lessons/checks').RunView} r
 */
function queueMessages(r) {
  return r.sent('payments').map((m) => (m.value !== null && typeof m.value === 'object' ? /** @type {any} */ (m.value) : { raw: m.body }));
}

/** "OrderPlaced ×40, ChargeCard ×40" @param {string[]} names */
function tally(names) {
  /** @type {Map<string, number>} */
  const m = new Map();
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
  return [...m].map(([k, v]) => `${k} ×${v}`).join(', ') || 'nothing';
}

/** @param {any} e */
const isFact = (e) => e['detail-type'] === 'OrderPlaced' && e.source === 'shop.orders';
/** @param {any} m */
const isCommand = (m) => m.type === 'ChargeCard';

module.exports = [
  {
    id: 'fact-published',
    title: 'Each order is announced once as the fact OrderPlaced on the bus, and the bus pushes it to the subscriber',
    hint: 'A fact names something that already happened, and the rule on shop-events matches a specific source and detail-type. What did the bus actually receive?',
    section: 'facts-something-happened',
    /** @param {any} r */
    run(r) {
      const orders = orderIds(r);
      const events = busEvents(r);
      const facts = events.filter(isFact);
      const perOrder = new Map();
      for (const f of facts) perOrder.set(f.detail?.orderId, (perOrder.get(f.detail?.orderId) ?? 0) + 1);
      const missing = orders.filter((id) => !perOrder.has(id));
      const repeated = [...perOrder].filter(([, n]) => n > 1).length;
      const incomplete = facts.filter((/** @type {any} */ f) => typeof f.detail?.orderId !== 'string' || typeof f.detail?.customerId !== 'string' || typeof f.detail?.amount !== 'number').length;
      const pushed = r.where('delivered', 'shop-events').filter((/** @type {any} */ d) => d.detail?.endpoint === 'send-confirmation').length;
      const pass = orders.length > 0 && missing.length === 0 && repeated === 0 && incomplete === 0 && pushed === orders.length;
      let message = 'Every order must be announced exactly once as OrderPlaced (source shop.orders) on shop-events.';
      if (events.length === 0) message = 'Nothing was put on the shop-events bus: the fact that an order was placed was never announced.';
      else if (facts.length === 0) {
        const names = [...new Set(events.map((/** @type {any} */ e) => `${e.source}/${e['detail-type']}`))].join(', ');
        message = `The bus received events (${names}) but no rule matched them, so nobody was told. A fact is named for what already happened, in the past tense (OrderPlaced), from source shop.orders.`;
      } else if (incomplete > 0) message = `${incomplete} OrderPlaced events lack the order in detail (orderId, customerId as strings, amount as a number): subscribers only know what the fact carries.`;
      else if (repeated > 0) message = 'Some orders were announced more than once.';
      return {
        pass,
        expected: `${orders.length} OrderPlaced events from shop.orders, one per order, each with orderId, customerId and amount; each pushed to send-confirmation`,
        actual: `bus received ${tally(events.map((/** @type {any} */ e) => e['detail-type']))}; ${facts.length} matching facts covering ${orders.length - missing.length} of ${orders.length} orders${incomplete ? `, ${incomplete} without the order in detail` : ''}; ${pushed} pushed to send-confirmation`,
        message,
      };
    },
  },
  {
    id: 'command-sent',
    title: 'Each order sends one ChargeCard command, with its amount, to the payments queue',
    hint: 'A command is addressed: it goes to the queue of the one service that must act, and says what to do.',
    section: 'commands-please-do-this',
    /** @param {any} r */
    run(r) {
      const orders = orderIds(r);
      const messages = queueMessages(r);
      const commands = messages.filter(isCommand);
      const facts = new Map(busEvents(r).filter(isFact).map((/** @type {any} */ e) => [e.detail?.orderId, e.detail?.amount]));
      const perOrder = new Map();
      for (const c of commands) perOrder.set(c.orderId, (perOrder.get(c.orderId) ?? 0) + 1);
      const missing = orders.filter((id) => !perOrder.has(id));
      const badAmount = commands.filter((/** @type {any} */ c) => typeof c.amount !== 'number' || !(c.amount > 0) || (facts.has(c.orderId) && facts.get(c.orderId) !== c.amount)).length;
      const repeated = [...perOrder].filter(([, n]) => n > 1).length;
      const onBus = busEvents(r).filter((/** @type {any} */ e) => /charge/i.test(String(e['detail-type']))).length;
      const pass = orders.length > 0 && missing.length === 0 && repeated === 0 && badAmount === 0;
      let message = 'Every order must send exactly one ChargeCard command to the payments queue.';
      if (commands.length === 0 && onBus > 0) message = `ChargeCard went onto the bus as ${onBus} events instead of to the payments queue: a command is not broadcast, it is sent to the queue of the one consumer that must act on it.`;
      else if (commands.length === 0 && messages.length > 0) message = `The payments queue received ${messages.length} messages, but none is a ChargeCard command (JSON with type "ChargeCard", orderId, amount).`;
      else if (commands.length === 0) message = 'The payments queue received nothing: payments never learned it should charge anyone.';
      else if (badAmount > 0) {
        const bad = commands.find((/** @type {any} */ c) => typeof c.amount !== 'number' || !(c.amount > 0) || (facts.has(c.orderId) && facts.get(c.orderId) !== c.amount));
        message = `${badAmount} ChargeCard commands have no valid amount (a number > 0, the order's amount): e.g. ${bad.orderId} carried amount ${JSON.stringify(bad.amount)}${typeof bad.amount === 'string' ? ' (a string)' : ''}${facts.has(bad.orderId) ? ` where the order's amount is ${facts.get(bad.orderId)}` : ''}.`;
      }
      else if (repeated > 0) message = 'Some orders sent ChargeCard more than once: the customer would pay twice.';
      return {
        pass,
        expected: `${orders.length} ChargeCard commands on the payments queue, one per order, each with orderId and the order's amount`,
        actual: `payments queue received ${tally(messages.map((/** @type {any} */ m) => String(m.type ?? m['detail-type'] ?? 'unreadable')))}; ChargeCard for ${orders.length - missing.length} of ${orders.length} orders${badAmount ? `, ${badAmount} with a wrong amount` : ''}${onBus ? `; ${onBus} charge events on the bus` : ''}`,
        message,
      };
    },
  },
  {
    id: 'right-channels',
    title: 'Facts go on the bus, the command goes to the payments queue — never the other way round',
    hint: 'Would the payment worker know what to do with "an order was placed"? Should every future subscriber of the bus be able to trigger a charge?',
    section: 'producers-brokers-consumers',
    /** @param {any} r */
    run(r) {
      const events = busEvents(r);
      const messages = queueMessages(r);
      // Misnamed facts are fact-published's business; here: commands that went out on the bus.
      const otherEvents = events.filter((/** @type {any} */ e) => /charge/i.test(String(e['detail-type'])) || isCommand(e.detail ?? {}));
      const otherMessages = messages.filter((/** @type {any} */ m) => !isCommand(m));
      const pass = events.length > 0 && messages.length > 0 && otherEvents.length === 0 && otherMessages.length === 0;
      /** @type {string[]} */
      const wrong = [];
      if (otherEvents.length) wrong.push(`${otherEvents.length} commands on the bus (${tally(otherEvents.map((/** @type {any} */ e) => e['detail-type']))})`);
      if (otherMessages.length) wrong.push(`${otherMessages.length} other messages on the payments queue (${tally(otherMessages.map((/** @type {any} */ m) => String(m.type ?? m['detail-type'] ?? 'unreadable')))})`);
      return {
        pass,
        expected: 'no command on the bus; only ChargeCard commands on the payments queue',
        actual: events.length === 0 || messages.length === 0 ? `bus: ${events.length} events, payments queue: ${messages.length} messages` : wrong.join('; ') || 'each message on its own channel',
        message:
          events.length === 0 || messages.length === 0
            ? 'Both channels must be used: the fact on the bus, the command on the queue.'
            : 'A message went down the wrong channel: a command on the bus would be acted on by every subscriber (or none), and a fact on a queue reaches only one consumer, which does not know what to do with it.',
      };
    },
  },
];
