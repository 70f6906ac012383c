// Keeps the orders it has seen and announces the whole list each time ("so nobody misses one").
import { putEvents, send } from 'serverless-lab';

interface Order { orderId: string; customerId: string; amount: number }
const placed: Order[] = [];

export const handler = async ({ body }: { body: string }) => {
  const order: Order = JSON.parse(body);
  placed.push(order);
  await putEvents('shop-events', placed.slice(-10).map((o) => ({ source: 'shop.orders', detailType: 'OrderPlaced', detail: o })));
  await send('payments', { type: 'ChargeCard', orderId: order.orderId, amount: order.amount });
  return { statusCode: 201 };
};
