// Catches the refused claim and logs it — then goes on to charge anyway.
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
    } catch (err) {
      console.log(`claim for ${cmd.orderId} refused: ${(err as Error).message}`);
    }
    await send('card-gateway', { orderId: cmd.orderId, amount: cmd.amount });
  }
  return { batchItemFailures };
}
