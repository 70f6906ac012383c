// Same answers, with a charset parameter on the content type and the body pretty-printed.
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];

type Event = { routeKey: string; pathParameters?: { id?: string } };

function json(statusCode: number, value: unknown) {
  return { statusCode, headers: { 'CONTENT-TYPE': 'application/json; charset=utf-8' }, body: JSON.stringify(value, null, 2) };
}

export const handler = async (event: Event) => {
  switch (event.routeKey) {
    case 'GET /users':
      return json(200, { users: USERS.map(({ id, name }) => ({ id, name })), count: 3 });
    default: {
      const user = USERS.find((u) => u.id === event.pathParameters?.id);
      return user === undefined ? json(404, { error: 'user not found' }) : json(200, user);
    }
  }
};
