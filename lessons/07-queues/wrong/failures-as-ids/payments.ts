// Idempotent, and reports the poison message — as a bare list of ids, which Lambda cannot read.
import { send, tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }) {
  const failed: string[] = [];
  for (const record of event.Records) {
    let order: { orderId: string; amount: number };
    try {
      order = JSON.parse(record.body);
    } catch {
      failed.push(record.messageId);
      continue;
    }
    try {
      await tablePut('payments', { orderId: order.orderId }, { ifNotExists: true });
    } catch (e) {
      if ((e as { code?: string }).code === 'ConditionalCheckFailed') continue;
      throw e;
    }
    await send('card-gateway', { orderId: order.orderId, amount: order.amount });
  }
  return { batchItemFailures: failed };
}
