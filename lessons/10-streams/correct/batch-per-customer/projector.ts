// Groups the batch by customer: one read and one write per customer and batch, the last offset
// applied kept in the row with the balance it stands for.
import { tableGet, tablePut, type MSKEvent } from 'serverless-lab';

type Tx = { customerId: string; type: 'deposit' | 'withdrawal'; amount: number };
type Row = { customerId: string; balance: number; bounced: number; upTo: number };

export async function handler(event: MSKEvent) {
  const byCustomer = new Map<string, Array<{ offset: number; tx: Tx }>>();
  for (const r of event.Records) {
    if (r.value === null) continue;
    const tx = JSON.parse(r.value) as Tx;
    byCustomer.set(tx.customerId, [...(byCustomer.get(tx.customerId) ?? []), { offset: r.offset, tx }]);
  }
  for (const [customerId, list] of byCustomer) {
    const row = ((await tableGet('balances', customerId)) as Row | undefined) ?? { customerId, balance: 0, bounced: 0, upTo: -1 };
    for (const { offset, tx } of list) {
      if (offset <= row.upTo) continue;
      if (tx.type === 'deposit') row.balance += tx.amount;
      else if (tx.amount <= row.balance) row.balance -= tx.amount;
      else row.bounced++;
      row.upTo = offset;
    }
    await tablePut('balances', row);
  }
}
