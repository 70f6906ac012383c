// Idempotent, but a message that does not parse throws out of the handler: the whole batch fails.
import { send, tableGet, tablePut } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  body: string;
}

export async function handler(event: { Records: SqsRecord[] }) {
  for (const record of event.Records) {
    const command = JSON.parse(record.body) as { orderId: string; amount: number };
    if (await tableGet('payments', command.orderId)) continue; // already charged
    await tablePut('payments', { orderId: command.orderId, amount: command.amount });
    await send('card-gateway', { orderId: command.orderId, amount: command.amount });
  }
}
