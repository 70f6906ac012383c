// POST /visit/{page} → { page, visits }: how many times this page has
// been visited, ever.
//
// This version keeps the counts in a module-level variable. Try it:
// with one visitor a second, one warm environment serves everything and
// the numbers look right. Then run the check.
import { tablePut, work, type Handler, type APIGatewayProxyEventV2 } from 'serverless-lab';

const visits: Record<string, number> = {}; // lives in ONE execution environment's memory

export const handler: Handler<APIGatewayProxyEventV2> = async (event, context) => {
  const page = event.pathParameters?.page ?? 'home';
  work(40); // rendering the page

  // TODO: the count below is per environment. Under load the platform
  // runs several environments, each with its own `visits`, and a
  // recycled or crashed environment forgets its counts. Keep the count
  // in the table instead, and change it there in one step:
  // `await tableUpdate('visits', page, { add: { count: 1 } })` answers
  // the item after the visit. (Reading it with tableGet and writing it
  // back with tablePut loses visits when invocations overlap: another
  // one can write between your read and your write.)
  visits[page] = (visits[page] ?? 0) + 1;
  await tablePut('visits', { page, count: visits[page] });

  return { statusCode: 200, body: JSON.stringify({ page, visits: visits[page], environment: context.environmentId }) };
};
