// Counts in one step in the table, but keeps the request's page in a module variable: right while
// an environment serves one request at a time (Lambda), wrong where one instance serves several at
// once and they share the module (Cloud Run functions with concurrency 8, behind the gateway site-run).
import { tableUpdate, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

let page = 'home'; // the page of the request being served

export const handler: Handler<APIGatewayProxyEventV2> = async (event, context) => {
  page = event.pathParameters?.page ?? 'home';
  work(40); // rendering the page

  const item = await tableUpdate('visits', page, { add: { count: 1 } });

  // After the await, `page` is whatever the last request on this instance set it to.
  return { statusCode: 200, body: JSON.stringify({ page, visits: Number(item.count), environment: context.environmentId }) };
};
