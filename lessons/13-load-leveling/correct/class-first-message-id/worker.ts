import { tablePut } from 'serverless-lab';

class BatchWriter {
  private readonly orders: Array<{ orderId: string; amount: number }> = [];
  add(body: string) { this.orders.push(JSON.parse(body)); return this; }
  async flush(id: string) {
    await tablePut('order-batches', { batchId: id, lines: this.orders, size: this.orders.length });
  }
}

export const handler = async (event: { Records: { messageId: string; body: string }[] }) => {
  const w = new BatchWriter();
  for (const r of event.Records) w.add(r.body);
  await w.flush(`batch-of-${event.Records[0].messageId}`);
};
