import { tablePut } from 'serverless-lab';

type Rec = { messageId: string; body: string };

export async function handler(event: { Records: Rec[] }, context: { awsRequestId: string }) {
  const byId: Record<string, { amount: number; msg: string }> = {};
  for (const { body, messageId } of event.Records) {
    const { orderId, amount } = JSON.parse(body);
    byId[orderId] = { amount, msg: messageId };
  }
  await tablePut('order-batches', { batchId: context.awsRequestId, detail: { orders: byId, receivedAt: new Date().toISOString() } });
}
