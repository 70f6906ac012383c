// JavaScript, and a plain-text answer: "pricing has 12 visits".
import { tableGet, tablePut, work } from 'serverless-lab';

export async function handler(event) {
  const page = event.pathParameters.page;
  await work(30);
  const stored = await tableGet('visits', page);
  const count = stored === undefined ? 1 : stored.count + 1;
  await tablePut('visits', { page, count });
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: `${page} has ${count} visits` };
}
