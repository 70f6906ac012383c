// JavaScript: redeem the claim check, then write the invoice.
import { getObject, tablePut } from 'serverless-lab';

export async function handler(event) {
  for (const record of event.Records) {
    const { detail } = JSON.parse(record.body);
    const text = await getObject(detail.document.bucket, detail.document.key);
    if (text === undefined) throw new Error(`document ${detail.document.key} not there yet`);
    const doc = JSON.parse(text);
    await tablePut('invoices', { orderId: detail.orderId, customer: detail.customer, lines: doc.lines, total: doc.total });
  }
}
