// Records its progress FIRST — "this batch is mine, skip it if it comes again" — then applies the
// records. A crash in the middle of the batch leaves the progress saying "done" for records that
// were never applied; the redelivered batch trusts it and skips them.
import { tableGet, tablePut, type MSKEvent } from 'serverless-lab';

type Balance = { customerId: string; balance: number; bounced: number };

export async function handler(event: MSKEvent) {
  const records = event.Records; // one partition's records, in offset order
  if (records.length === 0) return;
  const progressKey = `progress/partition-${records[0].partition}`;
  const done = Number((await tableGet('balances', progressKey))?.offset ?? -1);
  await tablePut('balances', { customerId: progressKey, offset: records[records.length - 1].offset }); // "committed"
  for (const record of records) {
    if (record.offset <= done) continue; // a redelivery: applied already (or so the progress says)
    const tx = JSON.parse(record.value) as { customerId: string; type: string; amount: number };
    const row = ((await tableGet('balances', tx.customerId)) as Balance | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0 };
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    await tablePut('balances', row);
  }
}
