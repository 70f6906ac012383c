// @ts-check
// Checks for "Topics": the audit log (a raw, unfiltered subscription) shows everything that was
// published; the tables show what each filtered subscriber received.

/** Every published order event, by order id (from the unfiltered raw audit subscription). @param {any} r */
function published(r) {
  /** @type {Map<string, any>} */
  const byId = new Map();
  for (const m of r.sim.queues.get('audit-log').messages()) {
    try {
      const e = JSON.parse(m.body);
      if (e && typeof e.orderId === 'string') byId.set(e.orderId, { ...e, attributes: m.attributes });
    } catch {
      /* not an order event */
    }
  }
  return byId;
}

/** @param {any} r @param {string} table */
function keys(r, table) {
  return new Set(r.table(table).map((/** @type {any} */ i) => i.orderId));
}

/** @param {string[]} list */
function some(list, max = 4) {
  return list.length <= max ? list.join(', ') : `${list.slice(0, max).join(', ')} … (+${list.length - max})`;
}

/** "eventType (String), amount (String)" @param {any[]} events */
function attributeShapes(events) {
  const shapes = new Set(events.map((e) => Object.entries(e.attributes ?? {}).map(([k, v]) => `${k} (${typeof v === 'number' ? 'Number' : 'String'})`).join(', ') || 'no attributes'));
  return [...shapes].slice(0, 2).join(' / ');
}

/**
 * Did a filtered subscriber get exactly the events its policy selects?
 * @param {any} r @param {string} table @param {(e: any) => boolean} wanted @param {string} who
 */
function routed(r, table, wanted, who) {
  const events = [...published(r).values()];
  const want = events.filter(wanted).map((e) => e.orderId);
  const got = keys(r, table);
  const missed = want.filter((id) => !got.has(id));
  const extra = [...got].filter((id) => !want.includes(id));
  return {
    events,
    want,
    got,
    missed,
    extra,
    pass: events.length > 0 && want.length > 0 && missed.length === 0 && extra.length === 0,
    actual: `${events.length} events published; ${who} received ${got.size} of the ${want.length} it asked for${missed.length ? ` (missed ${some(missed)})` : ''}${extra.length ? `, plus ${extra.length} it did not ask for` : ''}; attributes published: ${attributeShapes(events)}`,
  };
}

/**
 * What in the published attributes keeps a filter policy from matching, need by need: an attribute
 * no event carried, a String where the policy compares numbers, values the policy does not list.
 * Returns a sentence, or undefined when every event carried what the policy reads.
 * @param {any[]} events @param {Array<{ name: string, number?: boolean, values?: string[] }>} needs
 */
function attributeTrouble(events, needs) {
  if (events.every((e) => !e.attributes || Object.keys(e.attributes).length === 0)) return undefined;
  for (const need of needs) {
    const carrying = events.filter((e) => e.attributes && need.name in e.attributes);
    if (!carrying.length) return `no event carried an \`${need.name}\` attribute, which the policy reads (the attributes published: ${attributeShapes(events)}).`;
    if (need.number && !carrying.some((e) => typeof e.attributes[need.name] === 'number'))
      return `${need.name} was published as a String attribute; a numeric filter condition only matches Number attributes.`;
    if (need.values) {
      const values = [...new Set(carrying.map((e) => String(e.attributes[need.name])))];
      if (!values.some((v) => need.values?.includes(v)))
        return `the ${need.name} attribute carried ${values.slice(0, 4).map((v) => `"${v}"`).join(', ')}, and the policy matches ${need.values.map((v) => `"${v}"`).join(', ')} exactly.`;
    }
  }
  return undefined;
}

/** "order-6 (OrderPlaced, 1500)" @param {Map<string, any>} byId @param {string[]} ids */
const described = (byId, ids) => some(ids.map((id) => (byId.has(id) ? `${id} (${byId.get(id).eventType}, ${byId.get(id).amount})` : id)), 3);

/**
 * Calls of one kind a function did not await: how many, the line, how many never happened.
 * @param {any} r @param {string} fn @param {string} call
 */
function notAwaited(r, fn, call) {
  const done = new Set(r.where('call-done', fn).map((/** @type {any} */ x) => `${x.detail?.env}#${x.detail?.callId}`));
  const pending = r.where('call-pending', fn).filter((/** @type {any} */ x) => x.detail?.call === call);
  return { pending: pending.length, never: pending.filter((/** @type {any} */ x) => !done.has(`${x.detail?.env}#${x.detail?.callId}`)).length, line: pending[0]?.detail?.location?.line };
}

