// Your first function. API Gateway calls it for every GET /hello/{name}
// (and GET /hello) request and turns what it returns into the HTTP
// response: { statusCode, headers?, body }.
import { work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

// APIGatewayProxyEventV2: the HTTP API (payload 2.0) event, as API
// Gateway sends it.
export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  work(20); // building the greeting takes about 20 ms (modelled time: this is what you are billed for)

  // TODO 1: read the visitor's name from the path (GET /hello/Ada →
  //         event.pathParameters.name; GET /hello has no path
  //         parameters at all: event.pathParameters is undefined).
  // TODO 2: answer 200 with a greeting such as "Hello, Ada!".
  // TODO 3: GET /hello has no name — the client's mistake: answer
  //         400 with a short message.
  return { statusCode: 501, body: 'Not implemented yet' };
};
