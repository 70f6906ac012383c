import { getObject, tablePut } from 'serverless-lab';

interface Ref { bucket: string; key: string }
class InvoiceService {
  async handle(detail: { orderId: string; customer: string; document: Ref }) {
    const doc = JSON.parse((await getObject(detail.document.bucket, detail.document.key)) ?? 'null') as { lines: Array<{ sku: string; qty: number; amount: number }> } | null;
    if (!doc) throw new Error(`no document ${detail.document.key}`);
    const sum = doc.lines.reduce((s, l) => s + l.amount, 0);
    await tablePut('invoices', { orderId: detail.orderId, billTo: detail.customer, lineItems: doc.lines.map((l, i) => ({ n: i + 1, sku: l.sku, qty: l.qty, amount: l.amount })), total: sum.toFixed(2) });
  }
}
const service = new InvoiceService();
export const handler = async (event: { Records: Array<{ body: string }> }) => {
  for (const r of event.Records) await service.handle(JSON.parse(r.body).detail);
};
