// "Claims" each order with a plain put: it records the payment, but a put without a condition
// never refuses a second one, so every copy is charged again.
import { send, tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }) {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    let order;
    try {
      order = JSON.parse(record.body) as { orderId: string; amount: number };
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    await tablePut('payments', { orderId: order.orderId, seenAt: record.messageId });
    await send('card-gateway', { orderId: order.orderId, amount: order.amount });
  }
  return { batchItemFailures };
}
