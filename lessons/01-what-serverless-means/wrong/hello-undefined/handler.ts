// Greets everyone, even when there is no name: "Hello, undefined!" with a 200.
import { work, type Handler } from 'serverless-lab';

interface HttpEvent {
  rawPath: string;
  pathParameters?: Record<string, string>;
}

export const handler: Handler<HttpEvent> = async (event) => {
  work(20);
  return { statusCode: 200, body: `Hello, ${event.pathParameters?.name}!` };
};
