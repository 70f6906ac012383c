// Fire and forget: the publish is not awaited.
import { publish } from 'serverless-lab';

interface OrderEvent {
  orderId: string;
  eventType: 'OrderPlaced' | 'OrderShipped' | 'OrderCancelled';
  amount: number;
  country: string;
}

export async function handler(event: OrderEvent) {
  void publish('order-events', event, { attributes: { eventType: event.eventType, amount: event.amount } });
}
