// A deduplication id made of the account and the transaction: still the same for both copies of a
// delivery, different for different transactions.
import { send } from 'serverless-lab';

interface Transaction {
  txId: string;
  accountId: string;
  type: string;
  amount: number;
}

export const handler = async (event: { Records: { Sns: { Message: string } }[] }): Promise<void> => {
  const txs = event.Records.map((r) => JSON.parse(r.Sns.Message) as Transaction);
  for (const tx of txs) await send('ledger.fifo', JSON.stringify(tx), { groupId: tx.accountId.toUpperCase(), deduplicationId: `${tx.accountId}.${tx.txId}` });
};
