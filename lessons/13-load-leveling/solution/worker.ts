// Load-leveling worker: ONE table write per batch. With at most 2 invocations of 200 ms running at
// once there are at most 10 invocations — so 10 writes — per second, whatever the traffic upstream.
import { tablePut } from 'serverless-lab';

interface SqsRecord {
  messageId: string;
  body: string;
}

interface Order {
  orderId: string;
  amount: number;
}

export async function handler(event: { Records: SqsRecord[] }, context: { awsRequestId: string }): Promise<void> {
  const orders = event.Records.map((record) => JSON.parse(record.body) as Order);
  await tablePut('order-batches', {
    batchId: context.awsRequestId,
    orders: orders.map((order) => order.orderId),
    total: orders.reduce((sum, order) => sum + order.amount, 0),
  });
}
