/**
 * The `process` a handler sees (the global, `require('process')`, `import process from
 * 'node:process'`): a small, safe model of the one Lambda's Node.js 24 runtime gives it.
 *
 * - `process.env`: the function's environment variables plus the ones the Lambda runtime defines,
 *   with the lab's values (built by the host from the scenario: `src/engine/environmentVariables.ts`,
 *   never from the machine's environment). A handler may set and delete variables; as on Lambda they
 *   last as long as the execution environment. Values are coerced to strings, as Node does.
 * - `version`/`versions`/`release`/`platform`/`arch`/`pid`/`argv`/`execPath`/`cwd()`: Lambda's
 *   (Node 24 on linux x64 in `/var/task`), constants of this file.
 * - `nextTick`: as in Node, the tick queue runs once the microtask queue is empty — the host asks
 *   for it (`runTicks`) after every entry into the environment, once the entry's code and promise
 *   callbacks have run (`options.ticksQueued` tells it there are some) — and a tick queued by a tick
 *   runs before the next promise callback. Lambda's runtime calls the handler from a promise
 *   continuation, so this is also the order on Lambda. A timer's callback is a macrotask: the
 *   bootstrap runs the ticks it queued right after it, before its promise callbacks, as Node does.
 *   A tick that throws is an uncaught exception.
 * - `hrtime`, `hrtime.bigint`, `uptime`: the environment's virtual clock (`performance.now()`'s), so
 *   a run is the same, byte for byte, for a seed; `memoryUsage()`: plausible figures within the
 *   function's memory, the same every time.
 * - `exit`, `kill` (of its own pid), `abort`, and an uncaught exception end the execution
 *   environment (`options.exit`: the host stops the container, the invocation fails with
 *   `Runtime.ExitError` as on Lambda, and the next one is a cold start). The host runtime is never
 *   touched.
 * - `on`/`once`/`off`/`emit`…: an event emitter of its own; `uncaughtException` listeners hear an
 *   exception thrown from a tick before the environment ends (Lambda's runtime then exits).
 * - No `binding`, `dlopen`, `mainModule`, `reallyExit`, `_linkedBinding`, `chdir`, `setuid`…: nothing
 *   of the host is reachable from this object.
 *
 * Self-contained (no imports; only the built-ins of the container it runs in), like virtualTime.ts.
 */

export interface ProcessOptions {
  /** `process.env` at the start of the environment. */
  env: Record<string, string>;
  /** The environment's virtual instant, epoch ms. */
  now: () => number;
  /** Its virtual instant when it was created (uptime and hrtime count from here). */
  originMs: number;
  /** The environment's memory, bytes. */
  memoryLimitBytes: number;
  /** End the environment: `how` is 'exit' (detail: the code), 'signal' (the signal's name) or 'uncaught' (the error). */
  exit: (how: 'exit' | 'signal' | 'uncaught', detail: unknown) => void;
  /** A line on the function's log (stdout/stderr writes, warnings). */
  log: (line: string) => void;
  /** The tick queue was empty and now holds a callback: the host runs `runTicks` after this entry. */
  ticksQueued: () => void;
}

export interface ProcessParts {
  process: object;
  /** Run every tick queued (and the ticks they queue); their promise callbacks run after. */
  runTicks: () => void;
}

