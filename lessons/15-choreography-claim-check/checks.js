// @ts-check
// Choreography on an event bus + claim check.
const LIMIT = 256 * 1024;

/** Which service owns which resource. The bus and the document bucket are shared by design. */
const OWNER = {
  orders: 'order-service',
  'shipping-inbox': 'shipping',
  shipments: 'shipping',
  'invoice-inbox': 'invoice',
  invoices: 'invoice',
};
const SERVICES = ['order-service', 'shipping', 'invoice'];

/** @param {number} bytes */
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KB`;

/**
 * The orders the checkout traffic created (their ids from the requests' own payloads), retail and
 * wholesale.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function orderIds(r) {
  const ids = (/** @type {string} */ g) => r.requests(g).map((x) => String(/** @type {any} */ (x.payload)?.orderId));
  const wholesale = ids('wholesale');
  return { all: [...ids('retail'), ...wholesale], wholesale };
}

/**
 * The order each order-service invocation handled (from the request that invoked it).
 * @param {import('../../src/lessons/checks').RunView} r
 * @returns {Map<string, string>} invocation id → order id
 */
function orderOfInvocation(r) {
  /** @type {Map<string, string>} */
  const ofRequest = new Map();
  for (const g of ['retail', 'wholesale']) for (const x of r.requests(g)) ofRequest.set(x.id, String(/** @type {any} */ (x.payload)?.orderId));
  /** @type {Map<string, string>} */
  const out = new Map();
  for (const inv of r.invocations('order-service')) {
    const id = inv.cause === undefined ? undefined : ofRequest.get(inv.cause);
    if (id !== undefined) out.set(inv.id, id);
  }
  return out;
}

/**
 * OrderPlaced events on the bus, by order: each event is traced to the order-service invocation
 * that put it, so any naming of the detail's fields works. Sizes from the bus archive.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function orderPlaced(r) {
  const ofInvocation = orderOfInvocation(r);
  const archived = new Map(r.sim.buses.get('orders-bus').archived('all-events').map((/** @type {any} */ e) => [e.id, e]));
  /** @type {Map<string, number[]>} order id → sizes of its events */
  const byOrder = new Map();
  /** @type {Map<string, { t: number, event: any }>} order id → its first event */
  const first = new Map();
  let largest = 0;
  for (const p of r.where('published', 'orders-bus')) {
    if (p.detail?.detailType !== 'OrderPlaced') continue;
    const e = archived.get(p.id);
    const id = ofInvocation.get(String(p.cause)) ?? String(e?.detail?.orderId);
    const size = e ? Buffer.byteLength(JSON.stringify(e.detail)) : 0;
    largest = Math.max(largest, size);
    byOrder.set(id, [...(byOrder.get(id) ?? []), size]);
    if (!first.has(id)) first.set(id, { t: p.t, event: e });
  }
  return { byOrder, largest, first };
}

/**
 * Documents the order service stored, by order: when (the first store) and under which key.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function documents(r) {
  const ofInvocation = orderOfInvocation(r);
  /** @type {Map<string, { t: number, key: string }>} */
  const out = new Map();
  for (const s of r.where('stored', 'order-documents')) {
    const id = ofInvocation.get(String(s.cause));
    if (id !== undefined && !out.has(id)) out.set(id, { t: s.t, key: String(s.id) });
  }
  return out;
}

/**
 * Orders whose event was put on the bus before their document was stored (the page's first rule).
 * @param {import('../../src/lessons/checks').RunView} r
 */
function storedLate(r) {
  const { first } = orderPlaced(r);
  const docs = documents(r);
  return [...docs].filter(([id, d]) => first.has(id) && d.t > /** @type {any} */ (first.get(id)).t).map(([id, d]) => ({ id, key: d.key, stored: d.t, put: /** @type {any} */ (first.get(id)).t }));
}

/**
 * Why the consumers never heard of the orders: their events matched no rule (source / detail-type).
 * @param {import('../../src/lessons/checks').RunView} r
 */
function unrouted(r) {
  const delivered = new Set(r.where('delivered', 'orders-bus').map((x) => x.id));
  const lost = r.where('published', 'orders-bus').filter((p) => !delivered.has(p.id));
  if (!lost.length) return '';
  const p = lost[0];
  return ` ${lost.length} events on orders-bus matched no rule (e.g. ${p.id}: source ${JSON.stringify(p.detail?.source)}, detail-type ${JSON.stringify(p.detail?.detailType)}); the rules route source "shop.orders", detail-type "OrderPlaced".`;
}

/**
 * " They were never announced on orders-bus (…)" when the missing orders have no event at all.
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {string[]} missing
 */
function neverAnnounced(r, missing) {
  const { byOrder } = orderPlaced(r);
  const none = missing.filter((id) => !byOrder.has(id));
  if (!none.length) return '';
  return ` ${none.length === missing.length ? 'None of them was' : `${none.length} of them were not`} announced on orders-bus (see all-announced), so no rule could route ${none.length === 1 ? 'it' : 'them'}.`;
}

/**
 * " N putEvents calls were not awaited (line L) …" when the order service returned before its events were put.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function unawaitedPuts(r) {
  const pending = r.where('call-pending', 'order-service').filter((c) => c.detail?.call === 'putEvents');
  if (!pending.length) return '';
  const done = new Set(r.where('call-done', 'order-service').map((c) => `${c.detail?.env}#${c.detail?.callId}`));
  const never = pending.filter((c) => !done.has(`${c.detail?.env}#${c.detail?.callId}`)).length;
  const at = /** @type {any} */ (pending[0].detail?.location);
  return ` ${pending.length} putEvents calls were not awaited${at ? ` (line ${at.line})` : ''}: the order service returned while each was in flight, so it froze with its environment and went on only when the environment was used again; ${never} never happened. Await the putEvents.`;
}

