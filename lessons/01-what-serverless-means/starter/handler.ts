// Your first function. API Gateway calls it for every GET /hello/{name} (and GET /hello) request
// and turns what it returns into the HTTP response: { statusCode, headers?, body }.
import { work, type Handler } from 'serverless-lab';

/** The parts of an HTTP API (payload 2.0) event this handler needs. */
interface HttpEvent {
  rawPath: string; // "/hello/Ada"
  pathParameters?: Record<string, string>; // { name: "Ada" } for the route /hello/{name}
}

export const handler: Handler<HttpEvent> = async (event) => {
  work(20); // building the greeting takes about 20 ms (modelled time: this is what you are billed for)

  // TODO 1: read the visitor's name from the path (GET /hello/Ada → event.pathParameters.name).
  // TODO 2: answer 200 with a greeting such as "Hello, Ada!".
  // TODO 3: GET /hello has no name — the client's mistake: answer 400 with a short message.
  return { statusCode: 501, body: 'Not implemented yet' };
};
