// Unwraps the envelope, but stamps each row with the time analytics got to it.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: { body: string }[] }) {
  for (const record of event.Records) {
    const order = JSON.parse(JSON.parse(record.body).Message);
    await tablePut('order-analytics', { orderId: order.orderId, eventType: order.eventType, amount: order.amount, publishedAt: new Date().toISOString() });
  }
}
