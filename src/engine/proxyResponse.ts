/**
 * What API Gateway answers for a Lambda function behind a route. The lab's gateways are HTTP APIs
 * with a Lambda proxy integration and payload format 2.0 (the event is `httpApiEvent`, headers in
 * lower case), and the answer follows that format's rules ("Create AWS Lambda proxy integrations for
 * HTTP APIs", Lambda function response format 2.0):
 *
 * - a result with a `statusCode` is a response: its status, its headers, and its `body`, which must
 *   be a string (or absent). Any other body — an object, an array, a number — is the wrong type:
 *   API Gateway cannot use the answer, answers the client 500 `{"message":"Internal Server Error"}`
 *   and logs why (its integration error message names the field `body`). It does not serialise the
 *   object for you (a REST API's proxy integration refuses it too, with a 502 "Malformed Lambda
 *   proxy response");
 * - any other result (no `statusCode`) is inferred: a 200 with content-type application/json and the
 *   result, as JSON, for body — so a bare object is fine, and `undefined` is an empty 200;
 * - a function error answers 502, a throttled invoke 429.
 */
import type { InvokeResult } from './functions';
import type { HttpResponse } from './services';

const JSON_TYPE = { 'content-type': 'application/json' } as const;
const INTERNAL_ERROR: HttpResponse = { statusCode: 500, headers: { ...JSON_TYPE }, body: '{"message":"Internal Server Error"}' };

/** The answer, and — when API Gateway could not use the function's result — why, as its log says it. */
export interface ProxyAnswer {
  response: HttpResponse;
  rejected?: string;
}

/** The HTTP response API Gateway (HTTP API, payload format 2.0) makes of one invocation's outcome. */
export function proxyResponse(r: Pick<InvokeResult, 'ok' | 'result' | 'throttled'>): ProxyAnswer {
  if (r.throttled) return { response: { statusCode: 429, headers: { ...JSON_TYPE }, body: '{"message":"Too Many Requests"}' } };
  if (!r.ok) return { response: { statusCode: 502, headers: { ...JSON_TYPE }, body: '{"message":"Internal Server Error"}' } };
  const result = r.result;
  if (result !== null && typeof result === 'object' && typeof (result as { statusCode?: unknown }).statusCode === 'number') {
    const { statusCode, headers, body } = result as { statusCode: number; headers?: Record<string, unknown>; body?: unknown };
    if (body !== undefined && typeof body !== 'string') {
      const kind = body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body === 'object' ? 'an object' : `a ${typeof body}`;
      return { response: { ...INTERNAL_ERROR, headers: { ...JSON_TYPE } }, rejected: `the response's body is ${kind}, not a string: Lambda body contains the wrong type for field "body" (JSON.stringify it)` };
    }
    const out: HttpResponse = { statusCode };
    if (headers && typeof headers === 'object') out.headers = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, String(v)]));
    if (body !== undefined) out.body = body;
    return { response: out };
  }
  return { response: { statusCode: 200, headers: { ...JSON_TYPE }, body: result === undefined ? '' : JSON.stringify(result) } };
}