/** The lab's virtual clock starts at 2026-01-01T00:00:00Z (the topic's Timestamp is that plus the run time). */
const EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * When the topic published each order's event (virtual ms), from the trace.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function publishTimes(r) {
  /** @type {Map<string, number>} */
  const at = new Map();
  for (const p of r.published('order-events')) {
    const id = /** @type {any} */ (p.value)?.orderId;
    if (typeof id === 'string' && !at.has(id)) at.set(id, p.t);
  }
  return at;
}

/** A publishedAt as ms since the epoch, whatever its form (ISO string or a number of ms). @param {unknown} v */
function instant(v) {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT/.test(v)) return Date.parse(v);
  return NaN;
}

/**
 * Why rows carry the wrong publishedAt: the Timestamp of a later publish of the same event (it was
 * published more than once), or a time that is no publish of it (the clock when analytics ran).
 * @param {any} r @param {Array<{ id: string, got: unknown, want: string }>} offTime
 */
function timeWhy(r, offTime) {
  /** @type {Map<string, number[]>} */
  const all = new Map();
  for (const p of r.published('order-events')) {
    const id = /** @type {any} */ (p.value)?.orderId;
    if (typeof id === 'string') all.set(id, [...(all.get(id) ?? []), p.t]);
  }
  const o = offTime[0];
  const times = all.get(o.id) ?? [];
  const k = times.findIndex((t) => EPOCH_MS + t === instant(o.got));
  const head = `${offTime.length} rows have a publishedAt that is not when the topic published the event: e.g. ${o.id} has ${JSON.stringify(o.got)}, published at ${o.want}.`;
  if (k > 0) return `${head} ${o.id} was published ${times.length} times, and its row holds the Timestamp of publish #${k + 1}: each publish is a new event with its own time, and the later copy replaced the row. Publish each event once.`;
  // The instant analytics-events accepted a copy of the event: the SQS message's SentTimestamp.
  const publishOf = new Map(r.published('order-events').map((/** @type {any} */ p) => [p.id, /** @type {any} */ (p.value)?.orderId]));
  const copy = r.sent('analytics-events').find((/** @type {any} */ m) => publishOf.get(m.cause) === o.id && EPOCH_MS + m.t === instant(o.got));
  if (copy && times.length) {
    const after = copy.t - times[0];
    return `${head} That is the SQS message's SentTimestamp: when SNS delivered the copy to analytics-events, ${after} ms after the publish (a topic pushes each subscription its copy after the publish, so the queue's timestamps are its own). The publish time is the envelope's Timestamp.`;
  }
  return `${head} Take it from the envelope's Timestamp, not from the clock when analytics runs (that is the receive time).`;
}

/**
 * Which field of the rows is wrong or which rows are missing, named with an example.
 * @param {any} r @param {Map<string, any>} events @param {any[]} rows
 */
function fieldWhy(r, events, rows) {
  const byId = new Map(rows.map((row) => [row.orderId, row]));
  for (const row of rows) {
    const e = events.get(row.orderId);
    if (!e) continue;
    for (const field of ['eventType', 'amount']) {
      if (row[field] !== e[field])
        return `Analytics rows are wrong: e.g. ${row.orderId}'s row has ${field} ${JSON.stringify(row[field])}${typeof row[field] !== typeof e[field] ? ` (a ${typeof row[field]})` : ''} where the event has ${JSON.stringify(e[field])}. Each row carries the event's own values.`;
    }
  }
  const stray = rows.filter((row) => !events.has(row.orderId));
  if (stray.length) return `${stray.length} rows are not keyed by an order id the topic published (e.g. ${JSON.stringify(stray[0].orderId)}): each row's orderId is the event's.`;
  const missing = [...events.keys()].filter((id) => !byId.has(id));
  const frozen = notAwaited(r, 'analytics', 'tablePut');
  if (missing.length && frozen.never) return `${missing.length} events have no row (e.g. ${missing[0]}): the table write was not awaited${frozen.line ? ` (line ${frozen.line})` : ''}, and ${frozen.never} of those writes never happened.`;
  if (missing.length) return `${missing.length} events have no row (e.g. ${missing[0]}).`;
  return 'Analytics rows are missing or wrong: each needs orderId, eventType, amount from the event and publishedAt from the envelope.';
}

