// Unwraps the envelope correctly, but dates each row with the SQS message's SentTimestamp ("the
// message has a timestamp already"): that is when SNS delivered the copy to analytics-events, a
// few tens of milliseconds after the publish — not when the topic published the event.
import { tablePut, type SQSEvent } from 'serverless-lab';

export async function handler(event: SQSEvent) {
  for (const { body, attributes } of event.Records) {
    const { orderId, eventType, amount } = JSON.parse(JSON.parse(body).Message);
    await tablePut('order-analytics', { orderId, eventType, amount, publishedAt: Number(attributes.SentTimestamp) });
  }
}
