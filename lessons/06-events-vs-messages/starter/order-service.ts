// The order service: POST /orders. Right now it accepts the order and
// tells nobody.
//
// TODO 1: announce the FACT that an order was placed. Put an event on
//         the `shop-events` bus with source 'shop.orders', a past-tense
//         detail-type, and the order (orderId, customerId, amount) as
//         its detail. You don't know who listens — the bus's rules
//         decide.
// TODO 2: ask payments to take the money: SEND a command to the
//         `payments` queue, as JSON with `type` (an imperative name),
//         orderId and amount. Exactly one consumer will act on it.
import { putEvents, send } from 'serverless-lab';

interface Order {
  orderId: string;
  customerId: string;
  amount: number;
}

export async function handler(event: { body: string }) {
  const order = JSON.parse(event.body) as Order;

  return { statusCode: 201, body: JSON.stringify({ orderId: order.orderId, status: 'placed' }) };
}
