// Keeps more than the count in the item, and answers the total as a string field.
import { tableUpdate, work, type Handler } from 'serverless-lab';

export const handler: Handler<{ pathParameters: { page: string } }> = async (event, context) => {
  const { page } = event.pathParameters;
  work(40);
  const next = await tableUpdate('visits', page, { add: { count: 1 }, set: { lastVisitAt: Date.now() } });
  return { statusCode: 200, body: JSON.stringify({ page, total: String(next.count), servedBy: context.awsRequestId }) };
};
