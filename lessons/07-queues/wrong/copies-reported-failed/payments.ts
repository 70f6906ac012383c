// Reports copies as failures too ("not processed"), next to the poison message.
import { send, tablePut, type SQSEvent } from 'serverless-lab';

export async function handler(event: SQSEvent) {
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    let cmd: { orderId: string; amount: number };
    try {
      cmd = JSON.parse(record.body);
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    try {
      await tablePut('payments', { orderId: cmd.orderId }, { ifNotExists: true });
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId }); // a duplicate: not processed
      continue;
    }
    await send('card-gateway', { orderId: cmd.orderId, amount: cmd.amount });
  }
  return { batchItemFailures };
}
