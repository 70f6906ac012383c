import { tablePut } from 'serverless-lab';
export async function handler(event: { Records: { messageId: string; body: string }[] }, context: { awsRequestId: string }) {
  await tablePut('order-batches', { batchId: context.awsRequestId, orders: event.Records.map((r) => r.messageId) });
}
