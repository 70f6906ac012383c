// Load-leveling worker: one invocation per batch of up to 20 orders, one table write per batch.
// The module's top level is the init phase: `batches` lives as long as one execution environment.
import { tablePut } from 'serverless-lab';

let batches = 0;

export async function handler(event, context) {
  batches++;
  const orders = event.Records.map((record) => JSON.parse(record.body));
  const total = orders.reduce((sum, order) => sum + order.amount, 0);
  await tablePut('order-batches', {
    batchId: context.awsRequestId,
    orders: orders.map((order) => order.orderId),
    total,
    environment: context.environmentId,
    batchesInThisEnvironment: batches,
  });
}
