// Writes each row with a condition on the offset it read: a write that would go back is refused.
import { tableGet, tablePut, type Condition, type MSKEvent } from 'serverless-lab';

type Row = { customerId: string; balance: number; bounced: number; lastOffset: number };

function apply(row: Row, tx: { type: string; amount: number }): Row {
  if (tx.type === 'deposit') return { ...row, balance: row.balance + tx.amount };
  if (tx.amount <= row.balance) return { ...row, balance: row.balance - tx.amount };
  return { ...row, bounced: row.bounced + 1 };
}

export const handler = async (event: MSKEvent) => {
  for (const rec of event.Records) {
    if (rec.value === null) continue;
    const tx = JSON.parse(rec.value);
    const stored = (await tableGet('balances', tx.customerId)) as Row | undefined;
    const row = stored ?? { customerId: tx.customerId, balance: 0, bounced: 0, lastOffset: -1 };
    if (rec.offset <= row.lastOffset) continue;
    const condition: Condition = stored ? { lastOffset: { equals: stored.lastOffset } } : { customerId: { exists: false } };
    await tablePut('balances', { ...apply(row, tx), lastOffset: rec.offset }, { condition });
  }
};
