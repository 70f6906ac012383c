// @ts-check
// Strangler fig: the new users-service must answer exactly like the monolith it replaces.
// The response bodies are not in the trace, so after the run these checks send the same requests
// through both gateways (`api`, the strangler facade, and `monolith`, the old system) and compare.

/** @type {WeakMap<object, Map<string, any>>} */
const cache = new WeakMap();

/**
 * Send one request through a gateway after the run and wait (virtual time) for its answer.
 * @param {any} r
 * @param {string} gateway
 * @param {string} method
 * @param {string} path
 */
function probe(r, gateway, method, path) {
  let memo = cache.get(r);
  if (!memo) cache.set(r, (memo = new Map()));
  const k = `${gateway} ${method} ${path}`;
  if (memo.has(k)) return memo.get(k);
  /** @type {any} */
  let res;
  r.sim.gateways.get(gateway).request({ method, path, headers: { accept: 'application/json' } }, (/** @type {any} */ x) => (res = x));
  const deadline = r.sim.now + 60_000;
  while (res === undefined && r.sim.now <= deadline && r.sim.step());
  memo.set(k, res);
  return res;
}

/** @param {string | undefined} text */
function parse(text) {
  try {
    return { ok: true, value: JSON.parse(text ?? '') };
  } catch {
    return { ok: false, value: text };
  }
}

/** Deep equality of JSON values (key order does not matter). @param {any} a @param {any} b @returns {boolean} */
function same(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && same(a[k], b[k]));
}

