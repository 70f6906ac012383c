// One row per order: the obvious design — and 5 writes per invocation.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }): Promise<void> {
  for (const record of event.Records) {
    const order = JSON.parse(record.body) as { orderId: string; amount: number };
    await tablePut('order-batches', { batchId: order.orderId, orders: [order.orderId], total: order.amount });
  }
}
