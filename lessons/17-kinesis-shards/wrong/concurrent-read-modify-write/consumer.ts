import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';
export async function handler(event: KinesisStreamEvent) {
  await Promise.all(
    event.Records.map(async (record) => {
      const click = JSON.parse(record.kinesis.text) as { sessionId: string; page: string };
      const row = (await tableGet('sessions', click.sessionId)) as { pages: string[] } | undefined;
      await tablePut('sessions', { sessionId: click.sessionId, pages: [...(row?.pages ?? []), click.page] });
    }),
  );
}
