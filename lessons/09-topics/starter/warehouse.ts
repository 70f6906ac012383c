// Pulls from warehouse-jobs, whose subscription has raw delivery ON:
// each SQS body is the published message itself, no envelope. Only
// OrderPlaced events pass its filter policy.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ body: string }> }) {
  for (const record of event.Records) {
    const order = JSON.parse(record.body);
    await tablePut('shipments', { orderId: order.orderId, status: 'picking' });
  }
}
