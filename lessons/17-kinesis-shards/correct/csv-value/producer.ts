import { produce } from 'serverless-lab';
type Click = { clickId: string; sessionId: string; page: string };
const line = (c: Click) => [c.sessionId, c.page, c.clickId].join(',');
export async function handler(event: { batch: number; clicks: Click[] }) {
  for (const click of event.clicks) await produce('clickstream', line(click), { key: `session#${click.sessionId}` });
}
