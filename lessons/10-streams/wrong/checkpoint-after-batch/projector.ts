// Applies the batch first, then records the partition's progress — the right order, but the
// progress covers the whole batch: a crash in the middle leaves the records already applied
// outside it, and the redelivery applies them again.
import { tableGet, tablePut, type MSKEvent } from 'serverless-lab';

type Balance = { customerId: string; balance: number; bounced: number };

export async function handler(event: MSKEvent) {
  const records = event.Records;
  if (records.length === 0) return;
  const progressKey = `progress/partition-${records[0].partition}`;
  const done = Number((await tableGet('balances', progressKey))?.offset ?? -1);
  for (const record of records) {
    if (record.offset <= done) continue;
    const tx = JSON.parse(record.value) as { customerId: string; type: string; amount: number };
    const row = ((await tableGet('balances', tx.customerId)) as Balance | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0 };
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    await tablePut('balances', row);
  }
  await tablePut('balances', { customerId: progressKey, offset: records[records.length - 1].offset }); // committed after the work
}
