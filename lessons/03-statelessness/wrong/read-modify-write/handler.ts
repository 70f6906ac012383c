// Wrong: the count lives in the table, but it is read, incremented here and written back. Two
// invocations that overlap both read the same total and both write total + 1: a visit is lost.
import { tableGet, tablePut, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

export const handler: Handler<APIGatewayProxyEventV2> = async (event, context) => {
  const page = event.pathParameters?.page ?? 'home';
  work(40); // rendering the page

  const item = await tableGet('visits', page);
  const count = Number(item?.count ?? 0) + 1;
  await tablePut('visits', { page, count });

  return { statusCode: 200, body: JSON.stringify({ page, visits: count, environment: context.environmentId }) };
};
