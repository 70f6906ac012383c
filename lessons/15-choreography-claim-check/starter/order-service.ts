// The order service. It is invoked once per checkout with
// { orderId, customer, lineCount }, prices the order's lines, records
// the order in its own `orders` table and announces it with ONE
// OrderPlaced event on `orders-bus`. It does not know — and must not
// care — who reacts.
//
// Problem: wholesale orders have ~3,000 lines (~350 KB), and an
// EventBridge event (PutEvents) may be at most 256 KB. TODO: apply the
// claim check — store the big document in the `order-documents` bucket
// and put only a reference to it in the event.
import { putEvents, putObject, tablePut } from 'serverless-lab';

interface Checkout {
  orderId: string;
  customer: string;
  lineCount: number;
}

export interface Line {
  line: number;
  sku: string;
  description: string;
  unitPrice: number;
  qty: number;
  amount: number;
}

const CATALOG = [
  { sku: 'BOLT-M8-40', description: 'Hex bolt M8 x 40 mm, zinc plated, box of 100', unitPrice: 12.5 },
  { sku: 'NUT-M8', description: 'Hex nut M8, zinc plated, box of 200', unitPrice: 6.2 },
  { sku: 'WASHER-M8', description: 'Flat washer M8, stainless steel, box of 200', unitPrice: 4.75 },
  { sku: 'DRILL-HSS-8', description: 'HSS twist drill bit 8 mm, pack of 10', unitPrice: 18.9 },
];

const cents = (x: number) => Math.round(x * 100) / 100;

/**
 * The priced lines of an order (deterministic: the same order always
 * gets the same lines).
 */
function priceLines(orderId: string, lineCount: number): Line[] {
  const seed = Number(orderId.replace(/\D/g, '')) || 1;
  return Array.from({ length: lineCount }, (_, i) => {
    const item = CATALOG[(seed + i) % CATALOG.length];
    const qty = 1 + ((seed * 7 + i * 3) % 9);
    return { line: i + 1, ...item, qty, amount: cents(qty * item.unitPrice) };
  });
}

export async function handler(checkout: Checkout): Promise<void> {
  const lines = priceLines(checkout.orderId, checkout.lineCount);
  const total = cents(lines.reduce((sum, l) => sum + l.amount, 0));

  // The order service's own record (keep it: the checks compare the
  // invoices with it).
  await tablePut('orders', { orderId: checkout.orderId, customer: checkout.customer, lineCount: lines.length, total });

  // TODO: claim check — await putObject('order-documents', <key>,
  //       JSON.stringify(...)) and send a reference instead of the
  //       lines.
  void putObject;
  await putEvents('orders-bus', [
    { source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId: checkout.orderId, customer: checkout.customer, total, lines } },
  ]);
}
