// Wrong: the publisher picks the queues itself (SQS style), through the default exchange.
import { send } from 'serverless-lab';

export async function handler(order: { region: string; type: string }) {
  if (order.type === 'created') await send('billing', order);
  if (order.region === 'eu') await send('eu-warehouse', order);
}
