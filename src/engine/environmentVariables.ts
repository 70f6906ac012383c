/**
 * A function's environment variables, as Lambda has them: what a scenario may set
 * (`functions[].environment`), and the whole `process.env` a handler sees — the function's own
 * variables plus the ones the Lambda runtime defines, with the lab's values.
 *
 * Lambda's rules for the variables a function sets (CreateFunction / UpdateFunctionConfiguration
 * refuse anything else): keys start with a letter and hold only letters, digits and underscores;
 * values are strings; the keys the runtime defines itself are reserved; and the whole set, measured
 * as its JSON text, is at most 4 KB.
 *
 * Pure: no engine state, no host values. The sandbox gets the map built here at each cold start
 * and never reads the machine's environment.
 */
import { ValidationError } from './errors';

/** Keys the Lambda runtime sets and a function's configuration may not (Lambda's "reserved environment variables"). */
export const RESERVED_ENVIRONMENT_KEYS: readonly string[] = [
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
  'TZ',
];

/** Lambda's limit on a function's own variables: their JSON text, in bytes. */
export const ENVIRONMENT_MAX_BYTES = 4096;

/** Lambda's key rule. */
export const ENVIRONMENT_KEY_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]*$/;

/** The lab's region (the one its ARNs name). */
export const LAB_REGION = 'us-east-1';

const RESERVED = new Set(RESERVED_ENVIRONMENT_KEYS);

export interface EnvironmentProblem {
  /** Path of the bad field below `base`, e.g. `functions[0].environment.TABLE`. */
  path: string;
  message: string;
}

/** Every problem with a function's `environment` (empty when Lambda would accept it). */
export function environmentProblems(value: unknown, base: string): EnvironmentProblem[] {
  const out: EnvironmentProblem[] = [];
  if (value === undefined) return out;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    out.push({ path: base, message: `must be an object of names to string values ({ "TABLE_NAME": "orders" }), got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` });
    return out;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const path = `${base}.${key}`;
    if (!ENVIRONMENT_KEY_PATTERN.test(key)) {
      out.push({ path, message: `"${key}" is not a valid environment variable name: Lambda takes names that start with a letter and hold only letters, digits and underscores` });
    } else if (RESERVED.has(key)) {
      out.push({ path, message: `${key} is reserved: the Lambda runtime sets it itself, and Lambda refuses a function that sets it (reserved: ${RESERVED_ENVIRONMENT_KEYS.join(', ')})` });
    }
    if (typeof v !== 'string') out.push({ path, message: `must be a string (environment variables are strings: write ${JSON.stringify(String(v))}), got ${v === null ? 'null' : typeof v}` });
  }
  const bytes = utf8Length(JSON.stringify(value));
  if (bytes > ENVIRONMENT_MAX_BYTES) {
    out.push({ path: base, message: `is ${bytes} bytes as JSON, more than Lambda's limit of 4 KB (${ENVIRONMENT_MAX_BYTES} bytes) for a function's environment variables` });
  }
  return out;
}

/** Throws the first problem as a `ValidationError` (the platform's check; scenarios report them all). */
export function validateEnvironment(value: unknown, base = 'environment'): Record<string, string> | undefined {
  const problems = environmentProblems(value, base);
  if (problems.length) throw new ValidationError(problems[0].path, problems[0].message);
  return value === undefined ? undefined : { ...(value as Record<string, string>) };
}

export interface RuntimeEnvironmentInput {
  name: string;
  /** The lab's handler setting (`handlers/worker.ts#handler`, `worker.handler`, `worker.ts`). */
  handler: string;
  memoryMb: number;
  /** The function's own variables (already validated). */
  environment?: Readonly<Record<string, string>>;
  /** Whether the environment was started ahead of traffic (provisioned concurrency). */
  provisioned?: boolean;
}

/**
 * The `process.env` of one execution environment: the unreserved defaults of Lambda's Node.js
 * runtime, the function's own variables over them, then the reserved ones the runtime defines
 * (no credentials: the lab's calls need none). `environmentId` names the log stream, as the
 * context's `logStreamName` does.
 */
export function runtimeEnvironment(fn: RuntimeEnvironmentInput, environmentId: string): Record<string, string> {
  const env: Record<string, string> = {
    LANG: 'en_US.UTF-8',
    PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    LD_LIBRARY_PATH: '/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib',
    NODE_PATH: '/opt/nodejs/node24/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task',
  };
  for (const [k, v] of Object.entries(fn.environment ?? {})) {
    if (ENVIRONMENT_KEY_PATTERN.test(k) && !RESERVED.has(k) && typeof v === 'string') env[k] = v;
  }
  Object.assign(env, {
    _HANDLER: lambdaHandler(fn.handler),
    AWS_REGION: LAB_REGION,
    AWS_DEFAULT_REGION: LAB_REGION,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: fn.provisioned ? 'provisioned-concurrency' : 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `2026/01/01/[$LATEST]${environmentId}`,
    AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9001',
    LAMBDA_TASK_ROOT: '/var/task',
    LAMBDA_RUNTIME_DIR: '/var/runtime',
    TZ: ':UTC',
  });
  return env;
}

/** Lambda's `file.export` form of a lab handler setting: `handlers/worker.ts#main` → `handlers/worker.main`. */
export function lambdaHandler(handler: string): string {
  const hash = handler.lastIndexOf('#');
  const file = hash >= 0 ? handler.slice(0, hash) : handler;
  const exportName = hash >= 0 ? handler.slice(hash + 1) || 'handler' : undefined;
  const stem = file.replace(/^\.\//, '').replace(/\.(ts|mts|cts|js|mjs|cjs)$/, '');
  if (exportName !== undefined) return `${stem}.${exportName}`;
  // No '#': `worker.ts` (export `handler`), or already Lambda style `worker.handler`.
  return stem === file.replace(/^\.\//, '') && /\.[A-Za-z_$][\w$]*$/.test(stem) ? stem : `${stem}.handler`;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