/** The invoice's lines: its `lines`, or the longest list it holds (any attribute name). @param {any} inv */
function invoiceLines(inv) {
  if (Array.isArray(inv.lines)) return inv.lines;
  const lists = Object.values(inv).filter(Array.isArray);
  return lists.sort((a, b) => b.length - a.length)[0];
}

/** @param {number} ms */
const secs = (ms) => `${+(ms / 1000).toFixed(3)} s`;

/**
 * "fn failed N times (first: error)" or ''.
 * @param {any} r
 * @param {string} fn
 */
function failures(r, fn) {
  const failed = r.where('failed', fn);
  return failed.length ? `${fn} failed ${failed.length} times (first: ${String(failed[0].detail?.error ?? 'unknown error')})` : '';
}

/** The bus's own words when PutEvents is over its 256 KB limit (not any error that mentions 256). */
const TOO_BIG = /total size must be at most 262144 bytes/;

/**
 * The order-service failures that were PutEvents size refusals, and the others.
 * @param {any} r
 */
function sizeRefusals(r) {
  const failed = r.where('failed', 'order-service');
  const big = failed.filter((/** @type {any} */ f) => TOO_BIG.test(String(f.detail?.error ?? '')));
  const other = failed.filter((/** @type {any} */ f) => !TOO_BIG.test(String(f.detail?.error ?? '')));
  const sizes = big.map((/** @type {any} */ f) => Number(/got (\d+)/.exec(String(f.detail?.error))?.[1] ?? 0));
  return { big, other, largest: sizes.length ? Math.max(...sizes) : 0 };
}

/** @param {string[]} ids */
const some = (ids) => ids.slice(0, 3).join(', ') + (ids.length > 3 ? ', …' : '');

/**
 * Rows of a table by key.
 * @param {any} r
 * @param {string} table
 */
const rows = (r, table) => new Map(r.table(table).map((/** @type {any} */ x) => [String(x.orderId), x]));

/**
 * Why orders have no invoice, from the run: their document was stored after the event (the
 * invoice looked too early), the invoice never fetched a document, its row was too big, or the
 * events matched no rule.
 * @param {import('../../src/lessons/checks').RunView} r
 * @param {string[]} missing
 */
function invoiceCause(r, missing) {
  const never = neverAnnounced(r, missing);
  if (never) return never;
  const late = storedLate(r).filter((x) => missing.includes(x.id));
  if (late.length) {
    const x = late[0];
    return ` ${late.length} of them had their OrderPlaced event put before their document was stored (${x.id}: event at ${secs(x.put)}, ${x.key} stored at ${secs(x.stored)}), so the invoice service could look for the document before it existed. Write the document first, then publish.`;
  }
  if (r.invocations('invoice').length === 0) return unrouted(r) || ' The invoice service was never invoked: no event reached invoice-inbox.';
  // Keys the invoice asked for that the order service never stored.
  const storedKeys = new Set(r.where('stored', 'order-documents').map((x) => String(x.id)));
  const asked = r.where('call', 'invoice').filter((c) => c.detail?.call === 'getObject' && c.detail?.target === 'order-documents' && !storedKeys.has(String(c.detail?.key)));
  if (asked.length) {
    const docs = documents(r);
    const example = docs.get(missing[0]) ?? [...docs.values()][0];
    return ` The invoice service asked order-documents for ${asked.length} keys that were never stored (e.g. ${JSON.stringify(String(asked[0].detail?.key))}${example ? `; the order service stored keys like ${JSON.stringify(example.key)}` : ''}): redeem the reference the event carries ({ bucket, key }), don't rebuild the key.`;
  }
  const errors = r.invocations('invoice').filter((i) => i.outcome === 'failed').map((i) => String(i.error));
  if (errors.some((e) => /Item size has exceeded/.test(e))) return ' A table item may be at most 400 KB: keep what the invoice needs of each line (sku, qty, amount), not the whole document.';
  const fetched = r.where('call', 'invoice').some((c) => c.detail?.call === 'getObject');
  if (!fetched && r.where('stored', 'order-documents').length) return ' The invoice service never called getObject: when the event carries a reference, the lines are not in it: get the document from the bucket.';
  return unrouted(r);
}

