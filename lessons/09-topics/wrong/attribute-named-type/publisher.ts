// Names the attribute "type" (the field the team uses elsewhere) instead of eventType.
import { publish } from 'serverless-lab';

interface OrderEvent {
  orderId: string;
  eventType: 'OrderPlaced' | 'OrderShipped' | 'OrderCancelled';
  amount: number;
  country: string;
}

export async function handler(event: OrderEvent) {
  await publish('order-events', event, { attributes: { type: event.eventType, amount: event.amount } });
}
