// "Everything is an event": the charge is published on the bus too, and payments should pick it up.
import { putEvents } from 'serverless-lab';

export async function handler(event: { body: string }) {
  const order = JSON.parse(event.body) as { orderId: string; customerId: string; amount: number };
  await putEvents('shop-events', [
    { source: 'shop.orders', detailType: 'OrderPlaced', detail: order },
    { source: 'shop.orders', detailType: 'ChargeCard', detail: { orderId: order.orderId, amount: order.amount } },
  ]);
  return { statusCode: 201, body: JSON.stringify({ orderId: order.orderId, status: 'placed' }) };
}
