// JavaScript projector: remembers, per customer, the last offset applied (all of a customer's
// records are in one partition, so offsets only grow), which makes redelivery harmless.
import { tableGet, tablePut } from 'serverless-lab';

export async function handler(event) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.value);
    const row = (await tableGet('balances', tx.customerId)) ?? { customerId: tx.customerId, balance: 0, bounced: 0, appliedUpTo: -1 };
    if (record.offset <= row.appliedUpTo) continue;
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    row.appliedUpTo = record.offset;
    await tablePut('balances', row);
  }
}
