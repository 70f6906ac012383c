// Wrong: Buffer.from(data) without 'base64' reads the base64 text itself as UTF-8, so what it
// parses is still base64, not the JSON the collector put.
import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';

type Session = { sessionId: string; pages: string[] };

export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(Buffer.from(record.kinesis.data).toString()) as { sessionId: string; page: string };
    const session = ((await tableGet('sessions', click.sessionId)) as Session | undefined) ?? { sessionId: click.sessionId, pages: [] };
    session.pages.push(click.page);
    await tablePut('sessions', session);
  }
}
