// The EU warehouse: a RabbitMQ consumer of "eu-warehouse" (bound with
// order.eu.#). It keeps a picking list per EU order, new or cancelled.
// (Given: read it, no change needed.)
import { tablePut, type AmqpMessage } from 'serverless-lab';

export async function handler(message: AmqpMessage) {
  const order = JSON.parse(message.content) as { orderId: string; type: string };
  await tablePut('picking-lists', { orderId: order.orderId, action: order.type === 'cancelled' ? 'unpick' : 'pick', routingKey: message.fields.routingKey });
}
