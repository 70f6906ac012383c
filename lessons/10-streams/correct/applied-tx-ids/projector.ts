// Idempotent by transaction id: each row keeps the ids it applied (the producer's txId is unique).
import { tableGet, tablePut, type MSKEvent } from 'serverless-lab';

type Row = { customerId: string; balance: number; bounced: number; applied: string[] };

export async function handler(event: MSKEvent) {
  for (const record of event.Records) {
    if (record.value === null) continue;
    const tx = JSON.parse(record.value) as { txId: string; customerId: string; type: string; amount: number };
    const row = ((await tableGet('balances', tx.customerId)) as Row | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0, applied: [] };
    if (row.applied.includes(tx.txId)) continue;
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    row.applied.push(tx.txId);
    await tablePut('balances', row);
  }
}
