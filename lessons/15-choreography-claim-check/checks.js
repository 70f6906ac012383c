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
 * Order ids the checkout traffic created: r-1…r-N (retail), w-1…w-M (wholesale).
 * @param {any} r
 */
function orderIds(r) {
  const retail = r.where('request', 'retail').length;
  const wholesale = r.where('request', 'wholesale').length;
  return {
    all: [...Array.from({ length: retail }, (_, i) => `r-${i + 1}`), ...Array.from({ length: wholesale }, (_, i) => `w-${i + 1}`)],
    wholesale: Array.from({ length: wholesale }, (_, i) => `w-${i + 1}`),
  };
}

/**
 * OrderPlaced events (from the bus archive), by order id, with their size.
 * @param {any} r
 */
function orderPlaced(r) {
  /** @type {Map<string, number[]>} */
  const byOrder = new Map();
  let largest = 0;
  for (const e of r.sim.buses.get('orders-bus').archived('all-events')) {
    if (e['detail-type'] !== 'OrderPlaced') continue;
    const size = Buffer.byteLength(JSON.stringify(e.detail));
    largest = Math.max(largest, size);
    const id = String(e.detail?.orderId);
    byOrder.set(id, [...(byOrder.get(id) ?? []), size]);
  }
  return { byOrder, largest };
}

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
              : `${missing.length} orders never reached the bus${why ? ` (${why})` : ''}: nobody downstream knows about them.`
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
      const noCustomer = all.filter((id) => shipments.has(id) && orders.has(id) && shipments.get(id).customer !== orders.get(id).customer);
      const why = failures(r, 'shipping');
      const pass = all.length > 0 && missing.length === 0 && noCustomer.length === 0;
      let message = pass ? 'Shipping reacted to every order, for the right customer.' : `${missing.length} orders were never scheduled for shipping (${some(missing)})${why ? `: ${why}` : ''}.`;
      if (!missing.length && noCustomer.length) {
        const id = noCustomer[0];
        const event = r.sim.buses.get('orders-bus').archived('all-events').find((/** @type {any} */ e) => e['detail-type'] === 'OrderPlaced' && String(e.detail?.orderId) === id);
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
        else if (ord && (!Array.isArray(inv.lines) || inv.lines.length !== ord.lineCount || Math.abs(Number(inv.total) - Number(ord.total)) > 0.01)) {
          wrong.push(`${id}: ${Array.isArray(inv.lines) ? inv.lines.length : 'no'} lines, total ${inv.total} (order: ${ord.lineCount} lines, total ${ord.total})`);
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
            ? `${missing.length} orders have no invoice (${some(missing)})${why ? `: ${why}` : ''}. If the event carries a reference, the lines are not in it: get the document from the bucket.`
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
      const pass = wholesale.length > 0 && announced.length === wholesale.length && largest <= LIMIT && stored >= wholesale.length && fetched;
      return {
        pass,
        expected: `all ${wholesale.length} wholesale orders (300+ KB documents) announced with events under 256 KB; documents stored in order-documents and fetched by invoice`,
        actual: `${announced.length} of ${wholesale.length} wholesale orders announced; largest event detail ${kb(largest)}; ${stored} documents stored; invoice ${fetched ? 'fetched' : 'never fetched'} a document`,
        message: pass
          ? 'The claim check keeps events small and the documents one getObject away.'
          : announced.length < wholesale.length
            ? sizeRefusals(r).big.length
              ? `${wholesale.length - announced.length} wholesale orders never made it onto the bus: their events (up to ${kb(sizeRefusals(r).largest)}) are bigger than the 256 KB event limit.`
              : `${wholesale.length - announced.length} wholesale orders were never announced on orders-bus${failures(r, 'order-service') ? ` (${failures(r, 'order-service')})` : ''}.`
            : !fetched
              ? 'The invoice service never fetched a document from the bucket: a claim check is only half done until the consumer redeems it with getObject.'
              : `Only ${stored} documents were stored for ${wholesale.length} wholesale orders.`,
      };
    },
  },
];
