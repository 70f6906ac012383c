import { produce, publish, send } from 'serverless-lab';
export async function handler(item: any): Promise<void> {
  switch (item.kind) {
    case 'resize-image': await send('jobs', item); break;
    case 'order-placed':
      for (const service of ['email', 'analytics', 'warehouse']) await publish('announcements', { ...item, for: service });
      break;
    case 'page-view': await produce('clicks', item, { key: item.userId }); break;
    case 'ledger-entry': await send('ledger.fifo', item, { groupId: item.accountId, deduplicationId: item.entryId }); break;
  }
}