/** "OrderShipped ×30, OrderCancelled ×26" for the incoming events among `ids`. @param {any} r @param {string[]} ids */
function kinds(r, ids) {
  const want = new Set(ids);
  /** @type {Map<string, number>} */
  const n = new Map();
  for (const q of r.where('request', 'orders')) {
    const e = /** @type {any} */ (q.detail?.payload);
    if (e && want.has(e.orderId)) n.set(String(e.eventType), (n.get(String(e.eventType)) ?? 0) + 1);
  }
  return [...n].map(([k, v]) => `${k} ×${v}`).join(', ') || 'none';
}

module.exports = [
  {
    id: 'fraud-gets-big-orders',
    title: 'fraud-check receives exactly the new orders of 1000 or more',
    hint: 'Its filter policy reads message attributes, and a numeric condition is picky about the attribute type.',
    section: 'filter-policies',
    /** @param {any} r */
    run(r) {
      const x = routed(r, 'fraud-reviews', (e) => e.eventType === 'OrderPlaced' && e.amount >= 1000, 'fraud-check');
      const numbers = x.events.some((e) => typeof e.attributes?.amount === 'number');
      const strings = x.events.some((e) => typeof e.attributes?.amount === 'string');
      const byId = published(r);
      const trouble = attributeTrouble(x.events, [{ name: 'eventType', values: ['OrderPlaced'] }, { name: 'amount', number: true }]);
      let message = x.pass
        ? `fraud-check got exactly the ${x.want.length} new orders of 1000 or more.`
        : `fraud-check must get every OrderPlaced with amount ≥ 1000, and nothing else: it missed ${x.missed.length ? described(byId, x.missed) : 'none'}${x.extra.length ? ` and got ${described(byId, x.extra)}` : ''}.`;
      if (x.events.length === 0) message = 'Nothing was published on order-events.';
      else if (x.events.every((e) => !e.attributes || Object.keys(e.attributes).length === 0)) message = 'Events were published without message attributes, so every filter policy filtered them out: filter policies do not read the body (unless their scope says so), they read attributes.';
      else if (strings && !numbers) message = 'amount was published as a String attribute; a numeric filter condition only matches Number attributes, so no order ever matched ">= 1000".';
      else if (!x.pass && trouble) message = `fraud-check received ${x.got.size} of the ${x.want.length} orders it asked for: ${trouble}`;
      return {
        pass: x.pass,
        expected: `fraud-check gets the ${x.want.length} OrderPlaced events with amount ≥ 1000, nothing else`,
        actual: x.actual,
        message,
      };
    },
  },
  {
    id: 'warehouse-gets-placed-orders',
    title: 'The warehouse queue receives every new order, and only new orders',
    hint: 'One publish reaches every subscription; the filter policy decides which copies are kept. What does its policy look at?',
    section: 'filter-policies',
    /** @param {any} r */
    run(r) {
      const x = routed(r, 'shipments', (e) => e.eventType === 'OrderPlaced', 'warehouse');
      const filtered = r.where('filtered-out', 'order-events').filter((/** @type {any} */ f) => f.detail?.endpoint === 'warehouse-jobs').length;
      return {
        pass: x.pass,
        expected: `warehouse gets the ${x.want.length} OrderPlaced events, not shipped or cancelled ones`,
        actual: `${x.actual}; ${filtered} copies filtered out for warehouse-jobs`,
        message: (() => {
          if (x.events.length === 0) return 'Nothing was published on order-events.';
          if (x.pass) return `The warehouse got exactly the ${x.want.length} new orders.`;
          const trouble = attributeTrouble(x.events, [{ name: 'eventType', values: ['OrderPlaced'] }]);
          if (x.got.size === 0 && (trouble || x.events.every((e) => !e.attributes || Object.keys(e.attributes).length === 0)))
            return `The warehouse got nothing: its filter policy { eventType: ["OrderPlaced"] } never matched, because ${trouble ?? 'eventType was not a message attribute (no event carried attributes).'}`;
          const byId = published(r);
          return `The warehouse got the wrong set of orders: it missed ${x.missed.length ? described(byId, x.missed) : 'none'}${x.extra.length ? ` and got ${described(byId, x.extra)}` : ''}.`;
        })(),
      };
    },
  },
  {
    id: 'publishes-every-event',
    title: 'The order service publishes every event that comes in, once',
    hint: 'Publish everything once: choosing who gets what is the subscriptions\' job (their filter policies), not the publisher\'s.',
    section: 'subscriptions',
    /** @param {any} r */
    run(r) {
      const incoming = r.where('request', 'orders').map((/** @type {any} */ q) => `order-${q.detail?.seq}`);
      /** @type {Map<string, number>} */
      const count = new Map();
      for (const p of r.published('order-events')) {
        const id = /** @type {any} */ (p.value)?.orderId;
        if (typeof id === 'string') count.set(id, (count.get(id) ?? 0) + 1);
      }
      const missing = incoming.filter((id) => !count.has(id));
      const twice = incoming.filter((id) => (count.get(id) ?? 0) > 1);
      const failed = r.where('failed', 'order-service');
      const frozen = notAwaited(r, 'order-service', 'publish');
      const pass = incoming.length > 0 && missing.length === 0 && twice.length === 0;
      return {
        pass,
        expected: `${incoming.length} events published on order-events, one per event the order service received`,
        actual: `${incoming.length - missing.length} of ${incoming.length} published${missing.length ? ` (never: ${some(missing)})` : ''}${twice.length ? `; ${twice.length} more than once` : ''}${failed.length ? `; order-service failed ${failed.length} times (first: ${String(failed[0].detail?.error)})` : ''}`,
        message: pass
          ? 'Every event was published once; the subscriptions choose.'
          : missing.length && frozen.never
            ? `${missing.length} of ${incoming.length} events ${missing.length === 1 ? 'was' : 'were'} never published (e.g. ${missing[0]}): the publish was not awaited${frozen.line ? ` (line ${frozen.line})` : ''} — ${frozen.pending} publishes were still in flight when the handler returned and froze with the environment; each went out only when that environment was used again, and ${frozen.never} never did. Await the publish.`
          : missing.length && !failed.length
            ? `${missing.length} of ${incoming.length} events came in but were never published (e.g. ${missing[0]}; never published: ${kinds(r, missing)}, published: ${kinds(r, incoming.filter((id) => count.has(id)))}): the publisher filtered at the source. Subscribers that want them (the audit log, analytics, any future one) never see them; publish every event and let filter policies choose.`
            : missing.length
              ? `${missing.length} events were never published: the order service failed (${String(failed[0].detail?.error)}).`
              : `${twice.length} events were published more than once (e.g. ${twice[0]}): every subscription gets each copy.`,
      };
    },
  },
  {
    id: 'analytics-records-everything',
    title: 'Analytics records every event, with the time the topic published it',
    hint: 'Without raw delivery a subscriber does not get your message as you published it. Log one body and look.',
    section: 'raw-delivery-or-the-envelope',
    /** @param {any} r */
    run(r) {
      const events = published(r);
      const rows = r.table('order-analytics');
      const times = publishTimes(r);
      /** Rows whose publishedAt is not the moment the topic published the event. */
      const offTime = [];
      const good = rows.filter((/** @type {any} */ row) => {
        const e = events.get(row.orderId);
        if (!e || row.eventType !== e.eventType || row.amount !== e.amount) return false;
        const t = times.get(row.orderId);
        const ok = t !== undefined && instant(row.publishedAt) === EPOCH_MS + t;
        if (!ok && !Number.isNaN(instant(row.publishedAt)) && t !== undefined) offTime.push({ id: row.orderId, got: row.publishedAt, want: new Date(EPOCH_MS + t).toISOString() });
        return ok;
      });
      const envelopes = r.where('sent', 'analytics-events').length;
      const dlq = r.summary.queues['analytics-dlq'].sent;
      const failed = r.summary.functions.analytics.failed;
      const sentTimes = new Map(r.where('published', 'order-events').map((/** @type {any} */ p) => [p.id, p.t]));
      return {
        pass: events.size > 0 && good.length === events.size,
        expected: `${events.size} rows in order-analytics, one per event, with its eventType, amount and publishedAt (the topic's Timestamp)`,
        actual: `${good.length} correct rows of ${events.size}; ${rows.length} rows written; ${envelopes} envelopes delivered to analytics-events; ${failed} failed invocations; ${dlq} messages in analytics-dlq`,
        message:
          sentTimes.size === 0
            ? 'Nothing was published on order-events.'
            : rows.length === 0 && failed > 0
              ? 'Analytics failed on every message (and they ended in the dead-letter queue): with raw delivery off, the body is the SNS envelope — the order event is the JSON string in its Message field.'
              : offTime.length
                ? timeWhy(r, offTime)
                : fieldWhy(r, events, rows),
      };
    },
  },
];
