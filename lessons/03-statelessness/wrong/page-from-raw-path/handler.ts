// The page comes from rawPath.split("/")[1] — which is "visit" for every request.
import { tableUpdate, work } from 'serverless-lab';
export const handler = async (event: any) => {
  const page = event.rawPath.split('/')[1];
  work(40);
  const item = await tableUpdate('visits', page, { add: { count: 1 } });
  return { statusCode: 200, body: JSON.stringify({ page, visits: item.count }) };
};
