// The order service: publishes each order event ONCE; the topic copies it to every subscription
// whose filter policy matches. Filters read message attributes, so the attributes carry the
// fields subscribers route on: eventType (a String) and amount (a Number).
import { publish } from 'serverless-lab';

interface OrderEvent {
  orderId: string;
  eventType: 'OrderPlaced' | 'OrderShipped' | 'OrderCancelled';
  amount: number;
  country: string;
}

export async function handler(event: OrderEvent) {
  await publish('order-events', event, { attributes: { eventType: event.eventType, amount: event.amount } });
}
