// Content as the deduplication id: the canonical text of the transaction (what content-based
// deduplication would hash), and the account as the group.
import { send, type SNSEvent } from 'serverless-lab';

type Tx = { txId: string; accountId: string; type: string; amount: number };

const canonical = (tx: Tx) => [tx.txId, tx.accountId, tx.type, tx.amount].join('|');

export const handler = async (event: SNSEvent) => {
  await Promise.all(
    event.Records.map((record) => {
      const tx = JSON.parse(record.Sns.Message) as Tx;
      return send('ledger.fifo', tx, { groupId: tx.accountId, deduplicationId: canonical(tx) });
    }),
  );
};
