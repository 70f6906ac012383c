// The payments worker, configured as Lambda code usually is: the table and the queue it uses come
// from its environment variables (the scenario's `environment`), read once at init, so the same code
// runs against another stage's resources unchanged.
import { log, send, tablePut } from 'serverless-lab';

const PAYMENTS_TABLE = required('PAYMENTS_TABLE');
const CARD_GATEWAY_QUEUE = required('CARD_GATEWAY_QUEUE');

/** A setting the function cannot run without: a missing one fails the init phase, loudly. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

interface SqsRecord {
  messageId: string;
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
      batchItemFailures.push({ itemIdentifier: record.messageId });
      continue;
    }

    // Idempotency: the first delivery of an order claims it with a conditional write; every later
    // copy (a queue duplicate or a producer retry with a new message id) finds the claim and stops.
    try {
      await tablePut(PAYMENTS_TABLE, { orderId: command.orderId, amount: command.amount, messageId: record.messageId }, { ifNotExists: true });
    } catch (err) {
      if ((err as { code?: string }).code !== 'ConditionalCheckFailed') throw err; // a real failure: retry the message
      log(`${command.orderId} already charged: duplicate ${record.messageId} ignored`);
      continue;
    }
    await send(CARD_GATEWAY_QUEUE, { orderId: command.orderId, amount: command.amount });
  }
  return { batchItemFailures };
}
