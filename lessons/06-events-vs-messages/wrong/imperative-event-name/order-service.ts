// The event is named like an instruction.
import { putEvents, send } from 'serverless-lab';

export async function handler(event: { body: string }) {
  const order = JSON.parse(event.body) as { orderId: string; customerId: string; amount: number };
  await putEvents('shop-events', [{ source: 'shop.orders', detailType: 'PlaceOrder', detail: order }]);
  await send('payments', { type: 'ChargeCard', orderId: order.orderId, amount: order.amount });
  return { statusCode: 201, body: JSON.stringify({ orderId: order.orderId, status: 'placed' }) };
}
