// The order service: publishes each order ONCE to the RabbitMQ topic exchange "orders". The
// publisher never names a queue: the routing key says what the message is, and the exchange's
// bindings decide who gets a copy. Topic bindings match dot-separated words:
//   billing       ← order.*.created   (* is exactly one word: any region, new orders only)
//   eu-warehouse  ← order.eu.#        (# is zero or more words: every EU order)
import { publish } from 'serverless-lab';

interface Order {
  orderId: string;
  region: 'eu' | 'us' | 'apac';
  type: 'created' | 'cancelled';
  customer: string;
  amount: number;
}

export async function handler(order: Order) {
  void publish('orders', order, { routingKey: `order.${order.region}.${order.type}` });
}
