// POST /visit/{page} → { page, visits }. The count lives in the table, shared by every environment;
// the function itself keeps nothing between invocations.
import { tableGet, tablePut, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

export const handler: Handler<APIGatewayProxyEventV2> = async (event, context) => {
  const page = event.pathParameters?.page ?? 'home';
  work(40); // rendering the page

  // Read-modify-write. In the lab a handler's calls happen at one instant, so nothing can slip in
  // between; on real DynamoDB use UpdateItem with `ADD #count :one` (an atomic counter; `count` is
  // a reserved word, so it goes through ExpressionAttributeNames) instead.
  const item = await tableGet('visits', page);
  const count = Number(item?.count ?? 0) + 1;
  await tablePut('visits', { page, count });

  return { statusCode: 200, body: JSON.stringify({ page, visits: count, environment: context.environmentId }) };
};
