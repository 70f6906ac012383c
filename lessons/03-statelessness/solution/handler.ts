// POST /visit/{page} → { page, visits }. The count lives in the table, shared by every environment;
// the function itself keeps nothing between invocations.
import { tableUpdate, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

export const handler: Handler<APIGatewayProxyEventV2> = async (event, context) => {
  const page = event.pathParameters?.page ?? 'home';
  work(40); // rendering the page

  // One atomic step in the table (DynamoDB UpdateItem with ADD): whatever other invocations do at
  // the same moment, no increment is lost. It answers the item as it is after this visit.
  const item = await tableUpdate('visits', page, { add: { count: 1 } });
  const count = Number(item.count);

  return { statusCode: 200, body: JSON.stringify({ page, visits: count, environment: context.environmentId }) };
};
