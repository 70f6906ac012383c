// A table of routes instead of a switch.
import { produce, publish, send } from 'serverless-lab';

type Item = { kind: string; imageId?: string; orderId?: string; userId?: string; entryId?: string; accountId?: string };

const routes: Record<string, (item: Item) => Promise<unknown>> = {
  'resize-image': async (item) => await send('jobs', item),
  'order-placed': async (item) => await publish('announcements', item),
  'page-view': async (item) => await produce('clicks', item, { key: item.userId! }),
  'ledger-entry': async (item) => await send('ledger.fifo', item, { groupId: item.accountId!, deduplicationId: item.entryId! }),
};

export async function handler(item: Item): Promise<void> {
  const route = routes[item.kind];
  if (!route) throw new Error(`no route for ${item.kind}`);
  await route(item);
}
