// "Same key, same partition, so order is safe": every transaction under one key.
import { produce } from 'serverless-lab';

export async function handler(tx: { txId: string; customerId: string; type: string; amount: number }) {
  await produce('wallet-events', tx, { key: 'wallet' });
}
