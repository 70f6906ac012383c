import { produce } from 'serverless-lab';
type Click = { clickId: string; sessionId: string; page: string };
export async function handler(event: { batch: number; clicks: Click[] }) {
  for (const click of event.clicks) await produce('clickstream', click, { key: `batch-${event.batch}` });
}
