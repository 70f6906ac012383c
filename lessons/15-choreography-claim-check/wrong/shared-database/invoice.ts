// Invoice: read the order's lines straight from the order service's table.
import { tableGet, tablePut } from 'serverless-lab';

interface Line {
  sku: string;
  qty: number;
  amount: number;
}

export async function handler(event: { Records: Array<{ body: string }> }): Promise<void> {
  for (const record of event.Records) {
    const { detail } = JSON.parse(record.body) as { detail: { orderId: string; customer: string } };
    const order = await tableGet('orders', detail.orderId) as { lines: Line[] } | undefined;
    if (!order) throw new Error(`order ${detail.orderId} not found`);
    await tablePut('invoices', {
      orderId: detail.orderId,
      customer: detail.customer,
      lines: order.lines,
      total: Math.round(order.lines.reduce((sum, l) => sum + l.amount, 0) * 100) / 100,
    });
  }
}
