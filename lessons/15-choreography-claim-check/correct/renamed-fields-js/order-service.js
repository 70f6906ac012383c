const { putEvents, putObject, tablePut } = require('serverless-lab');

const CATALOG = [
  { sku: 'BOLT-M8-40', description: 'Hex bolt M8 x 40 mm, zinc plated, box of 100', unitPrice: 12.5 },
  { sku: 'NUT-M8', description: 'Hex nut M8, zinc plated, box of 200', unitPrice: 6.2 },
  { sku: 'WASHER-M8', description: 'Flat washer M8, stainless steel, box of 200', unitPrice: 4.75 },
  { sku: 'DRILL-HSS-8', description: 'HSS twist drill bit 8 mm, pack of 10', unitPrice: 18.9 },
];
const cents = (x) => Math.round(x * 100) / 100;
function priceLines(orderId, lineCount) {
  const seed = Number(orderId.replace(/\D/g, '')) || 1;
  return Array.from({ length: lineCount }, (_, i) => {
    const item = CATALOG[(seed + i) % CATALOG.length];
    const qty = 1 + ((seed * 7 + i * 3) % 9);
    return { line: i + 1, ...item, qty, amount: cents(qty * item.unitPrice) };
  });
}

exports.handler = async ({ orderId, customer, lineCount }) => {
  const lines = priceLines(orderId, lineCount);
  const total = cents(lines.reduce((s, l) => s + l.amount, 0));
  await tablePut('orders', { orderId, customer, lineCount: lines.length, total });
  const claim = { bucket: 'order-documents', key: `docs/${orderId}` };
  await putObject(claim.bucket, claim.key, JSON.stringify({ lines }));
  await putEvents('orders-bus', [{ source: 'shop.orders', detailType: 'OrderPlaced', detail: { id: orderId, customer, total, claim } }]);
};
