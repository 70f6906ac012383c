// Claims each order properly, then fires the charge without waiting for it ("the gateway is slow,
// and nothing needs its answer"). The handler returns while the sends are in flight: Lambda deletes
// the batch and freezes the environment, and a frozen charge goes on only if that environment is
// used again — the last ones before a lull, and at the end of the run, never happen.
import { send, tablePut } from 'serverless-lab';

export const handler = async ({ Records }) => {
  const failed = [];
  for (const { messageId, body } of Records) {
    let order;
    try {
      order = JSON.parse(body);
    } catch {
      failed.push({ itemIdentifier: messageId });
      continue;
    }
    try {
      await tablePut('payments', { orderId: order.orderId, amount: order.amount }, { ifNotExists: true });
    } catch (e) {
      if (e.code === 'ConditionalCheckFailed') continue;
      throw e;
    }
    send('card-gateway', { orderId: order.orderId, amount: order.amount }).catch(() => {});
  }
  return { batchItemFailures: failed };
};
