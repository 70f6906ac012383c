// The projector: builds the `balances` table (a projection) from the
// wallet-events stream.
//
// TODO: for each record (record.value is the JSON the producer wrote;
// event.Records is the lab's decoded copy of event.records, whose
// values are base64 as AWS sends them) update the customer's row
// { customerId, balance, bounced }:
//   - deposit: balance += amount
//   - withdrawal: if amount <= balance, balance -= amount; otherwise it
//     bounces: bounced += 1
// The platform commits the partition's offset after a batch succeeds.
// If an invocation dies before that, the SAME batch is delivered again.
// Make sure applying it twice changes nothing (record.partition and
// record.offset identify a record).
import { tableGet, tablePut, type MSKEvent } from 'serverless-lab';

export async function handler(event: MSKEvent) {
  for (const record of event.Records) {
    console.log(`partition ${record.partition} offset ${record.offset}: ${record.value}`);
  }
}
