import { produce, publish, send } from 'serverless-lab';

const toLedger = async (e: { entryId: string; accountId: string; amount: number }) => {
  const group = 'account_' + e.accountId.replace('acct-', '');
  await send('ledger.fifo', JSON.stringify({ entry: e.entryId, delta: e.amount }), { groupId: group, deduplicationId: e.entryId });
};

export const handler = async (event: Record<string, any>) => {
  const { kind, ...rest } = event;
  switch (kind) {
    case 'resize-image': return void (await send('jobs', JSON.stringify(rest)));
    case 'order-placed': return void (await publish('announcements', JSON.stringify(rest)));
    case 'page-view': return void (await produce('clicks', JSON.stringify({ page: rest.page, clickId: rest.clickId }), { key: String(rest.userId) }));
    case 'ledger-entry': return toLedger(rest as any);
  }
};
