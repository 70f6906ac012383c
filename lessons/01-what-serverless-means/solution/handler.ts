// GET /hello/Ada → 200 "Hello, Ada!"; GET /hello → 400.
import { work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  const name = event.pathParameters?.name?.trim();
  if (!name) {
    return { statusCode: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message: 'whom should I greet? try /hello/Ada' }) };
  }
  work(20); // building the greeting takes about 20 ms
  return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: `Hello, ${name}!` };
};
