// No key: the stream spreads records over the partitions evenly.
import { produce } from 'serverless-lab';

export async function handler(tx: { txId: string; customerId: string; type: string; amount: number }) {
  await produce('wallet-events', tx);
}
