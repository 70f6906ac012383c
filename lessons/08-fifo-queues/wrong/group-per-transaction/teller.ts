// Every transaction is its own message group (the txId is unique, so it seemed a natural id).
import { send } from 'serverless-lab';

export async function handler(event: { Records: Array<{ Sns: { Message: string } }> }) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.Sns.Message);
    await send('ledger.fifo', tx, { groupId: tx.txId, deduplicationId: tx.txId });
  }
}
