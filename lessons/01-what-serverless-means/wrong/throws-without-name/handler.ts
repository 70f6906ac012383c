// Reads the name without checking it is there: GET /hello (no name in the path) throws.
import { work, type Handler } from 'serverless-lab';

interface HttpEvent {
  rawPath: string;
  pathParameters?: Record<string, string>;
}

export const handler: Handler<HttpEvent> = async (event) => {
  work(20);
  const name = event.pathParameters!.name.trim();
  return { statusCode: 200, body: `Hello, ${name}!` };
};
