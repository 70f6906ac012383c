// Remembers charged orders in a module-level Set: it survives between invocations... of ONE environment.
import { log, send } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  body: string;
}

const charged = new Set<string>();

export async function handler(event: { Records: SqsRecord[] }) {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    let command: { orderId: string; amount: number };
    try {
      command = JSON.parse(record.body);
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }
    if (charged.has(command.orderId)) {
      log(`duplicate ${command.orderId} skipped`);
      continue;
    }
    charged.add(command.orderId);
    await send('card-gateway', { orderId: command.orderId, amount: command.amount });
  }
  return { batchItemFailures };
}
