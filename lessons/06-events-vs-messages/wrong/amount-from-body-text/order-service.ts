// Forwards the amount as the text it arrived in, so payments gets "120" instead of 120.
import { putEvents, send } from 'serverless-lab';

export async function handler(event: { body: string }) {
  const order = JSON.parse(event.body) as { orderId: string; customerId: string; amount: number };
  await putEvents('shop-events', [{ source: 'shop.orders', detailType: 'OrderPlaced', detail: order }]);
  await send('payments', { type: 'ChargeCard', orderId: order.orderId, amount: String(order.amount) });
  return { statusCode: 201, body: JSON.stringify({ orderId: order.orderId }) };
}
