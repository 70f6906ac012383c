// Another correct sessionizer: decodes the base64 data with the web's atob and TextDecoder
// (both in Lambda's Node runtime too), not Buffer. atob gives one character per byte; the bytes
// are UTF-8, which TextDecoder turns back into text.
import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';

type Session = { sessionId: string; pages: string[] };

const utf8 = new TextDecoder();
const decode = (base64: string): string => utf8.decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));

export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(decode(record.kinesis.data)) as { sessionId: string; page: string };
    const session = ((await tableGet('sessions', click.sessionId)) as Session | undefined) ?? { sessionId: click.sessionId, pages: [] };
    session.pages.push(click.page);
    await tablePut('sessions', session);
  }
}
