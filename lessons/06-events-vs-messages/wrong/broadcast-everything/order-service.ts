// "Just to be safe": both messages go to both channels.
import { putEvents, send } from 'serverless-lab';

export async function handler(event: { body: string }) {
  const order = JSON.parse(event.body) as { orderId: string; customerId: string; amount: number };
  const placed = { orderId: order.orderId, customerId: order.customerId, amount: order.amount };
  const charge = { type: 'ChargeCard', orderId: order.orderId, amount: order.amount };
  await putEvents('shop-events', [
    { source: 'shop.orders', detailType: 'OrderPlaced', detail: placed },
    { source: 'shop.orders', detailType: 'ChargeCard', detail: charge },
  ]);
  await send('payments', charge);
  await send('payments', { type: 'OrderPlaced', ...placed });
  return { statusCode: 201, body: JSON.stringify({ orderId: order.orderId, status: 'placed' }) };
}
