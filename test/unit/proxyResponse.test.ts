import assert from 'node:assert/strict';
import type { LabApi, ModuleFactory } from '../../src/engine/executor';
import { proxyResponse } from '../../src/engine/proxyResponse';
import { Simulation } from '../../src/engine/simulation';
import { RunView } from '../../src/lessons/checks';

const ok = (result: unknown) => proxyResponse({ ok: true, result });

// "Create AWS Lambda proxy integrations for HTTP APIs" (Lambda function response format 2.0): a
// result that carries a statusCode is the response, and its body is a string; a result without one
// is taken for the body (200, application/json). The lab's gateways are HTTP APIs on format 2.0.
describe('API Gateway (HTTP API, payload format 2.0): the response a function result becomes', () => {
  it('a result with a statusCode is the response: its status, headers and string body as they are', () => {
    assert.deepEqual(ok({ statusCode: 201, headers: { 'Content-Type': 'text/plain', 'X-Count': 3 }, body: 'made' }), {
      response: { statusCode: 201, headers: { 'Content-Type': 'text/plain', 'X-Count': '3' }, body: 'made' },
    });
    assert.deepEqual(ok({ statusCode: 204 }), { response: { statusCode: 204 } });
  });

  it('a result without a statusCode is inferred: 200, application/json, the result as the body', () => {
    assert.deepEqual(ok({ users: [1, 2] }), { response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"users":[1,2]}' } });
    assert.deepEqual(ok('hello'), { response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '"hello"' } });
    assert.deepEqual(ok(undefined), { response: { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '' } });
  });

  it('a body that is not a string, next to a statusCode, is the wrong type: 500 Internal Server Error, and why', () => {
    for (const [body, kind] of [
      [{ users: [] }, 'an object'],
      [[1, 2], 'an array'],
      [42, 'a number'],
      [null, 'null'],
    ] as const) {
      const answer = ok({ statusCode: 200, headers: { 'content-type': 'application/json' }, body });
      assert.deepEqual(answer.response, { statusCode: 500, headers: { 'content-type': 'application/json' }, body: '{"message":"Internal Server Error"}' }, JSON.stringify(body));
      assert.match(String(answer.rejected), new RegExp(`body is ${kind}, not a string: Lambda body contains the wrong type for field "body"`));
    }
  });

  it('a function error is a 502, a throttled invoke a 429', () => {
    assert.equal(proxyResponse({ ok: false }).response.statusCode, 502);
    assert.equal(proxyResponse({ ok: false, throttled: true }).response.statusCode, 429);
  });

  it('through a gateway: the client gets the 500, and the trace says which invocation\'s answer was refused and why', () => {
    const mod = (handler: (lab: LabApi) => (event: any) => unknown): ModuleFactory => (lab) => ({ handler: handler(lab) });
    const sim = new Simulation(
      {
        name: 'object-body',
        durationS: 3,
        functions: [{ name: 'api', handler: 'api' }],
        gateways: [{ name: 'front', routes: [{ method: 'GET', path: '/users/{id}', function: 'api' }] }],
        traffic: [{ name: 'clients', target: { gateway: 'front', method: 'GET', path: '/users/{{seq}}' }, ratePerSecond: 2, durationS: 2 }],
      },
      // Odd ids answer a proper string body, even ids forget to stringify.
      { handlers: { api: mod(() => (e) => (Number(e.pathParameters.id) % 2 ? { statusCode: 200, body: JSON.stringify({ id: e.pathParameters.id }) } : { statusCode: 200, body: { id: e.pathParameters.id } })) } },
    );
    sim.run();
    const view = new RunView(sim);
    const exchanges = view.exchanges('front');
    assert.equal(exchanges.length, 4);
    assert.deepEqual(exchanges.map((x) => [x.path, x.status]), [['/users/1', 200], ['/users/2', 500], ['/users/3', 200], ['/users/4', 500]]);
    assert.equal(exchanges[1].body, '{"message":"Internal Server Error"}');
    const invocations = view.invocations('api');
    assert.deepEqual(invocations.map((i) => i.rejected !== undefined), [false, true, false, true]);
    assert.match(String(invocations[1].rejected), /body is an object, not a string/);
    assert.deepEqual(invocations[1].returned, { statusCode: 200, body: { id: '2' } }, 'what the handler returned is kept');
    assert.equal(sim.summary().gateways.front.responses['500'], 2);
  });
});
