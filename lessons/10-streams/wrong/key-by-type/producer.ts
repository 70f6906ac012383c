// Keyed by transaction type, so deposits and withdrawals each have their own partition.
import { produce } from 'serverless-lab';

export async function handler(tx: { txId: string; customerId: string; type: string; amount: number }) {
  await produce('wallet-events', tx, { key: tx.type });
}
