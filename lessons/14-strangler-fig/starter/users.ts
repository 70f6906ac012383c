// users-service: the first piece carved out of the monolith. The api
// gateway already sends it
//   GET /users        and   GET /users/{id}
// (everything else still goes to the monolith). Clients must not notice
// the switch: answer with exactly what the monolith answered — same
// status code, same JSON, same content-type header.
//
// What the monolith answers (see the lesson page for the full list):
//   GET /users      200
//     {"users":[{"id":"1","name":"Ada Lovelace"}, …],"count":3}
//   GET /users/1    200
//     {"id":"1","name":"Ada Lovelace","email":"ada@example.com",
//      "plan":"pro"}
//   GET /users/42   404
//     {"error":"user not found"}
// and always the header  content-type: application/json
import type { APIGatewayProxyEventV2 } from 'serverless-lab';

// The users, migrated from the monolith's database.
const USERS = [
  { id: '1', name: 'Ada Lovelace', email: 'ada@example.com', plan: 'pro' },
  { id: '2', name: 'Alan Turing', email: 'alan@example.com', plan: 'free' },
  { id: '3', name: 'Grace Hopper', email: 'grace@example.com', plan: 'team' },
];

interface HttpResult {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
}

export function handler(event: APIGatewayProxyEventV2): HttpResult {
  // TODO: answer GET /users (the list) and GET /users/{id} (one user,
  //       or 404) like the monolith.
  void USERS;
  return { statusCode: 501, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: `not implemented: ${event.routeKey}` }) };
}
