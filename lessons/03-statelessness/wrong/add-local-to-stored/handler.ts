// Keeps a per-environment counter AND reads the table: "stored total + my visits".
import { tableGet, tablePut, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

const mine: Record<string, number> = {};

export const handler: Handler<APIGatewayProxyEventV2> = async (event, context) => {
  const page = event.pathParameters?.page ?? 'home';
  work(40);
  mine[page] = (mine[page] ?? 0) + 1;
  const stored = Number((await tableGet('visits', page))?.count ?? 0);
  const count = stored + mine[page];
  await tablePut('visits', { page, count });
  return { statusCode: 200, body: JSON.stringify({ page, visits: count, environment: context.environmentId }) };
};
