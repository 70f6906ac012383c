// JavaScript; the batch's orders stored as one comma-separated string.
import { tablePut } from 'serverless-lab';

export async function handler(event, context) {
  const ids = event.Records.map((r) => JSON.parse(r.body).orderId);
  await tablePut('order-batches', { batchId: context.awsRequestId, orderIds: ids.join(','), size: ids.length });
}
