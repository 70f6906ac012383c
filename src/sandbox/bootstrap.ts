/**
 * The sandbox runtime: code that runs INSIDE each isolate, before and around the learner's module.
 *
 * `bootstrap` is never called in the host: its source text (`BOOTSTRAP_SOURCE`) is compiled into
 * every isolate. It must therefore be self-contained: no imports, no references to anything outside
 * its own body except the JavaScript built-ins every V8 context has. (It is written in TypeScript
 * so that it is type-checked; esbuild, even minified, keeps such a function self-contained.)
 *
 * What it does, in the order the host drives it:
 * 1. `bootstrap(hostCall, configJson)` captures the built-ins it relies on (so learner code that
 *    later replaces `JSON.stringify` or `Promise.prototype.then` cannot change how results are
 *    encoded), installs the globals a handler may use (`require('serverless-lab')`, `console`,
 *    `setTimeout` & co. on the virtual clock (`timers.ts`), and the virtual `Date`, `performance`,
 *    `Math.random` and `crypto` of `virtualTime.ts`), and returns `dispatch`, the only entry point
 *    the host holds. `hostCall` is an `ivm.Callback`: the one way out of the isolate, kept in this closure.
 *    Every `dispatch` call carries the environment's virtual instant (epoch ms): the handler's clock
 *    is set to it at each entry, and `work(ms)` moves it on locally until the next one.
 * 2. The host compiles the learner's bundle, which only defines `globalThis.__labInit`; then
 *    `dispatch('init')` calls it (running the module's top level: the init phase) and picks the
 *    handler export out of the module's exports.
 * 3. Per invocation, `dispatch('invoke', eventJson, contextJson)` calls the handler. Every service
 *    call it makes (`send`, `tableGet`, …) goes out through `hostCall`, which answers at once with the
 *    call's id (the platform completes it later, in virtual time), and returns a promise kept here
 *    under that id. A handler that returns a plain value or throws is encoded at once (the return
 *    value of `dispatch`); a promise gets `then` callbacks that encode its outcome and report it with
 *    `hostCall('done', encoded)`. The host's `applySync` returns only after the isolate's microtask
 *    queue is drained (still inside the timeout), so by then the handler has either finished or is
 *    waiting on calls in flight.
 * 4. `dispatch('resume', callId, replyJson)` settles the promise of one call with the service's
 *    answer; the code awaiting it runs on, up to its next await or its end (reported as above).
 *    Before an outcome is reported, the calls still pending are reported with the stack of the line
 *    that made each (`hostCall('pending', …)`): the environment freezes with them.
 *    `dispatch('resume', timerId)` with the id of a timer the code armed (`hostCall('setTimer')`)
 *    runs that timer's callback; one that throws ends the runtime as an uncaught exception (`hostCall('exit')`).
 *
 * Everything returned to the host is a JSON string built in here, inside the timed call: a getter
 * that loops while the result or error is being read is stopped by the timeout, never blocking
 * the host while isolated-vm copies a value out.
 */

import { memoryGuard } from './memoryGuard';
import { RUNTIME_GLOBALS_SOURCE, type InstallRuntime } from './runtimeGlobals';
import { sandboxTimers } from './timers';
import { virtualFs } from './virtualFs';
import { virtualGlobals } from './virtualTime';

/** Host → isolate calls. */
export type DispatchOp = 'init' | 'invoke' | 'resume' | 'serve' | 'ticks';

/**
 * What `dispatch` returns: one string whose first character says what it carries (so a 1 MB
 * result is not escaped a second time inside another JSON document):
 * - `R<json>`: success, the result as JSON text; `U`: success with an `undefined` result;
 * - `E<json>`: failure, `{name, message, stack?}` as JSON;
 * - `` (empty): the handler is waiting on calls (its outcome will come through `hostCall('done', …)`).
 */
export type Encoded = string;

export interface BootstrapConfig {
  exportName: string;
  maxResponseBytes: number;
  maxArgumentBytes: number;
  maxErrorChars: number;
  /** The environment's memory cap, bytes (memoryGuard.ts). */
  memoryLimitBytes: number;
  /** Log lines / characters of JSON one invocation passes to the host; past them one "output truncated" line, then nothing. */
  maxLogLines: number;
  maxLogChars: number;
  /** A line longer than `maxArgumentBytes` is cut to this many characters. */
  maxLogLineChars: number;
  /** The environment's random seed (uint32). */
  seed: number;
  /** Its virtual instant when it was created, epoch ms (`performance.now()` counts from here). */
  originMs: number;
  /** `process.env` when the environment starts (the function's variables and Lambda's: environmentVariables.ts). */
  env: Record<string, string>;
}