module.exports = [
  {
    id: 'all-announced',
    title: 'Every order is announced once on the bus',
    hint: 'PutEvents refuses more than 256 KB. Where else can a big document go?',
    section: 'choreography-react-to-events-call-no-one',
    run(r) {
      const { all } = orderIds(r);
      const { byOrder } = orderPlaced(r);
      const missing = all.filter((id) => !byOrder.has(id));
      const twice = all.filter((id) => (byOrder.get(id)?.length ?? 0) > 1);
      const why = failures(r, 'order-service');
      const pass = all.length > 0 && missing.length === 0 && twice.length === 0;
      return {
        pass,
        expected: `one OrderPlaced event on orders-bus for each of the ${all.length} orders`,
        actual: pass ? `${all.length} orders, ${all.length} events` : `${missing.length} orders never announced (${some(missing)}), ${twice.length} announced more than once${why ? `; ${why}` : ''}`,
        message: pass
          ? 'Every order was announced exactly once.'
          : missing.length
            ? sizeRefusals(r).big.length
              ? `${missing.length} orders never reached the bus: PutEvents refused ${sizeRefusals(r).big.length} of them because an event may be at most 256 KB (the largest was ${kb(sizeRefusals(r).largest)}). Store the document in the order-documents bucket and put only a reference in the event (claim check).`
              : `${missing.length} orders never reached the bus${why ? ` (${why})` : ''}: nobody downstream knows about them.${unawaitedPuts(r)}`
            : `${twice.length} orders were announced more than once: every rule target would act on them twice.`,
      };
    },
  },
  {
    id: 'no-direct-calls',
    title: 'Services talk only through the bus',
    hint: 'A service may use the bus, the shared document bucket and its own resources — never another service\'s queue or table.',
    section: 'choreography-react-to-events-call-no-one',
    run(r) {
      const calls = r.sim.topology().edges.filter((/** @type {any} */ e) => e.kind === 'calls' && SERVICES.includes(e.from));
      const bad = calls.filter((/** @type {any} */ e) => {
        const owner = /** @type {Record<string, string>} */ (OWNER)[e.to];
        return owner !== undefined && owner !== e.from;
      });
      const used = calls.map((/** @type {any} */ e) => `${e.from} ${e.label} ${e.to}`).join(', ');
      const describe = (/** @type {any} */ e) => `${e.from} called ${e.label} on ${e.to}, which belongs to ${/** @type {Record<string, string>} */ (OWNER)[e.to]}`;
      const pass = bad.length === 0 && calls.some((/** @type {any} */ e) => e.to === 'orders-bus');
      return {
        pass,
        expected: 'each service touches only orders-bus, order-documents and its own queue/table',
        actual: bad.length ? bad.map(describe).join('; ') : used || 'no calls',
        message: pass
          ? 'Pure choreography: the order service does not know who listens.'
          : bad.length
            ? `${describe(bad[0])}. That couples the two services: ${bad[0].to.endsWith('inbox') ? 'the order service now has to know every consumer and change when one is added' : "one service depends on the other's private schema and data"}. Publish an event instead and let the rules route it.`
            : 'Nothing was put on orders-bus: the other services can only react to events on the bus.',
      };
    },
  },
  {
    id: 'shipping-reacted',
    title: 'Shipping schedules every order',
    hint: 'The shipping service reacts to OrderPlaced from its inbox; it needs the order id and the customer in the event.',
    section: 'choreography-react-to-events-call-no-one',
    run(r) {
      const { all } = orderIds(r);
      const shipments = rows(r, 'shipments');
      const orders = rows(r, 'orders');
      const missing = all.filter((id) => !shipments.has(id));
      // Shipping needs the customer: a field renamed on the way reaches it as undefined.
      const noCustomer = all.filter((id) => shipments.has(id) && orders.has(id) && !Object.values(shipments.get(id)).includes(orders.get(id).customer));
      const why = failures(r, 'shipping');
      const pass = all.length > 0 && missing.length === 0 && noCustomer.length === 0;
      let message = pass ? 'Shipping reacted to every order, for the right customer.' : `${missing.length} orders were never scheduled for shipping (${some(missing)})${why ? `: ${why}` : ''}.${neverAnnounced(r, missing) || unrouted(r)}`;
      if (!missing.length && noCustomer.length) {
        const id = noCustomer[0];
        const event = orderPlaced(r).first.get(id)?.event;
        const fields = event ? Object.keys(event.detail ?? {}).join(', ') : 'no event';
        message = `${noCustomer.length} shipments are not for the order's customer: ${id} was scheduled for ${JSON.stringify(shipments.get(id).customer)}, the order is ${JSON.stringify(orders.get(id).customer)}. Its OrderPlaced detail carries ${fields}${event && !('customer' in (event.detail ?? {})) ? ' — no `customer`: shipping reads detail.customer' : ''}. An event's fields are a contract with every consumer.`;
      }
      return {
        pass,
        expected: `a shipments row for each of the ${all.length} orders, for the order's customer`,
        actual: `${all.length - missing.length} of ${all.length} orders scheduled${noCustomer.length ? `, ${noCustomer.length} without the order's customer` : ''}${why ? `; ${why}` : ''}`,
        message,
      };
    },
  },
  {
    id: 'invoice-correct',
    title: 'Every order gets a complete invoice',
    hint: 'The invoice needs every line. When the event carries a reference, fetch the document with getObject.',
    section: 'claim-check-keep-big-payloads-out-of-events',
    run(r) {
      const { all } = orderIds(r);
      const orders = rows(r, 'orders');
      const invoices = rows(r, 'invoices');
      const why = failures(r, 'invoice');
      const missing = [];
      const wrong = [];
      for (const id of all) {
        const inv = invoices.get(id);
        const ord = orders.get(id);
        if (!inv) missing.push(id);
        else {
          const lines = invoiceLines(inv);
          if (ord && (!lines || lines.length !== ord.lineCount || Math.abs(Number(inv.total) - Number(ord.total)) > 0.01)) {
            wrong.push(`${id}: ${lines ? lines.length : 'no'} lines, total ${inv.total} (order: ${ord.lineCount} lines, total ${ord.total})`);
          }
        }
      }
      const pass = all.length > 0 && missing.length === 0 && wrong.length === 0;
      return {
        pass,
        expected: `an invoice for each of the ${all.length} orders with all its lines and the order's total`,
        actual: pass ? `${all.length} complete invoices` : `${missing.length} orders without an invoice, ${wrong.length} wrong${wrong.length ? ` (${wrong[0]})` : ''}${why ? `; ${why}` : ''}`,
        message: pass
          ? 'Every invoice matches its order.'
          : missing.length
            ? `${missing.length} orders have no invoice (${some(missing)})${why ? `: ${why}` : ''}.${invoiceCause(r, missing)}`
            : `${wrong.length} invoices do not match their order: ${wrong[0]}.`,
      };
    },
  },
  {
    id: 'claim-check',
    title: 'Big documents travel by reference',
    hint: 'putObject the document, put { bucket, key } in the event; the consumer calls getObject.',
    section: 'claim-check-keep-big-payloads-out-of-events',
    run(r) {
      const { wholesale } = orderIds(r);
      const { byOrder, largest } = orderPlaced(r);
      const announced = wholesale.filter((id) => byOrder.has(id));
      const fetched = r.sim.topology().edges.some((/** @type {any} */ e) => e.kind === 'calls' && e.from === 'invoice' && e.label === 'getObject');
      const stored = r.where('stored', 'order-documents').length;
      const late = storedLate(r);
      const pass = wholesale.length > 0 && announced.length === wholesale.length && largest <= LIMIT && stored >= wholesale.length && fetched && late.length === 0;
      return {
        pass,
        expected: `all ${wholesale.length} wholesale orders (300+ KB documents) announced with events under 256 KB; documents stored in order-documents and fetched by invoice`,
        actual: `${announced.length} of ${wholesale.length} wholesale orders announced; largest event detail ${kb(largest)}; ${stored} documents stored${late.length ? ` (${late.length} after their event)` : ''}; invoice ${fetched ? 'fetched' : 'never fetched'} a document`,
        message: pass
          ? 'The claim check keeps events small and the documents one getObject away.'
          : announced.length < wholesale.length
            ? sizeRefusals(r).big.length
              ? `${wholesale.length - announced.length} wholesale orders never made it onto the bus: their events (up to ${kb(sizeRefusals(r).largest)}) are bigger than the 256 KB event limit.`
              : `${wholesale.length - announced.length} wholesale orders were never announced on orders-bus${failures(r, 'order-service') ? ` (${failures(r, 'order-service')})` : ''}.`
            : !fetched
              ? 'The invoice service never fetched a document from the bucket: a claim check is only half done until the consumer redeems it with getObject.'
              : late.length
                ? `${late.length} documents were stored after their OrderPlaced event was put (${late[0].id}: event at ${secs(late[0].put)}, ${late[0].key} stored at ${secs(late[0].stored)}): a consumer fast enough gets the reference before the object exists. Write the document first, then publish.`
                : `Only ${stored} documents were stored for ${wholesale.length} wholesale orders.`,
      };
    },
  },
];
