// Another correct projector, reading the event as Amazon MSK sends it: `records` grouped by
// "<topic>-<partition>", each partition's records in offset order, values base64. Buffer decodes
// them, here as on Lambda. The row keeps the last offset applied with the balance it stands for.
import { tableGet, tablePut, type MSKEvent } from 'serverless-lab';

type Tx = { customerId: string; type: 'deposit' | 'withdrawal'; amount: number };
type Row = { customerId: string; balance: number; bounced: number; lastOffset: number };

export async function handler(event: MSKEvent) {
  for (const partitionRecords of Object.values(event.records)) {
    for (const record of partitionRecords) {
      if (record.value === undefined) continue; // a tombstone
      const tx = JSON.parse(Buffer.from(record.value, 'base64').toString('utf8')) as Tx;
      const row = ((await tableGet('balances', tx.customerId)) as Row | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0, lastOffset: -1 };
      if (record.offset <= row.lastOffset) continue; // applied before this batch came again
      if (tx.type === 'deposit') row.balance += tx.amount;
      else if (tx.amount <= row.balance) row.balance -= tx.amount;
      else row.bounced += 1;
      row.lastOffset = record.offset;
      await tablePut('balances', row);
    }
  }
}
