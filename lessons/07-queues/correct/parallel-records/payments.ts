// Handles the records of a batch in parallel; a rejected record is reported by its message id.
import { send, tablePut, type SQSEvent, type SQSBatchResponse } from 'serverless-lab';

type ChargeCard = { type: 'ChargeCard'; orderId: string; amount: number };

async function charge(body: string): Promise<void> {
  const cmd = JSON.parse(body) as ChargeCard;
  try {
    await tablePut('payments', { orderId: cmd.orderId, amount: cmd.amount }, { ifNotExists: true });
  } catch (e) {
    if ((e as { code?: string }).code === 'ConditionalCheckFailed') return;
    throw e;
  }
  await send('card-gateway', { orderId: cmd.orderId, amount: cmd.amount });
}

export const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
  const results = await Promise.allSettled(event.Records.map((r) => charge(r.body)));
  return {
    batchItemFailures: results.flatMap((res, i) => (res.status === 'rejected' ? [{ itemIdentifier: event.Records[i].messageId }] : [])),
  };
};
