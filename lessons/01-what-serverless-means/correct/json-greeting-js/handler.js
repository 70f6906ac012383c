// The same greeting, in JavaScript, answered as JSON.
import { work } from 'serverless-lab';

export const handler = async (event) => {
  const name = (event.pathParameters || {}).name;
  if (name === undefined || name === '') {
    return { statusCode: 400, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error: 'missing name' }) };
  }
  await work(10);
  return { statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ greeting: `Hi ${name}, welcome!` }) };
};
