const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];
// The list: a plain object, so API Gateway makes it a 200 with content-type application/json.
exports.handler = async (event) => {
  if (!event.pathParameters) return { users: USERS.map((u) => ({ id: u.id, name: u.name })), count: USERS.length };
  const user = USERS.find((u) => u.id === event.pathParameters.id);
  if (!user) return { statusCode: 404, headers: { 'Content-Type': 'application/json' }, body: '{"error":"user not found"}' };
  return user;
};
