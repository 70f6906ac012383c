// Makes the deduplication id "unique" with a timestamp.
import { send } from 'serverless-lab';

interface Transaction {
  txId: string;
  accountId: string;
  type: 'deposit' | 'withdrawal';
  amount: number;
}

export async function handler(event: { Records: Array<{ Sns: { MessageId: string; Message: string } }> }) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.Sns.Message) as Transaction;
    await send('ledger.fifo', tx, {
      groupId: tx.accountId, // order matters per account, and only per account: one group each
      deduplicationId: `${tx.txId}@${Date.now()}`,
    });
  }
}
