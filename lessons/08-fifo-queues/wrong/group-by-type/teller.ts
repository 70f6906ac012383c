// Groups by kind of transaction: deposits in one group, withdrawals in the other.
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
      groupId: tx.type,
      deduplicationId: tx.txId, // the same transaction sent again within 5 minutes is dropped
    });
  }
}
