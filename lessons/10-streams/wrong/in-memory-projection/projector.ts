// Keeps the balances in memory (fast!) and writes them out after each record.
import { tablePut } from 'serverless-lab';

const balances = new Map<string, { customerId: string; balance: number; bounced: number; lastOffset: number }>();

export async function handler(event: { Records: Array<{ offset: number; value: string }> }) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.value);
    const row = balances.get(tx.customerId) ?? { customerId: tx.customerId, balance: 0, bounced: 0, lastOffset: -1 };
    if (record.offset <= row.lastOffset) continue;
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    row.lastOffset = record.offset;
    balances.set(tx.customerId, row);
    await tablePut('balances', row);
  }
}
