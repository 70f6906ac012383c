// The payments worker: the platform polls the charge-card queue and
// hands this function batches of up to 10 messages. Every message in
// card-gateway moves real money.
//
// Run the checks as it is first: some customers are charged twice, and
// one corrupt message takes healthy orders down with it. Then:
//   TODO 1: make charging idempotent. Delivery is at least once: the
//           same order can arrive again, even under a NEW message id (a
//           producer retry). Claim each order in the `payments` table
//           (key: orderId) with a conditional write — await
//           tablePut(..., { ifNotExists: true }) throws when the item
//           already exists — and only charge when the claim succeeded.
//   TODO 2: a message you cannot parse must not fail the whole batch.
//           The event source mapping has reportBatchItemFailures on:
//           for the bad ones only, return
//             { batchItemFailures: [{ itemIdentifier: messageId }] }
//           Don't swallow them either: the queue's redrive policy
//           should move them to the dead-letter queue.
import { send } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  body: string;
  attributes: { ApproximateReceiveCount: string };
}

export async function handler(event: { Records: SqsRecord[] }) {
  for (const record of event.Records) {
    const command = JSON.parse(record.body) as { type: string; orderId: string; amount: number };
    await send('card-gateway', { orderId: command.orderId, amount: command.amount });
  }
}
