// The order service: publishes each order ONCE to the RabbitMQ topic
// exchange "orders". The publisher never names a queue: the exchange's
// bindings decide who gets a copy, by routing key.
//
// TODO: publish with a routing key the bindings can match (see the
//       scenario):
//   billing       ← order.*.created
//                   (* is exactly one word, # is zero or more words)
//   eu-warehouse  ← order.eu.#
// await publish(exchange, body, { routingKey })
import { publish } from 'serverless-lab';

interface Order {
  orderId: string;
  region: 'eu' | 'us' | 'apac';
  type: 'created' | 'cancelled';
  customer: string;
  amount: number;
}

export async function handler(order: Order) {
  await publish('orders', order);
}
