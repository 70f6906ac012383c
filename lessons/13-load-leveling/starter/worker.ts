// The order writer: the platform polls the `orders` queue and calls
// this handler with a batch of up to 5 messages (event.Records). At
// most 2 invocations run at once (the event source mapping's
// maxConcurrency), each takes 200 ms.
//
// The `order-batches` table is provisioned for 10 writes per second and
// throttles anything above. 2 concurrent invocations × (1 s / 200 ms) =
// at most 10 invocations per second — so how many table writes may ONE
// invocation make?
import { tablePut } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  body: string; // JSON: { "orderId": "order-17", "amount": 120 }
}

export async function handler(event: { Records: SqsRecord[] }, context: { awsRequestId: string }): Promise<void> {
  // TODO: parse every order of the batch (JSON.parse(record.body)).
  // TODO: write the batch to the `order-batches` table (key attribute:
  //       batchId) with `await tablePut(...)` so that every order in
  //       the batch is recorded — without exceeding the table's
  //       10 writes/s.
  // Returning normally deletes the whole batch from the queue: anything
  // not written is lost.
  void tablePut;
  void context;
  console.log(`received ${event.Records.length} orders`);
}
