import { tablePut, type KinesisStreamEvent } from 'serverless-lab';
export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(record.kinesis.text) as { sessionId: string; page: string };
    await tablePut('sessions', { sessionId: click.sessionId, pages: [click.page], last: click.page });
  }
}
