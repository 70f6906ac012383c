// Subscribed to order-events with a filter policy: only OrderPlaced
// with amount >= 1000 arrive. A function subscription always gets the
// SNS event: the message is in Records[0].Sns.Message.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ Sns: { Message: string; MessageAttributes: Record<string, { Type: string; Value: string }> } }> }) {
  for (const record of event.Records) {
    const order = JSON.parse(record.Sns.Message);
    await tablePut('fraud-reviews', { orderId: order.orderId, amount: order.amount, country: order.country });
    console.log(`reviewing ${order.orderId} (${order.amount})`);
  }
}
