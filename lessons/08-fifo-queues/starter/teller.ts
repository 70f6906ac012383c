// The teller: subscribed to the transactions topic, it forwards each
// transaction to the ledger.
//
// ledger.fifo is a FIFO queue, so every send needs two more things:
// TODO 1: a message group id (groupId). The queue keeps order WITHIN a
//         group and hands out different groups in parallel. Which
//         transactions must stay in order relative to each other?
// TODO 2: a deduplication id (deduplicationId). The topic sometimes
//         delivers a transaction twice, and then this handler runs
//         twice for it. A send with an id the queue saw in the last
//         5 minutes is accepted but not delivered again. What
//         identifies "the same transaction"?
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
    await send('ledger.fifo', tx);
  }
}
