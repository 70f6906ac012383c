// Pulls from analytics-events. Its subscription has raw delivery OFF
// (unlike warehouse-jobs).
//
// TODO: record every order event in the order-analytics table:
//   { orderId, eventType, amount, publishedAt }
// — publishedAt is when the TOPIC published it.
// Log a body first (console.log(record.body)) and look at what actually
// arrives.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ body: string }> }) {
  for (const record of event.Records) {
    console.log(record.body);
  }
}
