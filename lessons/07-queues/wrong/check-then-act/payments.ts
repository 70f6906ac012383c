// Looks the order up first and charges only when it is not there yet. With one consumer at a time
// that works; but two environments handling copies of one order at the same moment both look before
// either has written, both find nothing, and both charge.
import { send, tableGet, tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }) {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    let order: { orderId: string; amount: number };
    try {
      order = JSON.parse(record.body);
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    const already = await tableGet('payments', order.orderId);
    if (already) continue; // charged before
    await tablePut('payments', { orderId: order.orderId, amount: order.amount, messageId: record.messageId });
    await send('card-gateway', { orderId: order.orderId, amount: order.amount });
  }
  return { batchItemFailures };
}
