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

/** @param {string} text */
const parseJson = (text) => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** @param {any} e */
const isFact = (e) => e['detail-type'] === 'OrderPlaced' && e.source === 'shop.orders';
/** @param {any} m */
const isCommand = (m) => m.type === 'ChargeCard';

const FN = 'order-service';
const BUS = 'shop-events';
const QUEUE = 'payments';
/** The rule on shop-events: what a fact must carry to reach send-confirmation. */
const RULE = { source: 'shop.orders', detailType: 'OrderPlaced' };

/**
 * Each order's request and the order-service invocation that handled it.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function orderInvocations(r) {
  const byRequest = new Map(r.invocations(FN).map((i) => [i.cause, i]));
  /** @type {Map<string, any>} */
  const out = new Map();
  for (const x of r.exchanges('shop-api')) {
    const id = /order-\d+/.exec(x.requestBody ?? '')?.[0];
    if (id) out.set(id, { exchange: x, inv: byRequest.get(x.id) });
  }
  return out;
}

/**
 * The order service's calls of one kind that went wrong: refused by the service (with the error), or
 * not awaited (frozen with the environment: when, if ever, they completed).
 * @param {import('../../src/lessons/checks').RunView} r @param {string} call
 */
function troubleWith(r, call) {
  /** @type {Map<string, any>} */
  const done = new Map();
  for (const c of r.where('call-done', FN)) if (c.detail?.call === call) done.set(`${c.detail?.env}#${c.detail?.callId}`, c);
  const errors = [...done.values()].filter((c) => c.detail?.error);
  const pending = r.where('call-pending', FN)
    .filter((c) => c.detail?.call === call)
    .map((c) => ({ rec: c, done: done.get(`${c.detail?.env}#${c.detail?.callId}`) }));
  return { errors, pending };
}

/**
 * Why some orders have no fact (or command): their invocation failed, the call was refused, or the call
 * was not awaited. A sentence, or '' when the trace shows none of these.
 * @param {import('../../src/lessons/checks').RunView} r @param {string[]} missing @param {string} call
 */
function whyMissing(r, missing, call) {
  if (!missing.length) return '';
  const orders = orderInvocations(r);
  const { errors, pending } = troubleWith(r, call);
  const parts = [];
  if (errors.length) {
    const e = errors[0];
    parts.push(`${errors.length} ${call} call(s) to ${[...new Set(errors.map((x) => `"${x.detail?.target}"`))].join(', ')} were refused — ${String(e.detail?.error).slice(0, 160)}`);
  }
  const failed = missing.map((id) => orders.get(id)?.inv).filter((i) => i && i.outcome !== 'succeeded');
  if (failed.length && !errors.length) parts.push(`${failed.length} of their invocations did not finish (e.g. ${failed[0].id}: ${failed[0].outcome}${failed[0].error ? `, ${String(failed[0].error).slice(0, 120)}` : ''})`);
  const never = pending.filter((x) => !x.done);
  if (never.length) {
    const line = pending[0].rec.detail?.location?.line;
    parts.push(`${call} was not awaited${line ? ` (line ${line})` : ''}: ${pending.length} call(s) were still in flight when the handler returned and froze with the environment; ${never.length} never happened`);
  }
  return parts.length ? ` ${parts.join('; ')}.` : '';
}

/**
 * Messages accepted only after the invocation that made them had answered: a call not awaited.
 * @param {import('../../src/lessons/checks').RunView} r @param {{id: string, t: number, cause?: string}[]} records @param {string} call
 */
function lateOnes(r, records, call) {
  const ends = new Map(r.invocations(FN).map((i) => [i.id, i.end]));
  const late = records.filter((m) => m.cause !== undefined && ends.get(m.cause) !== undefined && m.t > Number(ends.get(m.cause)));
  if (!late.length) return { late, text: '' };
  const { pending } = troubleWith(r, call);
  const line = pending[0]?.rec.detail?.location?.line;
  const worst = late.reduce((a, b) => (b.t - Number(ends.get(b.cause ?? '')) > a.t - Number(ends.get(a.cause ?? '')) ? b : a));
  const gap = ((worst.t - Number(ends.get(worst.cause ?? ''))) / 1000).toFixed(2);
  return {
    late,
    text: `${late.length} ${call === 'send' ? `ChargeCard commands reached the ${QUEUE} queue` : `OrderPlaced events reached the ${BUS} bus`} only after the order service had answered (up to ${gap} s after, e.g. ${worst.id} from ${worst.cause}): ${call} was not awaited${line ? ` (line ${line})` : ''}, so the call froze with the environment and went out only when that environment handled its next request — had it been recycled, never. Await it before answering.`,
  };
}

