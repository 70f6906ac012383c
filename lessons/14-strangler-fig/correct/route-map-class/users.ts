import type { APIGatewayProxyEventV2 } from 'serverless-lab';
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];
type Result = { statusCode: number; headers: Record<string, string>; body: string };
class Http {
  static ok(v: unknown): Result { return Http.send(200, v); }
  static notFound(): Result { return Http.send(404, { error: 'user not found' }); }
  private static send(statusCode: number, v: unknown): Result {
    return { statusCode, headers: { 'CONTENT-TYPE': 'application/json' }, body: JSON.stringify(v, null, 2) };
  }
}
const byId = new Map(USERS.map((u) => [u.id, u]));
const routes: Record<string, (e: APIGatewayProxyEventV2) => Result> = {
  'GET /users': () => Http.ok({ count: byId.size, users: [...byId.values()].map(({ name, id }) => ({ name, id })) }),
  'GET /users/{id}': (e) => { const u = byId.get(e.pathParameters?.id ?? ''); return u ? Http.ok(u) : Http.notFound(); },
};
export const handler = async (event: APIGatewayProxyEventV2): Promise<Result> => (routes[event.routeKey] ?? (() => Http.notFound()))(event);
