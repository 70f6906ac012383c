// Handles the poison message properly, but trusts the queue to deliver each order once.
import { log, send } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  body: string;
}

export async function handler(event: { Records: SqsRecord[] }) {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    try {
      const command = JSON.parse(record.body);
      await send('card-gateway', { orderId: command.orderId, amount: command.amount });
    } catch (err) {
      log(`bad message ${record.messageId}`);
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
