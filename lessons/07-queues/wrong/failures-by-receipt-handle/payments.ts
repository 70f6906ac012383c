// Idempotent, and reports the poison message — by its receipt handle instead of its message id.
import { log, send, tablePut } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  receiptHandle: string;
  body: string;
  attributes: { ApproximateReceiveCount: string };
}

interface ChargeCard {
  type: 'ChargeCard';
  orderId: string;
  amount: number;
}

/** Parse and validate one message; throws on anything that is not a well-formed ChargeCard. */
function parse(body: string): ChargeCard {
  const command = JSON.parse(body) as Partial<ChargeCard>;
  if (command?.type !== 'ChargeCard' || typeof command.orderId !== 'string' || typeof command.amount !== 'number') {
    throw new Error(`not a ChargeCard command: ${body.slice(0, 60)}`);
  }
  return command as ChargeCard;
}

export async function handler(event: { Records: SqsRecord[] }) {
  const batchItemFailures: Array<{ itemIdentifier: string }> = [];
  for (const record of event.Records) {
    let command: ChargeCard;
    try {
      command = parse(record.body);
    } catch (err) {
      // A poison message: report it as failed. It returns to the queue, and after maxReceiveCount
      // receives the queue moves it to the dead-letter queue, where a person can look at it.
      log(`cannot process ${record.messageId} (receive #${record.attributes.ApproximateReceiveCount}): ${(err as Error).message}`);
      batchItemFailures.push({ itemIdentifier: record.receiptHandle });
      continue;
    }

    // Idempotency: the first delivery of an order claims it with a conditional write; every later
    // copy (a queue duplicate or a producer retry with a new message id) finds the claim and stops.
    try {
      await tablePut('payments', { orderId: command.orderId, amount: command.amount, messageId: record.messageId }, { ifNotExists: true });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ConditionalCheckFailed') throw err; // a real failure: retry the message
      log(`${command.orderId} already charged: duplicate ${record.messageId} ignored`);
      continue;
    }
    await send('card-gateway', { orderId: command.orderId, amount: command.amount });
  }
  return { batchItemFailures };
}
