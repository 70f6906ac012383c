// Idempotent, and "robust": a message that does not parse is logged and skipped.
import { log, send, tablePut } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  body: string;
}

export async function handler(event: { Records: SqsRecord[] }) {
  for (const record of event.Records) {
    let command: { orderId: string; amount: number };
    try {
      command = JSON.parse(record.body);
    } catch {
      log(`skipping unreadable message ${record.messageId}`);
      continue;
    }
    try {
      await tablePut('payments', { orderId: command.orderId, amount: command.amount }, { ifNotExists: true });
    } catch {
      continue; // already charged
    }
    await send('card-gateway', { orderId: command.orderId, amount: command.amount });
  }
}
