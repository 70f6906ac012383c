// Claims with a conditional UpdateItem instead of a conditional put: the update creates the item,
// unless one with this orderId exists already (then ConditionalCheckFailed: a copy, skip it).
import { send, tableUpdate } from 'serverless-lab';

export async function handler(event) {
  const batchItemFailures = [];
  for (const record of event.Records) {
    let order;
    try {
      order = JSON.parse(record.body);
      if (typeof order.orderId !== 'string') throw new Error('no orderId');
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await tableUpdate('payments', order.orderId, { set: { amount: order.amount, claimedBy: record.messageId } }, { condition: { orderId: { exists: false } } });
    } catch (err) {
      if (err.code === 'ConditionalCheckFailed') continue; // another delivery claimed it
      throw err;
    }
    await send('card-gateway', { orderId: order.orderId, amount: order.amount });
  }
  return { batchItemFailures };
}
