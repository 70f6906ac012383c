// JavaScript: publishes once plainly for the audit log, then again with attributes for the filters.
import { publish } from 'serverless-lab';

export async function handler(event) {
  await publish('order-events', event);
  await publish('order-events', event, { attributes: { eventType: event.eventType, amount: event.amount } });
}
