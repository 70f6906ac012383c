import { getObject, tablePut } from 'serverless-lab';

type Line = { sku: string; qty: number; amount: number };
type Detail = { orderId: string; customer: string; total: number; lines?: Line[]; document?: { bucket: string; key: string } };

async function linesOf(d: Detail): Promise<Line[]> {
  if (d.lines) return d.lines;
  const text = await getObject(d.document!.bucket, d.document!.key);
  if (text === undefined) throw new Error(`missing ${d.document!.key}`);
  return (JSON.parse(text) as { lines: Line[] }).lines;
}

export async function handler(event: { Records: Array<{ body: string }> }) {
  for (const { body } of event.Records) {
    const d = (JSON.parse(body) as { detail: Detail }).detail;
    const lines = await linesOf(d);
    await tablePut('invoices', { orderId: d.orderId, customer: d.customer, lines: lines.map(({ sku, qty, amount }) => ({ sku, qty, amount })), total: d.total });
  }
}
