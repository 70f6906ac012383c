// CommonJS: the SNS message id is the deduplication id (a redelivery of one publish keeps it).
const { send } = require('serverless-lab');

exports.handler = async (event) => {
  for (const { Sns } of event.Records) {
    const tx = JSON.parse(Sns.Message);
    await send('ledger.fifo', Sns.Message, { groupId: tx.accountId, deduplicationId: Sns.MessageId });
  }
};
