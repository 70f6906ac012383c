// The right bodies, labelled as text: clients that check the content type stop parsing them.
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];

export async function handler(event: { routeKey: string; pathParameters: { id?: string } }) {
  const send = (statusCode: number, value: unknown) => ({ statusCode, headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(value) });
  if (event.routeKey === 'GET /users') return send(200, { users: USERS.map(({ id, name }) => ({ id, name })), count: USERS.length });
  const user = USERS.find((u) => u.id === event.pathParameters.id);
  return user ? send(200, user) : send(404, { error: 'user not found' });
}
