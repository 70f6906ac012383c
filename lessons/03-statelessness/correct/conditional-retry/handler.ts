// Optimistic concurrency: read, write only if the count is still the one read, retry otherwise.
import { tableGet, tablePut } from 'serverless-lab';

export const handler = async (event: any) => {
  const page: string = event.pathParameters.page;
  for (let attempt = 0; attempt < 20; attempt++) {
    const item = await tableGet('visits', page);
    const current = typeof item?.count === 'number' ? item.count : 0;
    try {
      await tablePut('visits', { page, count: current + 1 }, item ? { condition: { count: { equals: current } } } : { ifNotExists: true });
      return { statusCode: 200, body: JSON.stringify({ page, visits: current + 1 }) };
    } catch (err: any) {
      if (err.name !== 'ConditionalCheckFailedException') throw err;
    }
  }
  return { statusCode: 503, body: 'busy' };
};
