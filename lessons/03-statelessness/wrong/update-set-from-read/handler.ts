// Uses tableUpdate, as the hint says — but to SET a total computed from an earlier read. The update
// is one step; the read before it is another, and other invocations write in between.
import { tableGet, tableUpdate, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

export const handler: Handler<APIGatewayProxyEventV2> = async (event) => {
  const page = event.pathParameters?.page ?? 'home';
  work(40);
  const seen = Number((await tableGet('visits', page))?.count ?? 0);
  const item = await tableUpdate('visits', page, { set: { count: seen + 1 } });
  return { statusCode: 200, body: JSON.stringify({ page, visits: item.count }) };
};
