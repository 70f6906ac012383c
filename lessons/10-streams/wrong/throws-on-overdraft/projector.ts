// Refuses an overdraft by throwing, as an API would answer 402. In a stream, a throw fails the
// whole batch: it is delivered again and again, and the partition stops moving.
import { tableGet, tablePut } from 'serverless-lab';

type Balance = { customerId: string; balance: number; bounced: number; lastOffset: number };

export async function handler(event: { Records: Array<{ offset: number; value: string }> }) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.value) as { customerId: string; type: string; amount: number };
    const row = (await tableGet('balances', tx.customerId) as Balance | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0, lastOffset: -1 };
    if (record.offset <= row.lastOffset) continue;
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else throw new Error(`insufficient funds for ${tx.customerId}`);
    row.lastOffset = record.offset;
    await tablePut('balances', row);
  }
}
