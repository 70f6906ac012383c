// Subscriber of the OrderPlaced FACT. The bus pushes each matching
// event to this function (an asynchronous invocation): nobody polls,
// and the order service does not know this exists.
interface OrderPlacedEvent {
  source: string;
  'detail-type': string;
  detail: { orderId: string; customerId: string; amount: number };
}

export async function handler(event: OrderPlacedEvent) {
  console.log(`emailing ${event.detail.customerId}: your order ${event.detail.orderId} is confirmed`);
}
