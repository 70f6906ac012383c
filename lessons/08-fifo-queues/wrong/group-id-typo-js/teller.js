// JavaScript: a typo in the field name — tx.account is undefined, so the group id is missing.
import { send } from 'serverless-lab';

export async function handler(event) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.Sns.Message);
    await send('ledger.fifo', tx, { groupId: tx.account, deduplicationId: tx.txId });
  }
}
