// The order service: POST /orders. It tells the world a FACT and gives payments a COMMAND.
import { putEvents, send } from 'serverless-lab';

interface Order {
  orderId: string;
  customerId: string;
  amount: number;
}

export async function handler(event: { body: string }) {
  const order = JSON.parse(event.body) as Order;

  // A fact, in the past tense, broadcast to whoever cares (0, 1 or 10 subscribers: not our business).
  await putEvents('shop-events', [
    { source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId: order.orderId, customerId: order.customerId, amount: order.amount } },
  ]);

  // A command, in the imperative, sent to the one service that must do it.
  await send('payments', { type: 'ChargeCard', orderId: order.orderId, customerId: order.customerId, amount: order.amount });

  return { statusCode: 201, body: JSON.stringify({ orderId: order.orderId, status: 'placed' }) };
}
