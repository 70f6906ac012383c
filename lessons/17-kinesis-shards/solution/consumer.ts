// The sessionizer: Lambda's Kinesis event source hands it batches of one shard's records. With a
// parallelization factor of 3, up to 3 batches of a shard run at once — but records with the same
// partition key always go to the same one, in order. So appending to a session's path here is safe:
// no other invocation holds the same session.
// record.kinesis.data is base64, as AWS sends it: Buffer decodes it, here as on Lambda.
import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';

type Session = {
  sessionId: string;
  pages: string[];
};

export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(Buffer.from(record.kinesis.data, 'base64').toString()) as { sessionId: string; page: string };
    const session = ((await tableGet('sessions', click.sessionId)) as Session | undefined) ?? { sessionId: click.sessionId, pages: [] };
    session.pages.push(click.page);
    await tablePut('sessions', session);
  }
}
