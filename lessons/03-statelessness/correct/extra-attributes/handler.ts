// Keeps more than the count in the item, and answers the total as a string field.
import { tableGet, tablePut, work, type Handler } from 'serverless-lab';

type Visits = { page: string; count: number; lastVisitAt: number };

export const handler: Handler<{ pathParameters: { page: string } }> = async (event, context) => {
  const { page } = event.pathParameters;
  await work(40);
  const item = (await tableGet('visits', page)) as Visits | undefined;
  const next: Visits = { page, count: (item?.count ?? 0) + 1, lastVisitAt: Date.now() };
  await tablePut('visits', next);
  return { statusCode: 200, body: JSON.stringify({ page, total: String(next.count), servedBy: context.awsRequestId }) };
};
