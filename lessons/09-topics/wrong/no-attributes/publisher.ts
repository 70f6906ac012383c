// Everything the filters need is in the body already...
import { publish } from 'serverless-lab';

export async function handler(event: { orderId: string; eventType: string; amount: number; country: string }) {
  await publish('order-events', { ...event, type: event.eventType });
}
