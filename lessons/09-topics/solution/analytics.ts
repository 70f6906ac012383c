// Pulls from analytics-events, whose subscription has raw delivery OFF: each SQS body is the SNS
// envelope (Type, MessageId, TopicArn, Message, MessageAttributes, Timestamp) and the order event
// is the JSON string inside `Message`.
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
    await tablePut('order-analytics', { orderId: order.orderId, eventType: order.eventType, amount: order.amount, publishedAt: envelope.Timestamp });
  }
}
