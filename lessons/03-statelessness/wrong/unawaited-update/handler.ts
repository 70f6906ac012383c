// The update is started but not awaited: the handler answers while it is in flight.
import { tableUpdate, work } from 'serverless-lab';
export const handler = async (event: any) => {
  const page = event.pathParameters?.page ?? 'home';
  work(40);
  tableUpdate('visits', page, { add: { count: 1 } });
  return { statusCode: 200, body: JSON.stringify({ page, ok: true }) };
};
