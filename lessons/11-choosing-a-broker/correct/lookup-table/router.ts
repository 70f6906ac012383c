// A table of routes instead of a switch.
import { produce, publish, send } from 'serverless-lab';

type Item = { kind: string; imageId?: string; orderId?: string; userId?: string; entryId?: string; accountId?: string };

const routes: Record<string, (item: Item) => unknown> = {
  'resize-image': (item) => send('jobs', item),
  'order-placed': (item) => publish('announcements', item),
  'page-view': (item) => produce('clicks', item, { key: item.userId! }),
  'ledger-entry': (item) => send('ledger.fifo', item, { groupId: item.accountId!, deduplicationId: item.entryId! }),
};

export async function handler(item: Item): Promise<void> {
  const route = routes[item.kind];
  if (!route) throw new Error(`no route for ${item.kind}`);
  await route(item);
}
