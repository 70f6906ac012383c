// Greets everyone, even when there is no name: "Hello, undefined!" with a 200.
import { work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  work(20);
  return { statusCode: 200, body: `Hello, ${event.pathParameters?.name}!` };
};
