// Another correct projector, in JavaScript, on the MSK event's own `records`: each value is base64,
// decoded with atob (one character per byte) and TextDecoder (the bytes are UTF-8).
import { tableGet, tablePut } from 'serverless-lab';

const utf8 = new TextDecoder();
const text = (base64) => utf8.decode(Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)));

export const handler = async (event) => {
  for (const [topicPartition, records] of Object.entries(event.records)) {
    for (const { offset, value } of records) {
      if (value === undefined) continue;
      const { customerId, type, amount } = JSON.parse(text(value));
      const row = (await tableGet('balances', customerId)) ?? { customerId, balance: 0, bounced: 0, applied: {} };
      // Offsets count per partition: remember the last one applied for this record's partition.
      if (offset <= (row.applied[topicPartition] ?? -1)) continue;
      if (type === 'deposit') row.balance += amount;
      else if (amount <= row.balance) row.balance -= amount;
      else row.bounced += 1;
      row.applied[topicPartition] = offset;
      await tablePut('balances', row);
    }
  }
};
