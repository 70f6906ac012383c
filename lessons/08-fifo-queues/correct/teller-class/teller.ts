// A Teller class holding the queue name and the id rules.
import { send, type SNSEvent } from 'serverless-lab';

interface Transaction { txId: string; accountId: string; type: 'deposit' | 'withdrawal'; amount: number }

class Teller {
  constructor(private readonly queue: string) {}
  private options(tx: Transaction) {
    return { groupId: `acct/${tx.accountId}`, deduplicationId: `txn/${tx.txId}` };
  }
  async forward(tx: Transaction) {
    const { messageId } = await send(this.queue, { ...tx, forwardedBy: 'teller' }, this.options(tx));
    return messageId;
  }
}

const teller = new Teller('ledger.fifo');

export async function handler(event: SNSEvent) {
  for (const record of event.Records) await teller.forward(JSON.parse(record.Sns.Message));
}
