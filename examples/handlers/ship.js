// Pub/Sub push endpoint of "ship-in-order": the body of the push request. message.data is base64,
// message.text the same data decoded (the lab's own field); success acks the message.
import { log } from 'serverless-lab';

export async function handler(push) {
  const order = JSON.parse(push.message.text);
  log(`shipping ${order.orderId} for ${push.message.orderingKey}`);
}
