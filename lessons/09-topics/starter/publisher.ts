// The order service: publishes each order event ONCE on the
// order-events topic, and the topic copies it to every subscription
// whose filter policy matches.
//
// TODO: the fraud-check and warehouse subscriptions have filter
//       policies (see the scenario):
//   fraud-check:    { "eventType": ["OrderPlaced"],
//                     "amount": [{ "numeric": [">=", 1000] }] }
//   warehouse-jobs: { "eventType": ["OrderPlaced"] }
// Filter policies look at MESSAGE ATTRIBUTES, not at the body. Publish
// with the attributes they need: await publish(topic, body,
// { attributes: { ... } }). Mind the types: a numeric condition only
// matches a Number attribute.
import { publish } from 'serverless-lab';

interface OrderEvent {
  orderId: string;
  eventType: 'OrderPlaced' | 'OrderShipped' | 'OrderCancelled';
  amount: number;
  country: string;
}

export async function handler(event: OrderEvent) {
  await publish('order-events', event);
}
