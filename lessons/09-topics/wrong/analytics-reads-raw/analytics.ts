// Reads the body as the order event, like the warehouse does.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ body: string; attributes: { SentTimestamp: string } }> }) {
  for (const record of event.Records) {
    const order = JSON.parse(record.body);
    await tablePut('order-analytics', {
      orderId: order.orderId,
      eventType: order.eventType,
      amount: order.amount,
      publishedAt: new Date(Number(record.attributes.SentTimestamp)).toISOString(),
    });
  }
}
