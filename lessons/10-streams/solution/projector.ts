// The projector: builds the `balances` table (a projection) from the stream.
// Rules: a deposit adds its amount; a withdrawal subtracts it if the balance covers it, otherwise
// it bounces (balance unchanged, bounced + 1).
//
// The platform reads each partition in order and commits the offset after a batch succeeds. If the
// invocation dies before that, the same batch comes again: at-least-once. Remembering the last
// offset applied per customer (all of a customer's records are in one partition) makes a second
// delivery harmless — and makes "replay from offset 0" give the same table.
import { tableGet, tablePut, type MSKEvent } from 'serverless-lab';

type Balance = {
  customerId: string;
  balance: number;
  bounced: number;
  lastOffset: number;
};

export async function handler(event: MSKEvent) {
  for (const record of event.Records) {
    if (record.value === null) continue; // a tombstone (a deleted key): no transaction to apply
    const tx = JSON.parse(record.value) as { customerId: string; type: string; amount: number };
    const row = (await tableGet('balances', tx.customerId) as Balance | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0, lastOffset: -1 };
    if (record.offset <= row.lastOffset) continue; // applied before this batch was redelivered
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    row.lastOffset = record.offset;
    await tablePut('balances', row);
  }
}
