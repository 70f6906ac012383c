// Reads eventType and amount back from the envelope's MessageAttributes (Number values come as text).
import { tablePut } from 'serverless-lab';

type Attr = { Type: string; Value: string };
type Envelope = { Message: string; Timestamp: string; MessageAttributes: Record<string, Attr> };

const value = (a: Attr) => (a.Type === 'Number' ? Number(a.Value) : a.Value);

export async function handler(event: { Records: { body: string }[] }) {
  for (const { body } of event.Records) {
    const env: Envelope = JSON.parse(body);
    const { orderId } = JSON.parse(env.Message) as { orderId: string };
    await tablePut('order-analytics', {
      orderId,
      eventType: value(env.MessageAttributes.eventType),
      amount: value(env.MessageAttributes.amount),
      publishedAt: env.Timestamp,
    });
  }
}
