// JavaScript: the envelope's Timestamp as publishedAt, kept as epoch milliseconds.
import { tablePut } from 'serverless-lab';

export async function handler({ Records }) {
  for (const { body } of Records) {
    const { Message, Timestamp } = JSON.parse(body);
    const { orderId, eventType, amount } = JSON.parse(Message);
    await tablePut('order-analytics', { orderId, eventType, amount, publishedAt: Date.parse(Timestamp) });
  }
}
