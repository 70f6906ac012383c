import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';
export async function handler(event: KinesisStreamEvent) {
  for (const record of event.Records) {
    const click = JSON.parse(record.kinesis.text) as { session: string; page: string };
    const row = (await tableGet('sessions', click.session)) as { pages: string[] } | undefined;
    await tablePut('sessions', { sessionId: click.session, pages: [...(row?.pages ?? []), click.page] });
  }
}
