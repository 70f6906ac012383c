// Command first, then the fact; the command body is a JSON string as with the AWS SDK's MessageBody.
import { putEvents, send, type APIGatewayProxyEventV2 } from 'serverless-lab';

export async function handler(req: APIGatewayProxyEventV2) {
  const { orderId, customerId, amount } = JSON.parse(req.body ?? '{}');
  const { messageId } = await send('payments', JSON.stringify({ type: 'ChargeCard', orderId, amount, currency: 'EUR' }));
  await putEvents('shop-events', [{ source: 'shop.orders', detailType: 'OrderPlaced', detail: { orderId, customerId, amount, paymentRequest: messageId } }]);
  return { statusCode: 201, body: JSON.stringify({ orderId, paymentRequest: messageId }) };
}
