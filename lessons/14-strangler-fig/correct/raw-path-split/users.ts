import type { APIGatewayProxyEventV2 } from 'serverless-lab';
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];
export async function handler(event: APIGatewayProxyEventV2) {
  const parts = event.rawPath.split('/').filter(Boolean); // ['users'] or ['users', id]
  const headers = { 'content-type': 'application/json;charset=UTF-8' };
  if (parts.length === 1) {
    return { statusCode: 200, headers, body: JSON.stringify({ users: USERS.map((u) => ({ id: u.id, name: u.name })), count: 3 }) };
  }
  const found = USERS.filter((u) => u.id === decodeURIComponent(parts[1]));
  return found.length
    ? { statusCode: 200, headers, body: JSON.stringify(found[0]) }
    : { statusCode: 404, headers, body: JSON.stringify({ error: 'user not found' }) };
}
