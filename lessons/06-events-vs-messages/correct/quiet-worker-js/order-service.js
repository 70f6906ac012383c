// The order service in JavaScript: one fact for the world, one command for payments.
import { putEvents, send } from 'serverless-lab';

export async function handler(event) {
  const { orderId, customerId, amount } = JSON.parse(event.body);
  await putEvents('shop-events', [{ source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId, customerId, amount } }]);
  await send('payments', { type: 'ChargeCard', orderId, amount, currency: 'EUR' });
  return { statusCode: 202, body: JSON.stringify({ accepted: orderId }) };
}
