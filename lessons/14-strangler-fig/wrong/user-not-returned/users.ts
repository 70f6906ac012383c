// users-service: answers exactly like the monolith did, so the cut-over is invisible to clients.
import type { APIGatewayProxyEventV2 } from 'serverless-lab';
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];

const json = (statusCode: number, value: unknown) => ({ statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) });

export function handler(event: APIGatewayProxyEventV2) {
  if (event.routeKey === 'GET /users') {
    // The list shows only id and name (the monolith never exposed e-mails in the list).
    return json(200, { users: USERS.map(({ id, name }) => ({ id, name })), count: USERS.length });
  }
  const user = USERS.find((u) => u.id === event.pathParameters?.id);
  if (user) json(200, user);
  else return json(404, { error: 'user not found' });
}
