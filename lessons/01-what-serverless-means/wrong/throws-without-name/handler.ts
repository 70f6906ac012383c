// Reads the name without checking it is there: GET /hello (no name in the path) throws.
import { work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  work(20);
  const name = event.pathParameters!.name!.trim();
  return { statusCode: 200, body: `Hello, ${name}!` };
};
