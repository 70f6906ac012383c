import { produce, publish, send } from 'serverless-lab';
export async function handler(item: any): Promise<void> {
  switch (item.kind) {
    case 'resize-image': await send('jobs', item); break;
    case 'order-placed': await publish('announcements', item); break;
    case 'page-view': await produce('clicks', item, { key: item.userId }); break;
    case 'ledger-entry':
      await send('ledger.fifo', { entryId: item.entryId, amount: item.amount }, { groupId: 'ledger', deduplicationId: item.entryId });
      break;
  }
}
