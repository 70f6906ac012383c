import { tableGet, tablePut } from 'serverless-lab';
// One item for the whole sale, growing list.
export async function handler(event: { Records: { body: string }[] }) {
  const orders = event.Records.map((r) => JSON.parse(r.body).orderId as string);
  const current = (await tableGet('order-batches', 'sale')) as { orders?: string[] } | undefined;
  await tablePut('order-batches', { batchId: 'sale', orders: [...(current?.orders ?? []), ...orders] });
}
