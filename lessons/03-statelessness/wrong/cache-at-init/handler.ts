// Reads the stored counts once, at init ("reading the table on every request is wasteful"),
// then counts in memory and writes the totals back.
import { tableGet, tablePut, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

const visits: Record<string, number> = {};
const loading = (async () => {
  for (const page of ['home', 'pricing', 'docs']) visits[page] = Number((await tableGet('visits', page))?.count ?? 0);
})();

export const handler: Handler<APIGatewayProxyEventV2> = async (event, context) => {
  await loading;
  const page = event.pathParameters?.page ?? 'home';
  work(40);
  visits[page] = (visits[page] ?? 0) + 1;
  await tablePut('visits', { page, count: visits[page] });
  return { statusCode: 200, body: JSON.stringify({ page, visits: visits[page], environment: context.environmentId }) };
};
