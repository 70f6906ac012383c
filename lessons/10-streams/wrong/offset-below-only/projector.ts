// Skips records BELOW the last offset applied (<), so the last one is applied again on redelivery.
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
    if (record.offset < row.lastOffset) continue; // applied before this batch was redelivered
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    row.lastOffset = record.offset;
    await tablePut('balances', row);
  }
}
