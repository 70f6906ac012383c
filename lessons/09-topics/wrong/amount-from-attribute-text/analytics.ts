// Takes eventType and amount from the envelope's MessageAttributes, as the text they arrive in.
import { tablePut } from 'serverless-lab';

interface Envelope {
  Type: 'Notification';
  MessageId: string;
  Message: string;
  Timestamp: string;
}

export async function handler(event: { Records: Array<{ body: string }> }) {
  for (const record of event.Records) {
    const envelope = JSON.parse(record.body) as Envelope;
    const order = JSON.parse(envelope.Message);
    await tablePut('order-analytics', { orderId: order.orderId, eventType: (envelope as any).MessageAttributes.eventType.Value, amount: (envelope as any).MessageAttributes.amount.Value, publishedAt: envelope.Timestamp });
  }
}
