// JavaScript; the ledger's groups are named after the account ("ledger/acct-2"), one per account.
import { produce, publish, send } from 'serverless-lab';

export async function handler(item) {
  switch (item.kind) {
    case 'resize-image':
      return await send('jobs', item);
    case 'order-placed':
      return await publish('announcements', item);
    case 'page-view':
      return await produce('clicks', item, { key: `user-${item.userId}` });
    case 'ledger-entry':
      return await send('ledger.fifo', item, { groupId: `ledger/${item.accountId}`, deduplicationId: `entry/${item.entryId}` });
    default:
      throw new Error(`unknown kind ${item.kind}`);
  }
}
