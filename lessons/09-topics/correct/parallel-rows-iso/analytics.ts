// Writes the batch's rows in parallel; publishedAt normalised with toISOString (same instant).
import { tablePut, type SQSEvent } from 'serverless-lab';

interface OrderEvent { orderId: string; eventType: string; amount: number }

export const handler = async (event: SQSEvent) => {
  await Promise.all(
    event.Records.map(async (record) => {
      const envelope = JSON.parse(record.body) as { Message: string; Timestamp: string };
      const e = JSON.parse(envelope.Message) as OrderEvent;
      await tablePut('order-analytics', { orderId: e.orderId, eventType: e.eventType, amount: e.amount, publishedAt: new Date(envelope.Timestamp).toISOString() });
    }),
  );
};
