// RabbitMQ consumer of "eu-shipping": every order.eu.* message (the binding key order.eu.# matches
// any number of words after "order.eu").
import { log } from 'serverless-lab';

export async function handler(message) {
  const order = JSON.parse(message.content);
  log(`customs papers for ${order.orderId} (${message.fields.routingKey}${message.fields.redelivered ? ', redelivered' : ''})`);
}
