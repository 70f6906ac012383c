// Four groups, two accounts each (acct-1 and acct-5 share one): every account stays in one group.
import { send } from 'serverless-lab';

interface Tx { txId: string; accountId: string; type: string; amount: number }

function groupFor(accountId: string): string {
  const n = Number(accountId.replace(/\D/g, ''));
  return `shard-${n % 4}`;
}

export async function handler(event: { Records: Array<{ Sns: { Message: string } }> }) {
  for (const r of event.Records) {
    const tx: Tx = JSON.parse(r.Sns.Message);
    await send('ledger.fifo', tx, { groupId: groupFor(tx.accountId), deduplicationId: tx.txId });
  }
}
