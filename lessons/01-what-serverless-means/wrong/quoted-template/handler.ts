// A learner's greeting: the name goes in with ${…}, but inside single quotes it stays literal text.
import { work } from 'serverless-lab';

export async function handler(event: { pathParameters?: { name?: string } }) {
  const name = event.pathParameters?.name;
  if (!name) return { statusCode: 400, body: 'name required' };
  await work(15);
  return { statusCode: 200, body: 'Hello, ${name}!' };
}
