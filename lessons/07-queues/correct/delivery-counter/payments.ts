// Idempotency by an atomic counter: every delivery adds 1 to the order's item; only the delivery
// that made it 1 charges.
import { send, tableUpdate, type SQSEvent } from 'serverless-lab';

export async function handler(event: SQSEvent) {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    let order: { orderId: string; amount: number };
    try {
      order = JSON.parse(record.body);
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const item = await tableUpdate('payments', order.orderId, { add: { deliveries: 1 }, set: { amount: order.amount } });
    if (item.deliveries === 1) await send('card-gateway', { orderId: order.orderId, amount: order.amount });
  }
  return { batchItemFailures };
}
