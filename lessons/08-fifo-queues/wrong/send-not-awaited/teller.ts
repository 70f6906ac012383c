// Does not wait for the send: the teller returns at once.
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
    void send("ledger.fifo", tx, {
      groupId: tx.accountId, // order matters per account, and only per account: one group each
      deduplicationId: tx.txId, // the same transaction sent again within 5 minutes is dropped
    });
  }
}
