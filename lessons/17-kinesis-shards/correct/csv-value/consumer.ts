import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';
export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const [sessionId, page] = record.kinesis.text.split(',');
    const row = (await tableGet('sessions', sessionId)) as { sessionId: string; pages: string[] } | undefined;
    await tablePut('sessions', { sessionId, pages: [...(row?.pages ?? []), page], updatedAt: record.kinesis.approximateArrivalTimestamp ?? null });
  }
}
