import { produce, publish, send } from 'serverless-lab';

export async function handler(item: any): Promise<void> {
  if (item.kind === 'resize-image') {
    await send('jobs', `${item.imageId}:${item.width}`);
  } else if (item.kind === 'order-placed') {
    await publish('announcements', { order: item.orderId, amount: item.total });
  } else if (item.kind === 'page-view') {
    await produce('clicks', { user: item.userId, url: item.page, id: item.clickId }, { key: item.userId });
  } else if (item.kind === 'ledger-entry') {
    await send('ledger.fifo', `${item.entryId},${item.accountId},${item.amount}`, {
      groupId: item.accountId,
      deduplicationId: `${item.accountId}:${item.entryId}`,
    });
  }
}
