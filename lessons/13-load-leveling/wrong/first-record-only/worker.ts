// Treats the event as ONE message: only the first record of each batch is written.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }, context: { awsRequestId: string }): Promise<void> {
  const order = JSON.parse(event.Records[0].body) as { orderId: string; amount: number };
  await tablePut('order-batches', { batchId: context.awsRequestId, orders: [order.orderId], total: order.amount });
}
