// Each workload goes where its requirements are met.
import { produce, publish, send } from 'serverless-lab';

type Item =
  | { kind: 'resize-image'; imageId: string; width: number }
  | { kind: 'order-placed'; orderId: string; total: number }
  | { kind: 'page-view'; clickId: string; userId: string; page: string }
  | { kind: 'ledger-entry'; entryId: string; accountId: string; amount: number };

export async function handler(item: Item): Promise<void> {
  switch (item.kind) {
    case 'resize-image':
      // Work to be done once, by whichever worker is free: a queue (competing consumers).
      await send('jobs', item);
      break;
    case 'order-placed':
      // Every interested service needs its own copy, now: a topic (push fan-out).
      void publish('announcements', item);
      break;
    case 'page-view':
      // High volume, replayable, ordered per user: a stream keyed by the user.
      await produce('clicks', item, { key: item.userId });
      break;
    case 'ledger-entry':
      // Strict order per account, no duplicates, accounts in parallel: FIFO, one group per account.
      await send('ledger.fifo', item, { groupId: item.accountId, deduplicationId: item.entryId });
      break;
  }
}
