// Optimistic locking, half done: the write is conditional, so no visit is overwritten — but when
// the condition fails the error escapes, and that visitor gets a 502 instead of a retry.
import { tableGet, tablePut, work } from 'serverless-lab';

export async function handler(event) {
  const page = event.pathParameters.page;
  work(40);
  const stored = await tableGet('visits', page);
  const count = (stored?.count ?? 0) + 1;
  await tablePut('visits', { page, count }, { condition: stored ? { count: { equals: stored.count } } : { page: { exists: false } } });
  return { statusCode: 200, body: JSON.stringify({ page, visits: count }) };
}
