// Another correct billing, in JavaScript: validates first, and names the ordering key once.
import { publish, tablePut } from 'serverless-lab';

const valid = (o) => Number.isFinite(o.amount) && o.amount > 0;

export async function handler(message) {
  const order = JSON.parse(message.content);
  if (!valid(order)) throw new Error(`cannot bill ${order.orderId}`);
  const entry = { orderId: order.orderId, customer: order.customer, amount: order.amount };
  await tablePut('charges', entry);
  await publish('customer-ledger', JSON.stringify(entry), { orderingKey: entry.customer });
}
