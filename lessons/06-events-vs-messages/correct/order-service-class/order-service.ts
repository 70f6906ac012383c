// An OrderService class with a publisher and a payments client, wired at module load.
import { putEvents, send } from 'serverless-lab';

type Order = { orderId: string; customerId: string; amount: number };

class Events {
  constructor(private bus: string, private source: string) {}
  async announce(type: string, detail: object) {
    await putEvents(this.bus, [{ source: this.source, detailType: type, detail }]);
  }
}

class Payments {
  async charge(order: Order) {
    await send('payments', JSON.stringify({ type: 'ChargeCard', orderId: order.orderId, amount: order.amount, requestedBy: 'order-service' }));
  }
}

class OrderService {
  constructor(private events = new Events('shop-events', 'shop.orders'), private payments = new Payments()) {}
  async place(order: Order) {
    await this.events.announce('OrderPlaced', { orderId: order.orderId, customerId: order.customerId, amount: order.amount, placedAt: new Date().toISOString() });
    await this.payments.charge(order);
    return order.orderId;
  }
}

const service = new OrderService();

export const handler = async (event: { body: string }) => {
  const id = await service.place(JSON.parse(event.body));
  return { statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) };
};