export function processModule(g: any, options: ProcessOptions): ProcessParts {
  'use strict';
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const create = Object.create;
  const hasOwn = Object.hasOwn;
  const StringCtor = String;
  const NumberCtor = Number;
  const BigIntCtor = BigInt;
  const floor = Math.floor;
  const min = Math.min;
  const keys = Object.keys;
  const isArray = Array.isArray;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const ErrorCtor = Error;
  const ProxyCtor = Proxy;
  const now = options.now;
  const originMs = options.originMs;
  const PID = 8;

  const coded = (error: Error, code: string): Error => {
    defineProperty(error, 'code', { value: code, writable: true, configurable: true, enumerable: true });
    return error;
  };
  /** How Node's argument errors show a value: `type string ('x')`, `type number (5)`, `an instance of Object`. */
  const describe = (value: unknown): string =>
    value === null || value === undefined
      ? StringCtor(value)
      : typeof value === 'function'
        ? `function ${(value as { name?: string }).name || '(anonymous)'}`
        : typeof value === 'object'
          ? 'an instance of Object'
          : typeof value === 'string'
            ? `type string ('${value.length > 25 ? value.slice(0, 25) + '...' : value}')`
            : `type ${typeof value} (${typeof value === 'symbol' ? 'Symbol()' : StringCtor(value)})`;
  /** `expected`: 'of type function', 'an instance of Array'… */
  const argType = (name: string, expected: string, value: unknown): Error =>
    coded(new TypeErrorCtor(`The "${name}" argument must be ${expected}. Received ${describe(value)}`), 'ERR_INVALID_ARG_TYPE');

  // ---- env: a plain object behind a proxy that stores strings only, as Node's process.env ----
  const target: Record<string, string> = {};
  for (const key in options.env) if (hasOwn(options.env, key)) target[key] = StringCtor(options.env[key]);
  const env = new ProxyCtor(target, {
    set(t, key, value) {
      if (typeof key === 'symbol') return false;
      t[key] = StringCtor(value);
      return true;
    },
    defineProperty(t, key, descriptor) {
      if (typeof key === 'symbol') return false;
      if (hasOwn(descriptor, 'get') || hasOwn(descriptor, 'set')) throw coded(new TypeErrorCtor(`'process.env' does not accept an accessor(getter/setter) descriptor`), 'ERR_INVALID_OBJECT_DEFINE_PROPERTY');
      if (descriptor.configurable !== true || descriptor.writable !== true || descriptor.enumerable !== true) {
        throw coded(new TypeErrorCtor("'process.env' only accepts a configurable, writable, and enumerable data descriptor"), 'ERR_INVALID_OBJECT_DEFINE_PROPERTY');
      }
      t[key] = StringCtor(descriptor.value);
      return true;
    },
  });

  // ---- the virtual clock ----
  /** Virtual nanoseconds since the environment started, as a pair of safe integers [s, ns]. */
  const elapsed = (): [number, number] => {
    const ms = now() - originMs;
    const total = ms > 0 ? ms : 0;
    const s = floor(total / 1000);
    const ns = floor((total - s * 1000) * 1e6);
    return ns >= 1e9 ? [s + 1, ns - 1e9] : [s, ns];
  };
  // An hrtime origin that is not zero, as on a machine that has been up a while (fixed: the same run gives the same values).
  const HR_BASE_S = 4213;
  const hrtime = function hrtime(previous?: unknown): [number, number] {
    const [s0, ns] = elapsed();
    const s = s0 + HR_BASE_S;
    if (previous === undefined) return [s, ns];
    if (!isArray(previous)) throw argType('time', 'an instance of Array', previous);
    if ((previous as unknown[]).length !== 2) throw coded(new RangeErrorCtor(`The value of "time" is out of range. It must be 2. Received ${(previous as unknown[]).length}`), 'ERR_OUT_OF_RANGE');
    let ds = s - NumberCtor((previous as unknown[])[0]);
    let dns = ns - NumberCtor((previous as unknown[])[1]);
    if (dns < 0) {
      ds -= 1;
      dns += 1e9;
    }
    return [ds, dns];
  };
  defineProperty(hrtime, 'bigint', {
    value: function bigint(): bigint {
      const [s, ns] = elapsed();
      return BigIntCtor(s + HR_BASE_S) * BigIntCtor(1e9) + BigIntCtor(ns);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });

  // ---- nextTick ----
  let ticks: Array<{ fn: (...args: unknown[]) => unknown; args: unknown[] }> = [];
  let ending = false;
  let running = false;
  const runTicks = (): void => {
    running = true;
    try {
      drain();
    } finally {
      running = false;
    }
  };
  const drain = (): void => {
    while (ticks.length && !ending) {
      const batch = ticks;
      ticks = [];
      for (let i = 0; i < batch.length && !ending; i++) {
        try {
          apply(batch[i].fn, undefined, batch[i].args);
        } catch (err) {
          // The rest of the queue is lost with the environment.
          ticks = [];
          uncaught(err);
        }
      }
    }
  };
  const nextTick = function nextTick(callback: unknown, ...args: unknown[]): void {
    if (typeof callback !== 'function') throw argType('callback', 'of type function', callback);
    // The host runs the queue after this entry (a tick queued by a tick runs in the same drain).
    if (ticks.length === 0 && !running) options.ticksQueued();
    ticks[ticks.length] = { fn: callback as (...a: unknown[]) => unknown, args };
  };

  // ---- the end of the environment ----
  const end = (how: 'exit' | 'signal' | 'uncaught', detail: unknown): never => {
    ending = true;
    options.exit(how, detail);
    // The host stops the container; where it cannot stop it at once (a vm context), this unwinds the code.
    throw coded(new ErrorCtor(how === 'exit' ? `process.exit(${StringCtor(detail)}): the execution environment is ending` : `the execution environment is ending (${StringCtor(how === 'signal' ? detail : 'uncaught exception')})`), 'ERR_LAB_PROCESS_ENDING');
  };

  // ---- events ----
  const listeners: Record<string, Array<{ fn: (...args: unknown[]) => unknown; once: boolean }>> = create(null);
  const checkListener = (fn: unknown): void => {
    if (typeof fn !== 'function') throw argType('listener', 'of type function', fn);
  };
  const uncaught = (err: unknown): void => {
    const list = listeners.uncaughtException;
    if (list && list.length) {
      for (const l of list.slice()) {
        try {
          apply(l.fn, proc, [err, 'uncaughtException']);
        } catch {
          // a listener that throws: the runtime exits all the same
        }
      }
    }
    end('uncaught', err);
  };

  const memoryUsage = function memoryUsage(): { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number } {
    const limit = options.memoryLimitBytes;
    // Fractions of a small function's footprint, capped by the environment's memory: plausible and the same every time.
    const rss = floor(min(limit * 0.6, 58 * 1048576));
    return { rss, heapTotal: floor(rss * 0.45), heapUsed: floor(rss * 0.3), external: floor(rss * 0.04), arrayBuffers: floor(rss * 0.0004) };
  };
  defineProperty(memoryUsage, 'rss', { value: () => memoryUsage().rss, writable: true, configurable: true, enumerable: false });

  const signals: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };

  const writer = (fd: number) =>
    freeze({
      fd,
      isTTY: false,
      writable: true,
      write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
        const text = typeof chunk === 'string' ? chunk : chunk instanceof g.Uint8Array ? new g.TextDecoder().decode(chunk) : undefined;
        if (text === undefined) throw argType('chunk', 'of type string or an instance of Buffer or Uint8Array', chunk);
        const line = text.endsWith('\n') ? text.slice(0, -1) : text;
        if (line !== '') options.log(line);
        const cb = typeof encoding === 'function' ? encoding : callback;
        if (typeof cb === 'function') nextTick(cb);
        return true;
      },
    });

  const proc: Record<string, unknown> = {};
  const value = (name: string, v: unknown, enumerable = true): void => {
    defineProperty(proc, name, { value: v, writable: true, configurable: true, enumerable });
  };
  value('version', 'v24.21.0');
  value(
    'versions',
    freeze({ node: '24.21.0', acorn: '8.18.0', ada: '4.0.0', ares: '1.34.8', brotli: '1.2.0', cldr: '48.0', icu: '78.3', llhttp: '9.4.3', modules: '137', napi: '10', nghttp2: '1.70.0', openssl: '3.5.8', simdjson: '4.6.7', simdutf: '6.4.0', tz: '2026c', undici: '7.29.1', unicode: '17.0', uv: '1.52.1', uvwasi: '0.0.23', v8: '13.6.233.17-node.53', zlib: '1.3.2.1-motley-8002e91' }),
  );
  value('release', freeze({ name: 'node', lts: 'Krypton' }));
  value('platform', 'linux');
  value('arch', 'x64');
  value('title', 'node');
  value('pid', PID);
  value('ppid', 1);
  value('execPath', '/var/lang/bin/node');
  value('argv0', '/var/lang/bin/node');
  value('argv', ['/var/lang/bin/node', '/var/runtime/index.mjs']);
  value('execArgv', []);
  value('exitCode', undefined);
  value('features', freeze({ inspector: false, debug: false, uv: true, ipv6: true, tls_alpn: true, tls_sni: true, tls_ocsp: true, tls: true, cached_builtins: true, require_module: true, typescript: false }));
  value('config', freeze({ target_defaults: freeze({}), variables: freeze({}) }));
  value('env', env);
  value('stdout', writer(1));
  value('stderr', writer(2));
  const methods: Record<string, (...args: any[]) => unknown> = {
    cwd: () => '/var/task',
    uptime: () => {
      const [s, ns] = elapsed();
      return s + ns / 1e9;
    },
    hrtime,
    memoryUsage,
    cpuUsage: (previous?: { user: number; system: number }) => {
      // The virtual time the environment has run, all of it user time.
      const [s, ns] = elapsed();
      const user = s * 1e6 + floor(ns / 1000);
      return previous ? { user: user - NumberCtor(previous.user), system: 0 - NumberCtor(previous.system) } : { user, system: 0 };
    },
    resourceUsage: () => ({ userCPUTime: 0, systemCPUTime: 0, maxRSS: floor(memoryUsage().rss / 1024), sharedMemorySize: 0, unsharedDataSize: 0, unsharedStackSize: 0, minorPageFault: 0, majorPageFault: 0, swappedOut: 0, fsRead: 0, fsWrite: 0, ipcSent: 0, ipcReceived: 0, signalsCount: 0, voluntaryContextSwitches: 0, involuntaryContextSwitches: 0 }),
    constrainedMemory: () => options.memoryLimitBytes,
    availableMemory: () => options.memoryLimitBytes - memoryUsage().rss,
    nextTick,
    emitWarning: (warning: unknown, type?: unknown) => {
      const name = typeof type === 'string' ? type : warning instanceof ErrorCtor ? warning.name : 'Warning';
      const message = warning instanceof ErrorCtor ? warning.message : StringCtor(warning);
      options.log(`(node:${PID}) ${name}: ${message}`);
    },
    exit: (code?: unknown) => {
      const c = code === undefined || code === null ? (proc.exitCode ?? 0) : code;
      const n = typeof c === 'number' ? c : typeof c === 'string' && /^-?\d+$/.test(c) ? NumberCtor(c) : undefined;
      if (n === undefined) throw argType('code', 'of type number', c);
      if (n !== floor(n)) throw coded(new RangeErrorCtor(`The value of "code" is out of range. It must be an integer. Received ${StringCtor(n)}`), 'ERR_OUT_OF_RANGE');
      end('exit', n & 0xff);
    },
    abort: () => end('signal', 'SIGABRT'),
    kill: (pid: unknown, signal?: unknown) => {
      if (typeof pid !== 'number' || pid !== floor(pid)) throw argType('pid', 'of type number', pid);
      const sig = signal === undefined ? 'SIGTERM' : signal === 0 ? '0' : typeof signal === 'number' ? keys(signals).find((k) => signals[k] === signal) : StringCtor(signal);
      if (sig === undefined || (sig !== '0' && !hasOwn(signals, sig))) throw coded(new TypeErrorCtor(`Unknown signal: ${StringCtor(signal)}`), 'ERR_UNKNOWN_SIGNAL');
      // Only its own process is there to signal.
      if (pid !== PID && pid !== 0 && pid !== -1) throw coded(new ErrorCtor('kill ESRCH'), 'ESRCH');
      if (sig === '0') return true;
      // Signals a Node process ignores by default, or that only reach listeners.
      const heard = listeners[sig as string];
      if (heard && heard.length && sig !== 'SIGKILL') {
        for (const l of heard.slice()) apply(l.fn, proc, [sig]);
        return true;
      }
      return end('signal', sig);
    },
    on: (name: unknown, fn: unknown) => add(name, fn, false, false),
    addListener: (name: unknown, fn: unknown) => add(name, fn, false, false),
    prependListener: (name: unknown, fn: unknown) => add(name, fn, false, true),
    once: (name: unknown, fn: unknown) => add(name, fn, true, false),
    prependOnceListener: (name: unknown, fn: unknown) => add(name, fn, true, true),
    off: (name: unknown, fn: unknown) => remove(name, fn),
    removeListener: (name: unknown, fn: unknown) => remove(name, fn),
    removeAllListeners: (name?: unknown) => {
      if (name === undefined) for (const k in listeners) delete listeners[k];
      else delete listeners[StringCtor(name)];
      return proc;
    },
    emit: (name: unknown, ...args: unknown[]) => {
      const list = listeners[StringCtor(name)];
      if (!list || !list.length) return false;
      for (const l of list.slice()) {
        if (l.once) remove(name, l.fn);
        apply(l.fn, proc, args);
      }
      return true;
    },
    listeners: (name: unknown) => (listeners[StringCtor(name)] ?? []).map((l) => l.fn),
    rawListeners: (name: unknown) => (listeners[StringCtor(name)] ?? []).map((l) => l.fn),
    listenerCount: (name: unknown) => (listeners[StringCtor(name)] ?? []).length,
    eventNames: () => keys(listeners).filter((k) => listeners[k].length > 0),
    setMaxListeners: () => proc,
    getMaxListeners: () => 10,
    setUncaughtExceptionCaptureCallback: () => undefined,
    hasUncaughtExceptionCaptureCallback: () => false,
    getuid: () => 993,
    geteuid: () => 993,
    getgid: () => 990,
    getegid: () => 990,
    getgroups: () => [990],
    umask: () => 0o22,
    ref: () => undefined,
    unref: () => undefined,
    getActiveResourcesInfo: () => [],
  };
  function add(name: unknown, fn: unknown, once: boolean, first: boolean): unknown {
    checkListener(fn);
    const key = StringCtor(name);
    const list = (listeners[key] ??= []);
    const entry = { fn: fn as (...args: unknown[]) => unknown, once };
    if (first) list.unshift(entry);
    else list[list.length] = entry;
    return proc;
  }
  function remove(name: unknown, fn: unknown): unknown {
    const list = listeners[StringCtor(name)];
    if (list) {
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i].fn === fn) {
          list.splice(i, 1);
          break;
        }
      }
    }
    return proc;
  }
  for (const name in methods) value(name, methods[name], false);

  return {
    process: proc,
    runTicks,
  };
}
