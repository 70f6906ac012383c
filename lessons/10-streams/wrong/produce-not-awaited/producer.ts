// Does not wait for the stream: the produce is not awaited.
import { produce } from 'serverless-lab';

interface WalletTx {
  txId: string;
  customerId: string;
  type: 'deposit' | 'withdrawal';
  amount: number;
}

export async function handler(tx: WalletTx) {
  void produce('wallet-events', tx, { key: tx.customerId });
}
