// Another correct sessionizer, in JavaScript: groups the batch by session first, one write each.
import { tableGet, tablePut } from 'serverless-lab';

export async function handler(event) {
  const paths = new Map();
  for (const record of event.Records) {
    const { sessionId, page } = JSON.parse(record.kinesis.text);
    if (!paths.has(sessionId)) paths.set(sessionId, []);
    paths.get(sessionId).push(page);
  }
  for (const [sessionId, pages] of paths) {
    const row = (await tableGet('sessions', sessionId)) ?? { sessionId, pages: [] };
    await tablePut('sessions', { sessionId, pages: [...row.pages, ...pages] });
  }
}
