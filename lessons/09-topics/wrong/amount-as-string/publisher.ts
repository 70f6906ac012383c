// Attributes as strings, the way they look in the console.
import { publish } from 'serverless-lab';

export async function handler(event: { orderId: string; eventType: string; amount: number; country: string }) {
  await publish('order-events', event, { attributes: { eventType: event.eventType, amount: String(event.amount) } });
}
