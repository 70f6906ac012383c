// JavaScript, with the header spelt as many servers do: Content-Type.
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];

const reply = (statusCode, body) => ({ statusCode, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

export async function handler(event) {
  if (event.routeKey === 'GET /users') return reply(200, { count: USERS.length, users: USERS.map((u) => ({ id: u.id, name: u.name })) });
  const found = USERS.find((u) => u.id === event.pathParameters.id);
  return found ? reply(200, found) : reply(404, { error: 'user not found' });
}
