// JavaScript, and a plain-text answer: "pricing has 12 visits". Optimistic locking instead of an
// atomic add: write the new total only if the stored one is still the one read, else read again.
import { tableGet, tablePut, work } from 'serverless-lab';

export async function handler(event) {
  const page = event.pathParameters.page;
  work(30);
  for (;;) {
    const stored = await tableGet('visits', page);
    const count = stored === undefined ? 1 : stored.count + 1;
    const condition = stored === undefined ? { page: { exists: false } } : { count: { equals: stored.count } };
    try {
      await tablePut('visits', { page, count }, { condition });
      return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: `${page} has ${count} visits` };
    } catch (err) {
      if (err.code !== 'ConditionalCheckFailed') throw err; // someone else counted first: try again
    }
  }
}
