// Another correct sessionizer, in JavaScript, taking Buffer from the node:buffer module (the same
// Buffer as the global one); the row is updated with the page appended, one record after another.
import { Buffer as NodeBuffer } from 'node:buffer';
import { tableGet, tablePut } from 'serverless-lab';

export const handler = async ({ Records }) => {
  for (const { kinesis } of Records) {
    const { sessionId, page } = JSON.parse(NodeBuffer.from(kinesis.data, 'base64').toString('utf8'));
    const row = await tableGet('sessions', sessionId);
    await tablePut('sessions', { sessionId, pages: [...(row?.pages ?? []), page] });
  }
};