/** The bus's published records (id, time, the invocation that put them) by event id. @param {import('../../src/lessons/checks').RunView} r */
const publishedRecords = (r) => new Map(r.where('published', BUS).map((p) => [String(p.id), { id: String(p.id), t: p.t, cause: p.cause }]));

/** "order-3 ×10, order-4 ×9" for the most repeated. @param {Map<string, number>} counts */
const mostRepeated = (counts) =>
  [...counts]
    .filter(([, n]) => n > 1)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, n]) => `${k} ×${n}`)
    .join(', ');

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
      const isIncomplete = (/** @type {any} */ f) => typeof f.detail?.orderId !== 'string' || typeof f.detail?.customerId !== 'string' || typeof f.detail?.amount !== 'number';
      const incomplete = facts.filter(isIncomplete).length;
      const pushed = r.where('delivered', BUS).filter((/** @type {any} */ d) => d.detail?.endpoint === 'send-confirmation').length;
      const published = publishedRecords(r);
      const { late, text: lateText } = lateOnes(r, facts.map((/** @type {any} */ f) => published.get(f.id)).filter(Boolean), 'putEvents');
      const pass = orders.length > 0 && missing.length === 0 && repeated === 0 && incomplete === 0 && pushed === orders.length && late.length === 0;
      let message = `Every order was announced once as OrderPlaced and pushed to send-confirmation.`;
      if (events.length === 0) message = `Nothing was put on the ${BUS} bus: the fact that an order was placed was never announced.${whyMissing(r, orders, 'putEvents')}`;
      else if (facts.length === 0) {
        // Which part of the rule's pattern the events missed, value by value.
        const sources = [...new Set(events.map((/** @type {any} */ e) => String(e.source)))].filter((x) => x !== RULE.source);
        const types = [...new Set(events.map((/** @type {any} */ e) => String(e['detail-type'])))].filter((x) => x !== RULE.detailType);
        const near = types.some((x) => x.toLowerCase().replace(/[^a-z]/g, '') === RULE.detailType.toLowerCase());
        const wrong = [];
        if (sources.length) wrong.push(`source ${sources.map((x) => `"${x}"`).join(', ')} where the rule wants "${RULE.source}"`);
        if (types.length) wrong.push(`detail-type ${types.map((x) => `"${x}"`).join(', ')} where the rule wants "${RULE.detailType}"${near ? ' (the rule compares the exact string, case and punctuation included)' : ''}`);
        message = `The bus received ${events.length} events, but no rule matched them, so nobody was told: they carry ${wrong.join(', and ')}.${types.length && !near ? ' A fact is named for what already happened, in the past tense (OrderPlaced).' : ''}`;
      } else if (incomplete > 0) {
        const bad = facts.find(isIncomplete);
        message = `${incomplete} OrderPlaced events lack the order in detail (orderId and customerId as strings, amount as a number): e.g. ${bad.id} carried detail ${JSON.stringify(bad.detail).slice(0, 160)}. Subscribers only know what the fact carries.`;
      } else if (missing.length) message = `${missing.length} of ${orders.length} orders were never announced (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}).${whyMissing(r, missing, 'putEvents')}`;
      else if (repeated > 0) {
        /** @type {Map<string, number>} */
        const perInvocation = new Map();
        for (const f of facts) {
          const cause = published.get(f.id)?.cause;
          if (cause) perInvocation.set(cause, (perInvocation.get(cause) ?? 0) + 1);
        }
        const busiest = [...perInvocation].sort((x, y) => y[1] - x[1])[0];
        message = `${repeated} orders were announced more than once (${mostRepeated(perOrder)})${busiest && busiest[1] > 1 ? `: ${busiest[0]}, handling one order, put ${busiest[1]} OrderPlaced events` : ''}. Each order is one fact, announced once, by the request that placed it; every subscriber would act on each copy.`;
      } else if (late.length) message = lateText;
      else if (pushed !== orders.length) message = `The bus pushed ${pushed} events to send-confirmation for ${orders.length} orders.`;
      return {
        pass,
        expected: `${orders.length} OrderPlaced events from shop.orders, one per order, each with orderId, customerId and amount, on the bus before the order service answers; each pushed to send-confirmation`,
        actual: `bus received ${tally(events.map((/** @type {any} */ e) => e['detail-type']))}; ${facts.length} matching facts covering ${orders.length - missing.length} of ${orders.length} orders${incomplete ? `, ${incomplete} without the order in detail` : ''}${late.length ? `, ${late.length} after the answer` : ''}; ${pushed} pushed to send-confirmation`,
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
      const sent = r.sent(QUEUE);
      const messages = queueMessages(r);
      const commands = messages.filter(isCommand);
      const facts = new Map(busEvents(r).filter(isFact).map((/** @type {any} */ e) => [e.detail?.orderId, e.detail?.amount]));
      const amounts = new Map([...orderInvocations(r)].map(([id, x]) => [id, /** @type {any} */ (parseJson(x.exchange.requestBody))?.amount]));
      const amountOf = (/** @type {string} */ id) => (amounts.get(id) !== undefined ? amounts.get(id) : facts.get(id));
      const perOrder = new Map();
      for (const c of commands) perOrder.set(c.orderId, (perOrder.get(c.orderId) ?? 0) + 1);
      const missing = orders.filter((id) => !perOrder.has(id));
      const isBadAmount = (/** @type {any} */ c) => typeof c.amount !== 'number' || !(c.amount > 0) || (amountOf(c.orderId) !== undefined && amountOf(c.orderId) !== c.amount);
      const badAmount = commands.filter(isBadAmount).length;
      const repeated = [...perOrder].filter(([, n]) => n > 1).length;
      const onBus = busEvents(r).filter((/** @type {any} */ e) => /charge/i.test(String(e['detail-type']))).length;
      const { late, text: lateText } = lateOnes(r, sent.filter((m) => isCommand(m.value && typeof m.value === 'object' ? m.value : {})), 'send');
      const pass = orders.length > 0 && missing.length === 0 && repeated === 0 && badAmount === 0 && late.length === 0;
      let message = `Every order sent one ChargeCard command, with its amount, to the ${QUEUE} queue.`;
      if (commands.length === 0 && onBus > 0) message = `ChargeCard went onto the bus as ${onBus} events instead of to the payments queue: a command is not broadcast, it is sent to the queue of the one consumer that must act on it.`;
      else if (commands.length === 0 && messages.length > 0) {
        const first = sent[0];
        message = `The payments queue received ${messages.length} messages, but none is a ChargeCard command (JSON with type "ChargeCard", orderId, amount): e.g. ${first.id} was ${first.body.slice(0, 120)}.`;
      } else if (commands.length === 0) message = `The payments queue received nothing: payments never learned it should charge anyone.${whyMissing(r, orders, 'send')}`;
      else if (badAmount > 0) {
        const bad = commands.find(isBadAmount);
        const want = amountOf(bad.orderId);
        message = `${badAmount} ChargeCard commands have no valid amount (a number > 0, the order's amount): e.g. ${bad.orderId} carried amount ${JSON.stringify(bad.amount)}${typeof bad.amount === 'string' ? ' (a string)' : ''}${want !== undefined ? ` where the order's amount is ${want}` : ''}.`;
      } else if (missing.length) message = `${missing.length} of ${orders.length} orders sent no ChargeCard (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}).${whyMissing(r, missing, 'send')}`;
      else if (repeated > 0) message = `${repeated} orders sent ChargeCard more than once (${mostRepeated(perOrder)}): the customer would pay twice.`;
      else if (late.length) message = lateText;
      return {
        pass,
        expected: `${orders.length} ChargeCard commands on the payments queue, one per order, each with orderId and the order's amount, sent before the order service answers`,
        actual: `payments queue received ${tally(messages.map((/** @type {any} */ m) => String(m.type ?? m['detail-type'] ?? 'unreadable')))}; ChargeCard for ${orders.length - missing.length} of ${orders.length} orders${badAmount ? `, ${badAmount} with a wrong amount` : ''}${late.length ? `, ${late.length} after the answer` : ''}${onBus ? `; ${onBus} charge events on the bus` : ''}`,
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
        message: pass
          ? 'Each message went down its own channel: the fact on the bus, the command on the queue.'
          : events.length === 0 || messages.length === 0
            ? `Both channels must be used: the fact on the bus, the command on the queue — ${events.length === 0 ? `the ${BUS} bus received nothing` : `the ${QUEUE} queue received nothing`}${whyMissing(r, orderIds(r), events.length === 0 ? 'putEvents' : 'send').replace(/^ /, ': ') || '.'}`
            : `A message went down the wrong channel: ${wrong.join('; ')}. A command on the bus would be acted on by every subscriber (or none), and a fact on a queue reaches only one consumer, which does not know what to do with it.`,
      };
    },
  },
];
