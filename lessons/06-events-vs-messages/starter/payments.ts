// Consumer of the ChargeCard COMMAND. The platform polls the payments
// queue (pull) and hands this function batches; a message is deleted
// when the batch succeeds. One queue, one consumer.
import { tablePut } from 'serverless-lab';

export async function handler(event: { Records: Array<{ messageId: string; body: string }> }) {
  for (const record of event.Records) {
    await tablePut('payments-inbox', { messageId: record.messageId, body: record.body });
    let command: { type?: string; orderId?: string; amount?: number } = {};
    try {
      command = JSON.parse(record.body);
    } catch {
      /* recorded above; not a command we understand */
    }
    if (command.type === 'ChargeCard') console.log(`charging ${command.amount} for ${command.orderId}`);
    else console.log(`payments got something that is not a ChargeCard command: ${record.body.slice(0, 80)}`);
  }
}
