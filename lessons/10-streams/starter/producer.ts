// The wallet API: appends each transaction to the wallet-events stream
// (4 partitions).
//
// TODO: give each record a key. Records with the same key go to the
// same partition, and a stream keeps order per partition only
// (4 partitions are read in parallel). Whose transactions must stay in
// order relative to each other?
import { produce } from 'serverless-lab';

interface WalletTx {
  txId: string;
  customerId: string;
  type: 'deposit' | 'withdrawal';
  amount: number;
}

export async function handler(tx: WalletTx) {
  await produce('wallet-events', tx);
}
