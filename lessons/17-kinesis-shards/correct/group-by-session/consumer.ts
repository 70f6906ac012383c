import { tableGet, tablePut, type KinesisStreamEvent } from 'serverless-lab';
// One read and one write per session per batch.
export async function handler(event: KinesisStreamEvent) {
  const bySession = new Map<string, string[]>();
  for (const r of event.Records) {
    const { sessionId, page } = JSON.parse(r.kinesis.text) as { sessionId: string; page: string };
    bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), page]);
  }
  for (const [sessionId, pages] of bySession) {
    const old = (await tableGet('sessions', sessionId)) as { pages?: string[] } | undefined;
    await tablePut('sessions', { sessionId, pages: [...(old?.pages ?? []), ...pages] });
  }
}
