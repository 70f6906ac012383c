// The invoice service: the event is only a claim check; the lines are in the order document.
import { getObject, tablePut } from 'serverless-lab';

interface Line {
  sku: string;
  qty: number;
  amount: number;
}

interface OrderPlaced {
  orderId: string;
  customer: string;
  document: { bucket: string; key: string };
}

export async function handler(event: { Records: Array<{ body: string }> }): Promise<void> {
  for (const record of event.Records) {
    const { detail } = JSON.parse(record.body) as { detail: OrderPlaced };
    const body = await getObject('order-documents', `${detail.orderId}.json`);
    if (body === undefined) throw new Error(`order document ${detail.document.key} not found`); // retry later
    const { lines } = JSON.parse(body) as { lines: Line[] };
    await tablePut('invoices', {
      orderId: detail.orderId,
      customer: detail.customer,
      lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, amount: l.amount })),
      total: Math.round(lines.reduce((sum, l) => sum + l.amount, 0) * 100) / 100,
    });
  }
}
