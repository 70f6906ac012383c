// Another correct sessionizer: reads record.kinesis.text, the lab's decoded copy of the data.
// It passes here, but AWS sends no such field: on Lambda decode record.kinesis.data (base64).
import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';

type Session = { sessionId: string; pages: string[] };

export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(record.kinesis.text) as { sessionId: string; page: string };
    const session = ((await tableGet('sessions', click.sessionId)) as Session | undefined) ?? { sessionId: click.sessionId, pages: [] };
    session.pages.push(click.page);
    await tablePut('sessions', session);
  }
}
