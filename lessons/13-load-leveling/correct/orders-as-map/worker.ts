// The batch as a map from order id to amount, keyed by the first message's id.
import { tablePut } from 'serverless-lab';

type Order = { orderId: string; amount: number };

export async function handler(event: { Records: { messageId: string; body: string }[] }): Promise<void> {
  const amounts: Record<string, number> = {};
  for (const record of event.Records) {
    const order = JSON.parse(record.body) as Order;
    amounts[order.orderId] = order.amount;
  }
  await tablePut('order-batches', { batchId: event.Records[0].messageId, amounts });
}
