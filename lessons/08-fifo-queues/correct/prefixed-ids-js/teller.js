// JavaScript, with ids of its own naming: one group per account ("account:acct-3") and the
// transaction as the deduplication id ("tx:tx-41").
import { send } from 'serverless-lab';

export async function handler(event) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.Sns.Message);
    await send('ledger.fifo', tx, { groupId: `account:${tx.accountId}`, deduplicationId: `tx:${tx.txId}` });
  }
}
