// Answers nothing when every record went well, and the failures only when there are some.
import { send, tablePut } from 'serverless-lab';

export async function handler(event) {
  const failed = [];
  for (const r of event.Records) {
    let cmd = null;
    try { cmd = JSON.parse(r.body); } catch { failed.push(r.messageId); continue; }
    const fresh = await tablePut('payments', { orderId: cmd.orderId }, { ifNotExists: true }).then(() => true, (e) => {
      if (e.code === 'ConditionalCheckFailed') return false;
      throw e;
    });
    if (fresh) await send('card-gateway', { orderId: cmd.orderId, amount: cmd.amount });
  }
  if (failed.length) return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}
