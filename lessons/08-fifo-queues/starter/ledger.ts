// The ledger: applies each transaction to its account, in the order the
// FIFO queue hands them out, and writes a statement line with the
// running balance. It trusts the queue: no deduplication here.
import { tableGet, tablePut } from 'serverless-lab';

interface Transaction {
  txId: string;
  accountId: string;
  type: 'deposit' | 'withdrawal';
  amount: number;
}

interface SqsRecord {
  messageId: string;
  body: string;
  attributes: { MessageGroupId?: string; SequenceNumber?: string };
}

type Account = {
  accountId: string;
  balance: number;
  statement: Array<{ txId: string; seq: string; balance: number }>;
};

export async function handler(event: { Records: SqsRecord[] }) {
  for (const record of event.Records) {
    const tx = JSON.parse(record.body) as Transaction;
    const account = (await tableGet('accounts', tx.accountId) as Account | undefined) ?? { accountId: tx.accountId, balance: 0, statement: [] };
    account.balance += tx.type === 'deposit' ? tx.amount : -tx.amount;
    account.statement.push({ txId: tx.txId, seq: record.attributes.SequenceNumber ?? '', balance: account.balance });
    await tablePut('accounts', account);
  }
}
