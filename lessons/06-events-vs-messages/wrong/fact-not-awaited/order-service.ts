// Announces without waiting: putEvents is not awaited.
import { putEvents, send } from 'serverless-lab';

interface Order { orderId: string; customerId: string; amount: number }

const orderPlaced = (o: Order) => ({ source: 'shop.orders', detailType: 'OrderPlaced', detail: { ...o } });
const chargeCard = (o: Order) => ({ type: 'ChargeCard' as const, orderId: o.orderId, amount: o.amount, customerId: o.customerId });

export const handler = async ({ body }: { body: string }) => {
  const order: Order = JSON.parse(body);
  const [fact, command] = [orderPlaced(order), chargeCard(order)];
  putEvents('shop-events', [fact]); // nobody waits for an announcement
  await send('payments', command);
  return { statusCode: 201, body: JSON.stringify(order) };
};
