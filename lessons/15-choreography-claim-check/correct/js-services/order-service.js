// JavaScript: the order row, the document in the bucket, and a small event that points at it.
import { putEvents, putObject, tablePut } from 'serverless-lab';

const PRICES = [12.5, 6.2, 4.75, 18.9];
const round = (x) => Math.round(x * 100) / 100;

export async function handler({ orderId, customer, lineCount }) {
  const n = Number(orderId.replace(/\D/g, '')) || 1;
  const lines = [];
  for (let i = 0; i < lineCount; i++) {
    const unitPrice = PRICES[(n + i) % 4];
    const qty = 1 + ((n * 7 + i * 3) % 9);
    lines.push({ line: i + 1, sku: `P${(n + i) % 4}`, text: 'Assorted trade fasteners, boxed', unitPrice, qty, amount: round(qty * unitPrice) });
  }
  const total = round(lines.reduce((s, l) => s + l.amount, 0));
  await tablePut('orders', { orderId, customer, lineCount, total });
  const document = { bucket: 'order-documents', key: `${customer}/${orderId}.json` };
  await putObject(document.bucket, document.key, JSON.stringify({ orderId, customer, total, lines }));
  await putEvents('orders-bus', [{ source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId, customer, total, document } }]);
}
