// The ledger: the push endpoint of the ordered Pub/Sub subscription "ledger-push". Its database is
// flaky: some first deliveries fail (a timeout), and Pub/Sub retries them after a backoff. (Given:
// read it, no change needed.) deliveryAttempt is present because the subscription has a
// dead-letter policy.
import { tablePut, type PubSubPushBody } from 'serverless-lab';

export async function handler(push: PubSubPushBody) {
  // Pub/Sub sends the message's data base64-encoded.
  const text = Buffer.from(push.message.data, 'base64').toString('utf8');
  const entry = JSON.parse(text) as { orderId: string; customer: string; amount: number };
  const n = Number(entry.orderId.replace(/\D/g, ''));
  if (n % 3 === 1 && push.deliveryAttempt === 1) throw new Error(`ledger database timeout writing ${entry.orderId}`);
  await tablePut('ledger-lines', { orderId: entry.orderId, customer: entry.customer, amount: entry.amount, orderingKey: push.message.orderingKey ?? null, at: Date.now() });
}
