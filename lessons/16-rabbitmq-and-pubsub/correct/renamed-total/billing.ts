import { publish, tablePut, type AmqpMessage } from 'serverless-lab';
export async function handler(message: AmqpMessage) {
  const e = JSON.parse(message.content) as { id: string; buyer: string; total: unknown };
  if (typeof e.total !== 'number') throw new Error(`cannot bill ${e.id}: total ${String(e.total)}`);
  await tablePut('charges', { orderId: e.id, customer: e.buyer, amount: e.total });
  await publish('customer-ledger', { orderId: e.id, customer: e.buyer, amount: e.total }, { orderingKey: e.buyer });
}
