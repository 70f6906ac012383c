import type { APIGatewayProxyEventV2 } from 'serverless-lab';
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];
export function handler(event: APIGatewayProxyEventV2) {
  const headers = { 'content-type': 'application/json' };
  if (event.routeKey === 'GET /users') return { statusCode: 200, headers, body: { users: USERS.map(({ id, name }) => ({ id, name })), count: 3 } };
  const user = USERS.find((u) => u.id === event.pathParameters?.id);
  return user ? { statusCode: 200, headers, body: JSON.stringify(user) } : { statusCode: 404, headers, body: JSON.stringify({ error: 'user not found' }) };
}
