// Every broker right — but the ledger's deduplication id is the account, so an account's second
// entry within 5 minutes is taken for a repeat of its first.
import { produce, publish, send } from 'serverless-lab';

export async function handler(item: { kind: string; [k: string]: unknown }) {
  if (item.kind === 'resize-image') await send('jobs', item);
  else if (item.kind === 'order-placed') await publish('announcements', item);
  else if (item.kind === 'page-view') await produce('clicks', item, { key: String(item.userId) });
  else if (item.kind === 'ledger-entry') await send('ledger.fifo', item, { groupId: String(item.accountId), deduplicationId: String(item.accountId) });
}
