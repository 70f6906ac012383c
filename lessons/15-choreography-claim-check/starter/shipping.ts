// The shipping service: a rule on orders-bus copies every OrderPlaced
// event into `shipping-inbox`, and this function consumes that queue.
// Each SQS body is the whole EventBridge event:
//   { "version": "0", "id": "evt-…", "source": "shop.orders",
//     "detail-type": "OrderPlaced", "detail": { … } }
// Shipping only needs the order id and the customer. (Nothing to change
// here unless you rename them.)
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ body: string }> }): Promise<void> {
  for (const record of event.Records) {
    const { detail } = JSON.parse(record.body) as { detail: { orderId: string; customer: string } };
    await tablePut('shipments', { orderId: detail.orderId, customer: detail.customer, status: 'scheduled' });
  }
}
