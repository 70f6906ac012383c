// Wrong: keyed by the click: the load spreads, but one session's clicks land in different shards.
import { produce } from 'serverless-lab';

export async function handler(event: { clicks: Array<{ clickId: string; sessionId: string }> }) {
  for (const click of event.clicks) await produce('clickstream', click, { key: click.clickId });
}
