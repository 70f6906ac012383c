// Publishes a short lower-case event type as the attribute: "placed", "shipped", "cancelled".
import { publish } from 'serverless-lab';

interface OrderEvent {
  orderId: string;
  eventType: 'OrderPlaced' | 'OrderShipped' | 'OrderCancelled';
  amount: number;
  country: string;
}

export async function handler(event: OrderEvent) {
  await publish('order-events', event, { attributes: { eventType: event.eventType.replace(/^Order/, '').toLowerCase(), amount: event.amount } });
}
