// Uses the invocation's request id as the deduplication id: unique... per invocation.
import { send, type Context } from 'serverless-lab';

export async function handler(event: { Records: Array<{ Sns: { Message: string } }> }, context: Context) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.Sns.Message);
    await send('ledger.fifo', tx, { groupId: tx.accountId, deduplicationId: context.awsRequestId });
  }
}
