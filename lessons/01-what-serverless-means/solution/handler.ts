// GET /hello/Ada → 200 "Hello, Ada!"; GET /hello → 400.
import { work, type Handler } from 'serverless-lab';

interface HttpEvent {
  rawPath: string;
  pathParameters?: Record<string, string>;
}

export const handler: Handler<HttpEvent> = async (event) => {
  const name = event.pathParameters?.name?.trim();
  if (!name) {
    return { statusCode: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'whom should I greet? try /hello/Ada' }) };
  }
  work(20); // building the greeting takes about 20 ms
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: `Hello, ${name}!` };
};