/** The entry point the host holds: `now` is the environment's virtual instant, epoch ms. */
export type Dispatch = (op: DispatchOp, now: number, a?: string, b?: string) => string;

export function bootstrap(hostCall: (op: string, argsJson: string) => string, configJson: string, installTime: typeof virtualGlobals, makeFs: typeof virtualFs, guardMemory: typeof memoryGuard, installRuntime: InstallRuntime, installTimers: typeof sandboxTimers): Dispatch {
  'use strict';
  const g: any = globalThis;
  // Built-ins captured before any learner code runs.
  const stringify = JSON.stringify;
  const parse = JSON.parse;
  const apply = Reflect.apply;
  const hasOwn = Object.hasOwn;
  const freeze = Object.freeze;
  const defineProperty = Object.defineProperty;
  const ErrorCtor = Error;
  const StringCtor = String;
  const PromiseCtor = Promise;
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  const create = Object.create;
  const config: BootstrapConfig = parse(configJson);

  // The handler's clock: the instant of the latest entry from the host, plus work declared since.
  let entryMs = config.originMs;
  let workSinceEntry = 0;
  installTime(g, { now: () => entryMs + workSinceEntry, originMs: config.originMs, seed: config.seed }, 'install');
  // Every allocation outside isolated-vm's accounting is charged or unavailable (memoryGuard.ts).
  guardMemory(g, { limitBytes: config.memoryLimitBytes, outOfMemory: (what: string) => void hostCall('oom', stringify([what])) });
  // Buffer, TextDecoder, URL, structuredClone… and the buffer and crypto modules, as in Lambda's Node runtime (runtimeGlobals.ts).
  // `process` (processGlobal.ts): ending the environment goes to the host, which stops the container.
  let exited = false;
  const processOptions = {
    env: config.env ?? {},
    now: () => entryMs + workSinceEntry,
    originMs: config.originMs,
    memoryLimitBytes: config.memoryLimitBytes,
    exit: (how: string, detail: unknown) => {
      exited = true;
      hostCall('exit', stringify([how, how === 'uncaught' ? errorInfo(detail) : detail]));
    },
    ticksQueued: () => void hostCall('tick', '[]'),
    log: (line: string) => log(line),
  };
  const runtime = installRuntime(g, { limitBytes: config.memoryLimitBytes, outOfMemory: (what: string) => void hostCall('oom', stringify([what])), process: processOptions });

  const text = (value: unknown, max: number): string => {
    let s: string;
    try {
      s = typeof value === 'string' ? value : StringCtor(value);
    } catch {
      s = '[unprintable value]';
    }
    return s.length > max ? s.slice(0, max) + '… (truncated)' : s;
  };

  /** Turn anything thrown into `{name, message, stack?}` (getters run here, inside the timeout). */
  const errorInfo = (thrown: unknown): { name: string; message: string; stack?: string } => {
    const max = config.maxErrorChars;
    if (thrown instanceof ErrorCtor || (thrown !== null && typeof thrown === 'object' && typeof (thrown as any).message === 'string')) {
      let name = 'Error';
      let message = '';
      let stack: unknown;
      try {
        name = text((thrown as any).name, 200) || 'Error';
      } catch {
        // keep the default
      }
      try {
        message = text((thrown as any).message, max);
      } catch {
        // keep the default
      }
      try {
        stack = (thrown as any).stack;
      } catch {
        // keep the default
      }
      return typeof stack === 'string' ? { name, message, stack: text(stack, max) } : { name, message };
    }
    if (typeof thrown === 'string') return { name: 'Error', message: text(thrown, max) };
    let message: string;
    try {
      message = typeof thrown === 'object' && thrown !== null ? (stringify(thrown) ?? text(thrown, max)) : text(thrown, max);
    } catch {
      message = text(thrown, max);
    }
    return { name: 'Error', message: text(message, max) };
  };

  const fail = (thrown: unknown): string => 'E' + stringify(errorInfo(thrown));
  const failWith = (name: string, message: string): string => 'E' + stringify({ name, message });

  /**
   * The result as JSON, encoded by JSON.stringify itself (toJSON, getters and Proxy traps run once,
   * as on Lambda) with a replacer that only counts: `least` is a lower bound of the characters
   * written so far, and once it passes maxResponseBytes the encoding stops there. A result like
   * `new Array(1e8)` or a 100 MB string nested in an object is refused after about a megabyte of
   * output, instead of being encoded whole (500 MB of "null," for the array) and then refused.
   */
  const isArray = Array.isArray;
  const STOP = freeze({});
  let least = 0;
  const counting = function (this: unknown, key: string, value: unknown): unknown {
    switch (typeof value) {
      case 'string':
        least += value.length + 2;
        break;
      case 'undefined':
      case 'function':
      case 'symbol':
        // Left out of an object (its key too), `null` in an array.
        if (!isArray(this)) return value;
        least += 4;
        break;
      default:
        least += 1;
    }
    // An element's comma, or a property's quoted key and colon (the root's holder key '' counts -3 below).
    least += isArray(this) ? 1 : key.length + 3;
    if (least > config.maxResponseBytes) throw STOP;
    return value;
  };
  const succeed = (value: unknown): string => {
    if (typeof value === 'string' && value.length > config.maxResponseBytes) return tooLarge(value.length);
    let json: string | undefined;
    least = -3;
    try {
      json = stringify(value, counting);
    } catch (err) {
      if (err === STOP) return tooLarge(least, true);
      return failWith('Runtime.ResultNotSerializable', `the handler's result cannot be turned into JSON: ${errorInfo(err).message}`);
    }
    if (json === undefined) return 'U';
    if (typeof json !== 'string') return failWith('Runtime.ResultNotSerializable', "the handler's result cannot be turned into JSON");
    if (json.length > config.maxResponseBytes) return tooLarge(json.length);
    return 'R' + json;
  };

  const tooLarge = (size: number, stopped = false): string =>
    failWith('Runtime.ResponseTooLarge', `the handler's result is ${stopped ? 'at least ' : ''}${size} characters as JSON, more than the limit of ${config.maxResponseBytes}${stopped ? ' (the sandbox stopped encoding it there)' : ''}`);

  /** A service error as the handler catches it: `name` the SDK's exception name, `code` the service's. */
  const serviceError = (e: any): Error => {
    const error = new ErrorCtor(text(e.message, config.maxErrorChars));
    defineProperty(error, 'name', { value: text(e.name, 200), writable: true, configurable: true, enumerable: false });
    if (typeof e.code === 'string') defineProperty(error, 'code', { value: text(e.code, 100), writable: true, configurable: true, enumerable: true });
    return error;
  };

  // ---- the handler API: every call leaves the isolate as one JSON string through `hostCall` ----
  const call = (op: string, args: unknown[]): any => {
    let json: string | undefined;
    try {
      json = stringify(args);
    } catch (err) {
      throw new ErrorCtor(`${op}(): arguments cannot be turned into JSON: ${errorInfo(err).message}`);
    }
    if (json === undefined) json = '[]';
    if (json.length > config.maxArgumentBytes) {
      throw new ErrorCtor(`${op}(): arguments are ${json.length} bytes as JSON, more than the limit of ${config.maxArgumentBytes} bytes`);
    }
    const reply = parse(hostCall(op, json));
    if (hasOwn(reply, 'e')) throw serviceError(reply.e);
    if (hasOwn(reply, 'c')) return awaitCall(reply.c);
    return hasOwn(reply, 'v') ? reply.v : undefined;
  };

  /**
   * Calls in flight, by id: how to settle each one's promise, and an Error made where the call was
   * made (its stack is read only if the handler returns without awaiting the call).
   */
  const waiting: Record<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void; site: Error }> = create(null);
  const awaitCall = (id: number): Promise<unknown> => {
    // A few frames are enough to reach the learner's line (awaitCall, call, the API function, the caller).
    const limit = (ErrorCtor as any).stackTraceLimit;
    (ErrorCtor as any).stackTraceLimit = 6;
    const site = new ErrorCtor('call made here');
    (ErrorCtor as any).stackTraceLimit = limit;
    return new PromiseCtor((resolve, reject) => {
      waiting[id] = { resolve, reject, site };
    });
  };
  /** Tell the host which calls are still in flight as the handler finishes, and where each was made. */
  const reportPending = (): void => {
    const list: Array<[number, string]> = [];
    for (const id in waiting) {
      let stack = '';
      try {
        const s = waiting[id].site.stack;
        stack = typeof s === 'string' ? text(s, 4000) : '';
      } catch {
        // keep it empty
      }
      list[list.length] = [+id, stack];
    }
    if (list.length) hostCall('pending', stringify(list));
  };
  /** Settle call `id` with the service's answer; the code awaiting it goes on (in the microtasks after this entry). */
  const resume = (id: string, replyJson: string): string => {
    const w = waiting[id];
    if (w === undefined) {
      // A timer's callback is a macrotask: as in Node, the ticks it queued run before its promise callbacks.
      if (timers.fire(+id) && !exited) runtime.runTicks();
      return '';
    }
    delete waiting[id];
    const reply = parse(replyJson);
    if (reply.ok) w.resolve(reply.value);
    else w.reject(serviceError(reply.error ?? {}));
    return '';
  };

  /** Log arguments as JSON values; what JSON cannot carry becomes a descriptive string. */
  const logValue = (value: unknown): unknown => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return value;
      case 'number':
        return value === value && value !== Infinity && value !== -Infinity ? value : StringCtor(value);
      case 'undefined':
        return 'undefined';
      case 'bigint':
        return `${StringCtor(value)}n`;
      case 'symbol':
        return text(value, 200);
      case 'function':
        return `[Function ${text((value as any).name, 200) || '(anonymous)'}]`;
      default:
        if (value === null) return null;
        if (value instanceof ErrorCtor) {
          const info = errorInfo(value);
          return info.stack ?? `${info.name}: ${info.message}`;
        }
        try {
          const json = stringify(value);
          return json === undefined ? text(value, 1000) : parse(json);
        } catch {
          return text(value, 1000);
        }
    }
  };
  /** What this invocation (or the init phase) logged so far: past the bounds, lines never leave the container. */
  let logLines = 0;
  let logChars = 0;
  let logStopped = false;
  const log = (...args: unknown[]): void => {
    if (logStopped) return;
    const values: unknown[] = [];
    for (let i = 0; i < args.length; i++) values[i] = logValue(args[i]);
    let json: string | undefined;
    try {
      json = stringify(values);
    } catch {
      json = undefined;
    }
    let size = typeof json === 'string' ? json.length : 0;
    if (size > config.maxArgumentBytes) {
      // One line longer than a lab call may carry: its start, and how long it was (the engine cuts lines shorter still).
      const whole = values.length === 1 && typeof values[0] === 'string' ? (values[0] as string) : StringCtor(json);
      const line = whole.slice(0, config.maxLogLineChars) + `… (a log line of ${size} characters, cut by the sandbox)`;
      values.length = 0;
      values[0] = line;
      size = line.length + 2;
    }
    if (logLines + 1 > config.maxLogLines || logChars + size > config.maxLogChars) {
      logStopped = true;
      const mb = Math.round((logChars / 1048576) * 10) / 10;
      call('log', [`output truncated after ${logLines} lines (${mb} MB) of logs in this invocation: the sandbox passes no more of its log lines`]);
      return;
    }
    logLines++;
    logChars += size;
    call('log', values);
  };

  const api = freeze({
    send: (queue: unknown, body: unknown, options?: unknown) => call('send', [queue, body, options]),
    tableUpdate: (table: unknown, key: unknown, changes: unknown, options?: unknown) => call('tableUpdate', [table, key, changes, options]),
    tableDelete: (table: unknown, key: unknown, options?: unknown) => call('tableDelete', [table, key, options]),
    publish: (topic: unknown, body: unknown, options?: unknown) => call('publish', [topic, body, options]),
    produce: (stream: unknown, value: unknown, options?: unknown) => call('produce', [stream, value, options]),
    putEvents: (bus: unknown, entries: unknown) => call('putEvents', [bus, entries]),
    putObject: (bucket: unknown, key: unknown, body: unknown) => call('putObject', [bucket, key, body]),
    getObject: (bucket: unknown, key: unknown) => call('getObject', [bucket, key]),
    tablePut: (table: unknown, item: unknown, options?: unknown) => call('tablePut', [table, item, options]),
    tableGet: (table: unknown, key: unknown) => call('tableGet', [table, key]),
    work: (ms: unknown) => {
      call('work', [ms]);
      if (typeof ms === 'number') workSinceEntry += ms;
    },
    log,
  });

  const unavailable = (name: string, why: string) =>
    function () {
      throw new ErrorCtor(`${name} is not available in a handler: ${why}`);
    };
  // Timers wait on the virtual clock (timers.ts): the host arms them and enters with their id when due.
  const timers = installTimers(g, {
    arm: (ms: number) => call('setTimer', [ms]) as number,
    disarm: (id: number) => void call('clearTimer', [id]),
    warn: (line: string) => log(line),
    uncaught: (thrown: unknown) => {
      // Node's uncaught exception, as Lambda's runtime handles it: logged, the invocation fails with it, the runtime exits.
      const info = errorInfo(thrown);
      log('Uncaught Exception', { errorType: info.name, errorMessage: info.message });
      exited = true;
      hostCall('exit', stringify(['uncaught', info, 'timer']));
    },
  });
  g.queueMicrotask = (fn: () => void) => {
    if (typeof fn !== 'function') {
      const error = new TypeError(`The "callback" argument must be of type function. Received ${fn === null || fn === undefined ? fn : `type ${typeof fn} (${text(fn, 40)})`}`);
      defineProperty(error, 'code', { value: 'ERR_INVALID_ARG_TYPE', writable: true, configurable: true, enumerable: false });
      throw error;
    }
    apply(promiseThen, apply(promiseResolve, PromiseCtor, []), [fn]);
  };
  /** `/tmp` of this environment (`virtualFs.ts`), made on the first import of `fs`. */
  let files: ReturnType<typeof virtualFs> | undefined;
  g.require = (name: unknown) => {
    if (name === 'serverless-lab') return api;
    const node = typeof name === 'string' ? (runtime.load(name) ?? timers.module(name)) : undefined;
    if (node) return node;
    if (name === 'fs' || name === 'node:fs') return (files ??= makeFs(() => entryMs + workSinceEntry)).fs;
    if (name === 'fs/promises' || name === 'node:fs/promises') return (files ??= makeFs(() => entryMs + workSinceEntry)).promises;
    throw new ErrorCtor(`cannot load '${text(name, 200)}' in a handler: only 'serverless-lab', 'fs' (for /tmp), 'buffer', 'crypto', 'process' and 'timers' can be imported (a handler has no other Node built-ins and no packages)`);
  };
  g.console = freeze({ log, info: log, warn: log, error: log, debug: log, trace: log });

  // ---- host → isolate ----
  let handler: ((event: unknown, context: unknown) => unknown) | undefined;
  let invocation = 0;
  /** The handler finished: report the calls left in flight, then hand back the outcome. */
  const finish = (encoded: string): string => {
    reportPending();
    return encoded;
  };

  const init = (): string => {
    let exported: unknown;
    try {
      // The bundle defined `__labInit`: calling it runs the module's top level (the init phase).
      const runTopLevel = g.__labInit;
      g.__labInit = undefined;
      const mod = runTopLevel();
      exported = mod == null ? undefined : mod[config.exportName];
    } catch (err) {
      return fail(err);
    }
    if (typeof exported !== 'function') {
      return failWith(
        'Runtime.HandlerNotFound',
        `the module does not export a function named '${config.exportName}' (export it: export const ${config.exportName} = async (event, context) => { … })`,
      );
    }
    handler = exported as (event: unknown, context: unknown) => unknown;
    return 'U';
  };

  /** Lambda's context object (the fields of @types/aws-lambda's Context), plus the lab's coldStart and environmentId. */
  const contextOf = (data: any): Record<string, unknown> => {
    const name = text(data.functionName, 200);
    const callbacks = unavailable('context.done / succeed / fail', 'the Node.js 24 runtime has no callback handlers: return a value (or a promise) or throw');
    const context = {
      awsRequestId: data.awsRequestId,
      functionName: name,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${name}`,
      memoryLimitInMB: StringCtor(data.memoryLimitInMB),
      logGroupName: `/aws/lambda/${name}`,
      logStreamName: `2026/01/01/[$LATEST]${text(data.environmentId, 200)}`,
      callbackWaitsForEmptyEventLoop: true,
      coldStart: data.coldStart,
      environmentId: data.environmentId,
      getRemainingTimeInMillis: (): number => call('remaining', [data.awsRequestId]),
      done: callbacks,
      fail: callbacks,
      succeed: callbacks,
    };
    return context;
  };

  const invoke = (eventJson: string, contextJson: string): string => {
    const id = ++invocation;
    logLines = 0;
    logChars = 0;
    logStopped = false;
    const event = parse(eventJson);
    const context = contextOf(parse(contextJson));
    let result: unknown;
    let thenable = false;
    try {
      result = apply(handler as (...args: unknown[]) => unknown, undefined, [event, context]);
      thenable = result !== null && (typeof result === 'object' || typeof result === 'function') && typeof (result as any).then === 'function';
    } catch (err) {
      return finish(fail(err));
    }
    if (!thenable) return finish(succeed(result));
    const promise = apply(promiseResolve, PromiseCtor, [result]);
    apply(promiseThen, promise, [
      (value: unknown) => {
        if (id === invocation) hostCall('done', finish(succeed(value)));
      },
      (err: unknown) => {
        if (id === invocation) hostCall('done', finish(fail(err)));
      },
    ]);
    return '';
  };

  /**
   * One more request in an environment serving several at once (instanceConcurrency.ts): the
   * handler runs beside the others, on the same module state. Every outcome, even an immediate one,
   * is reported through `hostCall('finished', <request id as JSON> \\n <encoded>)`.
   */
  const serve = (eventJson: string, contextJson: string): string => {
    // Requests overlap here: the log bounds count from the latest one's start.
    logLines = 0;
    logChars = 0;
    logStopped = false;
    const data = parse(contextJson);
    const requestId = stringify(text(data.awsRequestId, 200));
    const report = (encoded: string): void => {
      hostCall('finished', requestId + '\n' + finish(encoded));
    };
    let result: unknown;
    let thenable = false;
    try {
      result = apply(handler as (...args: unknown[]) => unknown, undefined, [parse(eventJson), contextOf(data)]);
      thenable = result !== null && (typeof result === 'object' || typeof result === 'function') && typeof (result as any).then === 'function';
    } catch (err) {
      report(fail(err));
      return '';
    }
    if (!thenable) {
      report(succeed(result));
      return '';
    }
    apply(promiseThen, apply(promiseResolve, PromiseCtor, [result]), [(value: unknown) => report(succeed(value)), (err: unknown) => report(fail(err))]);
    return '';
  };

  /** The only way in from the host. Never throws: everything comes back encoded. */
  const dispatch = (op: DispatchOp, now: number, a?: string, b?: string): string => {
    if (typeof now === 'number' && now === now) {
      entryMs = now;
      workSinceEntry = 0;
    }
    try {
      if (op === 'resume') return resume(a as string, b as string);
      if (op === 'invoke') return invoke(a as string, b as string);
      if (op === 'serve') return serve(a as string, b as string);
      if (op === 'init') return init();
      // The entry's code and promise callbacks have run: now its process.nextTick callbacks (processGlobal.ts).
      if (op === 'ticks') return runtime.runTicks(), '';
      return failWith('Error', `unknown sandbox operation ${text(op, 50)}`);
    } catch (err) {
      return fail(err);
    }
  };
  return dispatch;
}

/**
 * The bootstrap's source, as a script whose completion value is `(hostCall, configJson) => dispatch`:
 * `bootstrap` with `virtualGlobals` (both self-contained) bound as its third argument.
 */
// The functions every cold start runs are in parentheses: V8 then compiles them eagerly, so they are in
// the code cache isolateExecutor.ts makes when it first compiles this script (it is made before the
// script runs, and holds only what was compiled by then). Lazily compiled, they cost every cold start
// ~1.4 ms (bootstrap's install step 2.85 -> 1.43 ms, the trivial handler's cold start 6.0 -> 4.4 ms).
// virtualFs and the runtime globals are built on first use, and stay lazy.
export const BOOTSTRAP_SOURCE = `((bootstrap, virtualGlobals, virtualFs, memoryGuard, runtimeGlobals, sandboxTimers) => (hostCall, configJson) => bootstrap(hostCall, configJson, virtualGlobals, virtualFs, memoryGuard, runtimeGlobals, sandboxTimers))((${bootstrap.toString()}), (${virtualGlobals.toString()}), ${virtualFs.toString()}, (${memoryGuard.toString()}), ${RUNTIME_GLOBALS_SOURCE}, (${sandboxTimers.toString()}))`;
