// Applies every record it is given.
import { tableGet, tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ value: string }> }) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.value);
    const row = (await tableGet('balances', tx.customerId) as { customerId: string; balance: number; bounced: number } | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0 };
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    await tablePut('balances', row);
  }
}
