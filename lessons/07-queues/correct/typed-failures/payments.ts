// Collects results per record first, then answers the partial batch response in one place.
import { send, tablePut } from 'serverless-lab';

type Outcome = { id: string; ok: boolean };
type Charge = { orderId: string; amount: number };

async function process(body: string): Promise<boolean> {
  let charge: Charge;
  try {
    charge = JSON.parse(body) as Charge;
    if (typeof charge.orderId !== 'string') return false;
  } catch {
    return false;
  }
  try {
    await tablePut('payments', { orderId: charge.orderId }, { ifNotExists: true });
  } catch (err) {
    if ((err as { code?: string }).code === 'ConditionalCheckFailed') return true; // a copy: done already
    throw err;
  }
  await send('card-gateway', charge);
  return true;
}

export async function handler(event: { Records: { messageId: string; body: string }[] }) {
  const outcomes: Outcome[] = [];
  for (const r of event.Records) outcomes.push({ id: r.messageId, ok: await process(r.body) });
  return { batchItemFailures: outcomes.filter((o) => !o.ok).map((o) => ({ itemIdentifier: o.id })) };
}
