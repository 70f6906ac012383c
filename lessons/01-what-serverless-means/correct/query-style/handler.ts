// Reads the name from the raw path instead of pathParameters, and answers plain text.
import { work } from 'serverless-lab';

export async function handler(event: { rawPath: string }) {
  const [, , who] = event.rawPath.split('/');
  if (!who) return { statusCode: 400, body: 'Please tell me your name: GET /hello/{name}' };
  await work(25);
  return { statusCode: 200, body: 'Hello, ' + decodeURIComponent(who) + '!' };
}
