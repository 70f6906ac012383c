import { tablePut } from 'serverless-lab';
export async function handler(event: { Records: { body: string }[] }, context: { awsRequestId: string }) {
  const orders = event.Records.map((r) => JSON.parse(r.body).orderId as string);
  tablePut('order-batches', { batchId: context.awsRequestId, orders });
}
