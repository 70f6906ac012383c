// JavaScript; the key is the customer, spelt with a prefix.
import { produce } from 'serverless-lab';

export async function handler(tx) {
  await produce('wallet-events', JSON.stringify(tx), { key: `customer/${tx.customerId}` });
}
