// One group for the whole bank: strict order for everything.
import { send } from 'serverless-lab';

export async function handler(event: { Records: Array<{ Sns: { Message: string } }> }) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.Sns.Message);
    await send('ledger.fifo', tx, { groupId: 'ledger', deduplicationId: tx.txId });
  }
}
