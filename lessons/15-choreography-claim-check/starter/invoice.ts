// The invoice service: a rule on orders-bus copies every OrderPlaced
// event into `invoice-inbox`, and this function consumes that queue
// (each SQS body is the whole EventBridge event). It writes one invoice
// per order to its own `invoices` table, with every line of the order.
//
// TODO: once the order service sends a reference instead of the lines,
//       fetch the order document with await getObject(bucket, key)
//       here.
import { getObject, tablePut } from 'serverless-lab';

interface Line {
  sku: string;
  qty: number;
  amount: number;
}

export async function handler(event: { Records: Array<{ body: string }> }): Promise<void> {
  for (const record of event.Records) {
    const { detail } = JSON.parse(record.body) as { detail: { orderId: string; customer: string; lines: Line[] } };
    const lines = detail.lines;
    void getObject;
    await tablePut('invoices', {
      orderId: detail.orderId,
      customer: detail.customer,
      lines: lines.map((l) => ({ sku: l.sku, qty: l.qty, amount: l.amount })),
      total: Math.round(lines.reduce((sum, l) => sum + l.amount, 0) * 100) / 100,
    });
  }
}
