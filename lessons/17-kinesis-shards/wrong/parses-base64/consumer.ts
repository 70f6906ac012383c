// Wrong: parses kinesis.data, which is base64, not JSON.
import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';

export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(record.kinesis.data) as { sessionId: string; page: string };
    const session = ((await tableGet('sessions', click.sessionId)) as { sessionId: string; pages: string[] } | undefined) ?? { sessionId: click.sessionId, pages: [] };
    session.pages.push(click.page);
    await tablePut('sessions', session);
  }
}
