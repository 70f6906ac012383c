// The wallet API: appends each transaction to the wallet-events stream. The KEY picks the
// partition (murmur2(key) % 4), and order is kept per partition only: keying by customer keeps
// each customer's transactions in one partition, in the order they happened.
import { produce } from 'serverless-lab';

interface WalletTx {
  txId: string;
  customerId: string;
  type: 'deposit' | 'withdrawal';
  amount: number;
}

export async function handler(tx: WalletTx) {
  await produce('wallet-events', tx, { key: tx.customerId });
}
