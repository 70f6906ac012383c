import { tablePut } from 'serverless-lab';
export async function handler(event: { Records: { body: string }[] }) {
  const orders = event.Records.map((r) => JSON.parse(r.body).orderId as string);
  await tablePut('order-batches', { batchId: `batch-${Math.floor(Date.now() / 1000)}`, orders });
}
