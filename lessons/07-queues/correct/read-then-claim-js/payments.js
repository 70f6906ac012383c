// JavaScript: parse, claim with a conditional put, charge; report what could not be parsed.
import { send, tablePut } from 'serverless-lab';

export const handler = async ({ Records }) => {
  const batchItemFailures = [];
  for (const { messageId, body } of Records) {
    let cmd;
    try {
      cmd = JSON.parse(body);
    } catch {
      batchItemFailures.push({ itemIdentifier: messageId });
      continue;
    }
    try {
      await tablePut('payments', { orderId: cmd.orderId, amount: cmd.amount }, { ifNotExists: true });
    } catch (e) {
      if (e.code === 'ConditionalCheckFailed') continue; // already charged
      throw e;
    }
    await send('card-gateway', { orderId: cmd.orderId, amount: cmd.amount });
  }
  return { batchItemFailures };
};