/** @param {any} res */
const contentType = (res) => {
  // HTTP header names are case-insensitive: Content-Type, content-type and CONTENT-TYPE are one header.
  const entry = Object.entries(res?.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type');
  return entry ? String(entry[1]).split(';')[0].trim().toLowerCase() : '(none)';
};

/** @param {string | undefined} s */
const clip = (s) => (s === undefined ? '(no body)' : s === '' ? '(empty)' : s.length > 140 ? `${s.slice(0, 140)}…` : s);

/**
 * Answers of users-service during the run whose body was not a string, per route ('GET /users' →
 * the first such body): the response format asks for a string (JSON.stringify it).
 * @param {import('../../src/lessons/checks').RunView} r
 */
function objectBodies(r) {
  const routeOf = new Map(r.where('routed', 'api').map((x) => [String(x.id), String(x.detail?.route)]));
  /** @type {Map<string, unknown>} */
  const out = new Map();
  for (const inv of r.invocations('users-service')) {
    const v = /** @type {any} */ (inv.returned);
    if (v && typeof v === 'object' && typeof v.statusCode === 'number' && v.body !== undefined && typeof v.body !== 'string') {
      const route = routeOf.get(String(inv.cause)) ?? '?';
      if (!out.has(route)) out.set(route, v.body);
    }
  }
  return out;
}

/**
 * Why API Gateway answered 500 for an invocation that succeeded: it could not use the answer.
 * @param {{ id: string, rejected?: string }} inv
 */
function refusedAnswer(inv) {
  return `API Gateway could not use users-service's answer (${inv.id}): ${inv.rejected} — it answers 500 Internal Server Error instead`;
}

/**
 * How many of users-service's invocations per route returned nothing at all (undefined).
 * @param {import('../../src/lessons/checks').RunView} r
 */
function returnedNothing(r) {
  const routeOf = new Map(r.where('routed', 'api').map((x) => [String(x.id), String(x.detail?.route)]));
  /** @type {Map<string, number>} */
  const out = new Map();
  for (const inv of r.invocations('users-service')) {
    if (inv.outcome !== 'succeeded' || inv.returned !== undefined) continue;
    const route = routeOf.get(String(inv.cause)) ?? '?';
    out.set(route, (out.get(route) ?? 0) + 1);
  }
  return out;
}

/**
 * Why users-service answered a 5xx, from its invocations: what it threw (and where), a timeout,
 * or a 5xx it returned itself. Reads the simulation's records as they are now (after the probes).
 * @param {any} r
 * @param {string[]} [requestIds] the gateway requests to explain (default: the last failure)
 */
function serverErrorCause(r, requestIds) {
  const records = r.sim.records();
  const wanted = requestIds ? new Set(requestIds) : undefined;
  const ends = records.filter((/** @type {any} */ x) => x.resource === 'users-service' && (x.kind === 'failed' || x.kind === 'timed-out') && (!wanted || wanted.has(x.cause)));
  const last = ends[ends.length - 1];
  if (!last) return '';
  const at = last.detail?.location;
  return last.kind === 'timed-out' ? 'users-service timed out' : `users-service threw ${String(last.detail?.error)}${at ? ` (line ${at.line})` : ''}, and API Gateway answers a 502 for a function error`;
}

/**
 * Compare the new service (through `api`) with the monolith for the same requests.
 * @param {any} r
 * @param {string[]} paths
 * @param {string} what
 */
function parity(r, paths, what) {
  const diffs = [];
  for (const path of paths) {
    const now = probe(r, 'api', 'GET', path);
    const old = probe(r, 'monolith', 'GET', path);
    if (!now || !old) {
      diffs.push(`${path}: no answer`);
      continue;
    }
    if (now.target !== 'users-service') diffs.push(`${path}: served by ${now.target}, not users-service`);
    const problems = [];
    const route = path === '/users' ? 'GET /users' : 'GET /users/{id}';
    const objectBody = objectBodies(r).get(route);
    // The probe ran after the run: its records are the simulation's latest.
    const refused = now.statusCode === 500 ? r.sim.records().filter((/** @type {any} */ x) => x.kind === 'response-rejected' && x.resource === 'users-service').pop() : undefined;
    if (now.statusCode !== old.statusCode) {
      // An object body is explained below, with the object.
      const cause = refused ? (objectBody !== undefined ? '' : refusedAnswer({ id: String(refused.id), rejected: String(refused.detail?.reason) })) : now.statusCode >= 500 ? serverErrorCause(r) : '';
      problems.push(`status ${now.statusCode}, the monolith said ${old.statusCode}${cause ? ` (${cause})` : ''}`);
    }
    const nothing = returnedNothing(r).get(route);
    if (nothing && !now.body) problems.push(`users-service returned nothing (undefined) for ${nothing} requests on ${route}: API Gateway turns that into a 200 with an empty body — return the response`);
    if (objectBody !== undefined) problems.push(`users-service returned body as ${Array.isArray(objectBody) ? 'an array' : typeof objectBody} (${clip(JSON.stringify(objectBody))}), not a string: a response with a statusCode must carry its body as a string (JSON.stringify it); API Gateway does not serialise it for you: it refused the answer (Lambda body contains the wrong type for field "body") and answered 500 Internal Server Error`);
    if (contentType(now) !== contentType(old)) problems.push(`content-type ${contentType(now)}, the monolith sent ${contentType(old)}`);
    const a = parse(now.body);
    const b = parse(old.body);
    if (!(a.ok && b.ok ? same(a.value, b.value) : now.body === old.body)) problems.push(`body ${clip(now.body)} — the monolith: ${clip(old.body)}`);
    if (problems.length) diffs.push(`GET ${path}: ${problems.join('; ')}`);
  }
  const pass = diffs.length === 0;
  return {
    pass,
    expected: `${what}: the same status, content-type and JSON body as the monolith (${paths.map((p) => `GET ${p}`).join(', ')})`,
    actual: pass ? `all ${paths.length} responses identical` : diffs.join(' | '),
    diffs,
  };
}

module.exports = [
  {
    id: 'no-errors',
    title: 'Every request of the run is answered without a server error',
    hint: 'A handler that throws becomes a 502, a 501 is still a 5xx: answer every /users request the facade sends you.',
    section: 'the-exercise',
    run(r) {
      const routed = new Map(r.where('routed', 'api').map((/** @type {any} */ x) => [x.id, x.detail?.target]));
      const responded = r.where('responded', 'api');
      const toService = responded.filter((/** @type {any} */ x) => routed.get(x.id) === 'users-service');
      const bad = toService.filter((/** @type {any} */ x) => x.detail?.statusCode >= 500);
      const legacy = responded.length - toService.length;
      const codes = [...new Set(bad.map((/** @type {any} */ x) => x.detail?.statusCode))].join(', ');
      // Why: what the function did for the first bad answer (threw, timed out, or answered 5xx itself).
      const first = bad[0];
      const returned5xx = first ? r.invocations('users-service').find((i) => i.cause === first.id && i.outcome === 'succeeded') : undefined;
      const route = first ? r.where('routed', 'api').find((x) => x.id === first.id)?.detail?.route : undefined;
      const why = !first ? '' : returned5xx?.rejected ? refusedAnswer(returned5xx) : returned5xx ? `users-service answered ${first.detail?.statusCode} itself` : serverErrorCause(r, [String(first.id)]);
      const byRoute = new Map();
      for (const b of bad) {
        const rt = String(r.where('routed', 'api').find((x) => x.id === b.id)?.detail?.route);
        byRoute.set(rt, (byRoute.get(rt) ?? 0) + 1);
      }
      const routes = [...byRoute].map(([rt, n]) => `${n} on ${rt}`).join(', ');
      const pass = toService.length > 0 && bad.length === 0;
      return {
        pass,
        expected: 'no 5xx answers from users-service (the monolith keeps serving everything else)',
        actual: `${toService.length} requests to users-service, ${bad.length} answered ${codes || '5xx'}; ${legacy} requests served by the monolith`,
        message: pass
          ? 'The facade split the traffic and the new service answered all of its share.'
          : toService.length === 0
            ? 'No request reached users-service.'
            : `${bad.length} of ${toService.length} requests to the new service got a server error (${codes}; ${routes}): the first, on ${route}, because ${why}. For the clients, the migration broke the API.`,
      };
    },
  },
  {
    id: 'list-parity',
    title: 'GET /users answers like the monolith',
    hint: 'Compare field by field with the monolith\'s list response (on the lesson page), headers included.',
    section: 'the-exercise',
    run(r) {
      const p = parity(r, ['/users'], 'the user list');
      return { ...p, message: p.pass ? 'The list is identical.' : `The new list differs from the monolith's: ${p.diffs[0]}. A client built against the old API would break.` };
    },
  },
  {
    id: 'user-parity',
    title: 'GET /users/{id} answers like the monolith for existing users',
    hint: 'The id is a path parameter of the route GET /users/{id}.',
    section: 'the-exercise',
    run(r) {
      const p = parity(r, ['/users/1', '/users/2', '/users/3'], 'existing users');
      return { ...p, message: p.pass ? 'Every user is answered identically.' : `${p.diffs.length} of 3 user lookups differ from the monolith: ${p.diffs[0]}.` };
    },
  },
  {
    id: 'not-found-parity',
    title: 'An unknown user gets the same 404 as from the monolith',
    hint: 'Errors are part of the contract too: the status code as well as the body.',
    section: 'the-exercise',
    run(r) {
      const p = parity(r, ['/users/42', '/users/nobody'], 'unknown users');
      return {
        ...p,
        message: p.pass
          ? 'Unknown users get the same 404.'
          : `The answer for an unknown user differs from the monolith: ${p.diffs[0]}.${/status/.test(p.diffs[0]) ? ' Clients check the status code to tell "not found" from "found".' : ''}`,
      };
    },
  },
];
