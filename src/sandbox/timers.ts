/**
 * Node's timers inside a handler's container: the globals `setTimeout`, `setInterval`,
 * `setImmediate` and their `clear…`, and the modules `timers` and `timers/promises`
 * (`await setTimeout(200)`, `for await (const _ of setInterval(1000))`, `scheduler.wait`), as in
 * Lambda's Node.js 24 runtime.
 *
 * A timer is a wait on the environment's virtual clock: arming one asks the host for it
 * (`hooks.arm(ms)`, an id; the platform runs it on the clock, `src/engine/timers.ts`), and when it is
 * due the host enters the container with that id (`fire`), which runs the callback. What Node does
 * with the arguments is kept: a delay below 1, not a number, or past 2^31 − 1 is 1 ms, with Node's
 * warnings (`TimeoutNegativeWarning` and `TimeoutNaNWarning` once per environment, as per process,
 * `TimeoutOverflowWarning` every time) as a log line; a callback that is not a function is a
 * TypeError `ERR_INVALID_ARG_TYPE`; the callback gets the extra arguments and the timer as `this`;
 * a `Timeout` has `ref`/`unref`/`hasRef`/`refresh`/`close`, `[Symbol.toPrimitive]` (an id
 * `clearTimeout` accepts) and `[Symbol.dispose]`. `ref`/`unref` change nothing else: an async
 * handler's invocation ends when its promise settles, whatever timers are pending (the environment
 * freezes with them). An exception thrown by a callback is Node's uncaught exception: Lambda's
 * runtime fails the current invocation with it and exits (`hooks.uncaught`).
 *
 * Like `virtualFs.ts`, `sandboxTimers` runs inside every container, so it must be self-contained (no
 * imports, nothing from outside its own body but the built-ins of every V8 context), and it keeps
 * the built-ins it uses before any learner code runs.
 */

export interface TimerHooks {
  /** Arm a timer for `ms` (1 to 2^31 − 1, or 0 for an immediate) on the host: its id. Throws past the lab's bounds. */
  arm(ms: number): number;
  /** Cancel a timer armed on the host. */
  disarm(id: number): void;
  /** Write one log line (Node's process warnings). */
  warn(line: string): void;
  /** A callback threw: the invocation fails with it, and the environment is gone. */
  uncaught(thrown: unknown): void;
}

export interface SandboxTimers {
  /** Host timer `id` is due: run its callback. False when `id` is not a timer of this container. */
  fire(id: number): boolean;
  /** `timers` / `timers/promises` (with or without `node:`), or undefined for other names. */
  module(name: string): unknown;
}

export function sandboxTimers(g: any, hooks: TimerHooks): SandboxTimers {
  'use strict';
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const freeze = Object.freeze;
  const create = Object.create;
  const TypeErrorCtor = TypeError;
  const ErrorCtor = Error;
  const PromiseCtor = Promise;
  const promiseReject = Promise.reject;
  const StringCtor = String;
  const isArray = Array.isArray;
  const numberIsNaN = Number.isNaN;
  const WeakMapCtor = WeakMap;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const toPrimitiveKey: symbol = Symbol.toPrimitive;
  const disposeKey: symbol | undefined = (Symbol as any).dispose;
  const TIMEOUT_MAX = 2147483647;
  /** Lambda's Node runs as a low pid of its own micro-VM; process warnings carry it. */
  const PID = 8;

  /** What the container knows of each Timeout / Immediate: its host timer (0: none), and whether it keeps the loop alive. */
  interface State {
    host: number;
    refed: boolean;
    asyncId: number;
    hasPrimitive: boolean;
    immediate: boolean;
  }
  const states = new WeakMapCtor<object, State>();
  const stateOf = (item: unknown): State | undefined => (item !== null && typeof item === 'object' ? (apply(weakGet, states, [item]) as State | undefined) : undefined);
  /** Host timer id → its Timeout or Immediate. */
  const byHost: Record<number, any> = create(null);
  /** Timeouts whose primitive id was asked for (`+timeout`): `clearTimeout(id)` finds them. */
  const byPrimitive: Record<string, any> = create(null);
  let asyncIds = 1;

  // ---- Node's argument errors ----
  const received = (value: unknown): string => {
    if (value === null || value === undefined) return ` Received ${StringCtor(value)}`;
    if (typeof value === 'function') return ` Received function ${StringCtor((value as { name?: unknown }).name ?? '')}`;
    if (typeof value === 'object') {
      let ctor: unknown;
      try {
        ctor = (value as { constructor?: unknown }).constructor;
      } catch {
        ctor = undefined;
      }
      const name = typeof ctor === 'function' ? (ctor as { name?: unknown }).name : undefined;
      return typeof name === 'string' && name !== '' ? ` Received an instance of ${name}` : ' Received [Object: null prototype] {}';
    }
    let shown = typeof value === 'string' ? `'${value}'` : typeof value === 'bigint' ? `${StringCtor(value)}n` : StringCtor(value);
    if (shown.length > 28) shown = `${shown.slice(0, 25)}...`;
    return ` Received type ${typeof value} (${shown})`;
  };
  const argError = (what: string, expected: string, value: unknown): TypeError => {
    const error = new TypeErrorCtor(`The ${what} must be ${expected}.${received(value)}`);
    defineProperty(error, 'code', { value: 'ERR_INVALID_ARG_TYPE', writable: true, configurable: true, enumerable: false });
    return error;
  };
  const validateCallback = (callback: unknown): void => {
    if (typeof callback !== 'function') throw argError('"callback" argument', 'of type function', callback);
  };
  const abortError = (signal: any): Error => {
    const error = new ErrorCtor('The operation was aborted');
    defineProperty(error, 'name', { value: 'AbortError', writable: true, configurable: true, enumerable: false });
    defineProperty(error, 'code', { value: 'ABORT_ERR', writable: true, configurable: true, enumerable: true });
    let reason: unknown;
    try {
      reason = signal?.reason;
    } catch {
      reason = undefined;
    }
    if (reason !== undefined) defineProperty(error, 'cause', { value: reason, writable: true, configurable: true, enumerable: false });
    return error;
  };

  // ---- Node's coercion of a delay, and its process warnings ----
  let hinted = false;
  let warnedNegative = false;
  let warnedNaN = false;
  const warn = (name: string, message: string): void => {
    hooks.warn(`(node:${PID}) ${name}: ${message}${hinted ? '' : '\n(Use `node --trace-warnings ...` to show where the warning was created)'}`);
    hinted = true;
  };
  const delayOf = (value: unknown): number => {
    let after = value === undefined ? 1 : (value as number) * 1;
    if (!(after >= 1 && after <= TIMEOUT_MAX)) {
      if (after > TIMEOUT_MAX) {
        warn('TimeoutOverflowWarning', `${after} does not fit into a 32-bit signed integer.\nTimeout duration was set to 1.`);
      } else if (after < 0 && !warnedNegative) {
        warnedNegative = true;
        warn('TimeoutNegativeWarning', `${after} is a negative number.\nTimeout duration was set to 1.`);
      } else if (numberIsNaN(after) && !warnedNaN) {
        warnedNaN = true;
        warn('TimeoutNaNWarning', `${after} is not a number.\nTimeout duration was set to 1.`);
      }
      after = 1;
    }
    return after;
  };

  // ---- arming on the host ----
  const arm = (item: any, state: State, ms: number): void => {
    const id = hooks.arm(ms);
    state.host = id;
    byHost[id] = item;
  };
  const disarm = (state: State): void => {
    if (state.host === 0) return;
    const id = state.host;
    state.host = 0;
    delete byHost[id];
    hooks.disarm(id);
  };
  /** A Timeout is done with (cleared, or fired without repeating). */
  const destroy = (timer: any, state: State): void => {
    timer._destroyed = true;
    if (state.hasPrimitive) delete byPrimitive[state.asyncId];
  };

  // ---- Timeout ----
  const Timeout = function Timeout(this: any, callback: unknown, after: unknown, args: unknown[] | undefined, isRepeat: boolean, isRefed: boolean): void {
    const ms = delayOf(after);
    this._idleTimeout = ms;
    this._onTimeout = callback;
    this._timerArgs = args;
    this._repeat = isRepeat ? ms : null;
    this._destroyed = false;
    apply(weakSet, states, [this, { host: 0, refed: isRefed, asyncId: ++asyncIds, hasPrimitive: false, immediate: false }]);
  } as unknown as { new (callback: unknown, after: unknown, args: unknown[] | undefined, isRepeat: boolean, isRefed: boolean): any; prototype: any };
  const timeoutMethods: Record<string | symbol, unknown> = {
    refresh(this: any) {
      const state = stateOf(this);
      // As Node: a cleared timer stays cleared; one that already fired is armed again.
      if (state && !state.immediate && this._idleTimeout >= 0 && typeof this._onTimeout === 'function') {
        disarm(state);
        arm(this, state, this._idleTimeout);
        this._destroyed = false;
      }
      return this;
    },
    unref() {
      const state = stateOf(this);
      if (state) state.refed = false;
      return this;
    },
    ref() {
      const state = stateOf(this);
      if (state) state.refed = true;
      return this;
    },
    hasRef() {
      return stateOf(this)?.refed === true;
    },
    close() {
      clearTimeout(this);
      return this;
    },
  };
  timeoutMethods[toPrimitiveKey] = function (this: any): number {
    const state = stateOf(this);
    if (!state) return NaN;
    if (!state.hasPrimitive) {
      state.hasPrimitive = true;
      byPrimitive[state.asyncId] = this;
    }
    return state.asyncId;
  };
  if (disposeKey !== undefined) {
    timeoutMethods[disposeKey] = function (this: unknown): void {
      clearTimeout(this);
    };
  }
  /** Node's names for what a learner may look at (a minified bundle renames functions). */
  const named = <F>(fn: F, name: string): F => {
    defineProperty(fn, 'name', { value: name, writable: false, enumerable: false, configurable: true });
    return fn;
  };
  const methodsOf = (proto: any, methods: Record<string | symbol, unknown>): void => {
    for (const key of Reflect.ownKeys(methods)) defineProperty(proto, key, { value: methods[key as string], writable: true, configurable: true, enumerable: false });
  };
  methodsOf(Timeout.prototype, timeoutMethods);
  named(Timeout, 'Timeout');

  // ---- Immediate ----
  const Immediate = function Immediate(this: any, callback: unknown, args: unknown[] | undefined): void {
    this._onImmediate = callback;
    this._argv = args;
    this._destroyed = false;
    apply(weakSet, states, [this, { host: 0, refed: true, asyncId: ++asyncIds, hasPrimitive: false, immediate: true }]);
  } as unknown as { new (callback: unknown, args: unknown[] | undefined): any; prototype: any };
  const immediateMethods: Record<string | symbol, unknown> = {
    ref() {
      const state = stateOf(this);
      if (state) state.refed = true;
      return this;
    },
    unref() {
      const state = stateOf(this);
      if (state) state.refed = false;
      return this;
    },
    hasRef() {
      return stateOf(this)?.refed === true;
    },
  };
  if (disposeKey !== undefined) {
    immediateMethods[disposeKey] = function (this: unknown): void {
      clearImmediate(this);
    };
  }
  methodsOf(Immediate.prototype, immediateMethods);
  named(Immediate, 'Immediate');

  // ---- the globals ----
  const setTimeout = function setTimeout(callback: unknown, after?: unknown, ...args: unknown[]): any {
    validateCallback(callback);
    const timer = new Timeout(callback, after, args.length ? args : undefined, false, true);
    arm(timer, stateOf(timer)!, timer._idleTimeout);
    return timer;
  };
  const setInterval = function setInterval(callback: unknown, repeat?: unknown, ...args: unknown[]): any {
    validateCallback(callback);
    const timer = new Timeout(callback, repeat, args.length ? args : undefined, true, true);
    arm(timer, stateOf(timer)!, timer._idleTimeout);
    return timer;
  };
  const clearTimeout = function clearTimeout(timer: unknown): void {
    let item: any;
    if (timer !== null && typeof timer === 'object' && (timer as any)._onTimeout) item = timer;
    else if (typeof timer === 'number' || typeof timer === 'string') item = byPrimitive[timer];
    const state = stateOf(item);
    if (!state || state.immediate) return;
    item._onTimeout = null;
    if (item._destroyed) return;
    disarm(state);
    destroy(item, state);
    item._idleTimeout = -1;
  };
  const clearInterval = function clearInterval(timer: unknown): void {
    clearTimeout(timer);
  };
  const setImmediate = function setImmediate(callback: unknown, ...args: unknown[]): any {
    validateCallback(callback);
    const immediate = new Immediate(callback, args.length ? args : undefined);
    arm(immediate, stateOf(immediate)!, 0);
    return immediate;
  };
  const clearImmediate = function clearImmediate(immediate: unknown): void {
    const state = stateOf(immediate);
    const item = immediate as any;
    if (!state || !state.immediate || !item._onImmediate || item._destroyed) return;
    item._destroyed = true;
    item._onImmediate = null;
    disarm(state);
  };

  /** Run a callback as Node's event loop does: an exception is uncaught. */
  const run = (callback: unknown, self: unknown, args: unknown[] | undefined): void => {
    try {
      apply(callback as (...a: unknown[]) => unknown, self, args ?? []);
    } catch (thrown) {
      hooks.uncaught(thrown);
    }
  };

  const fire = (id: number): boolean => {
    const item = byHost[id];
    if (item === undefined) return false;
    delete byHost[id];
    const state = stateOf(item)!;
    state.host = 0;
    if (state.immediate) {
      const callback = item._onImmediate;
      item._destroyed = true;
      item._onImmediate = null;
      if (typeof callback === 'function') run(callback, item, item._argv);
      return true;
    }
    const callback = item._onTimeout;
    if (typeof callback !== 'function') {
      destroy(item, state);
      return true;
    }
    // An interval is due again `repeat` after this tick started, whatever its callback does
    // (Node takes the time before the callback runs); clearInterval inside the callback cancels it.
    if (item._repeat) {
      try {
        arm(item, state, item._repeat);
      } catch (thrown) {
        hooks.uncaught(thrown);
        return true;
      }
    }
    run(callback, item, item._timerArgs);
    if (!item._repeat && state.host === 0 && !item._destroyed) destroy(item, state);
    return true;
  };

  // ---- timers/promises ----
  const validateOptions = (options: unknown): { signal: any; ref: boolean } => {
    if (options === null || typeof options !== 'object' || isArray(options)) throw argError('"options" argument', 'of type object', options);
    const signal = (options as any).signal;
    if (signal !== undefined && (signal === null || typeof signal !== 'object' || !('aborted' in signal))) throw argError('"options.signal" property', 'an instance of AbortSignal', signal);
    const ref = (options as any).ref;
    if (ref !== undefined && typeof ref !== 'boolean') throw argError('"options.ref" property', 'of type boolean', ref);
    return { signal, ref: ref !== false };
  };
  const validateDelay = (after: unknown): void => {
    if (after !== undefined && typeof after !== 'number') throw argError('"delay" argument', 'of type number', after);
  };
  /** Cancel `item` when `signal` aborts (a signal-like object: the sandbox has no AbortController of its own). */
  const onAbort = (signal: any, cancel: () => void): void => {
    if (signal !== undefined && typeof signal.addEventListener === 'function') signal.addEventListener('abort', cancel, { once: true });
  };
  const EMPTY = freeze(create(null));
  const promises: Record<string, unknown> = {
    setTimeout: function setTimeout(after?: unknown, value?: unknown, options: unknown = EMPTY): Promise<unknown> {
      let opts: { signal: any; ref: boolean };
      try {
        validateDelay(after);
        opts = validateOptions(options);
      } catch (err) {
        return apply(promiseReject, PromiseCtor, [err]) as Promise<unknown>;
      }
      if (opts.signal?.aborted) return apply(promiseReject, PromiseCtor, [abortError(opts.signal)]) as Promise<unknown>;
      return new PromiseCtor((resolve, reject) => {
        const timer = new Timeout(resolve, after, [value], false, opts.ref);
        arm(timer, stateOf(timer)!, timer._idleTimeout);
        onAbort(opts.signal, () => {
          clearTimeout(timer);
          reject(abortError(opts.signal));
        });
      });
    },
    setImmediate: function setImmediate(value?: unknown, options: unknown = EMPTY): Promise<unknown> {
      let opts: { signal: any; ref: boolean };
      try {
        opts = validateOptions(options);
      } catch (err) {
        return apply(promiseReject, PromiseCtor, [err]) as Promise<unknown>;
      }
      if (opts.signal?.aborted) return apply(promiseReject, PromiseCtor, [abortError(opts.signal)]) as Promise<unknown>;
      return new PromiseCtor((resolve, reject) => {
        const immediate = new Immediate(resolve, [value]);
        if (!opts.ref) stateOf(immediate)!.refed = false;
        arm(immediate, stateOf(immediate)!, 0);
        onAbort(opts.signal, () => {
          clearImmediate(immediate);
          reject(abortError(opts.signal));
        });
      });
    },
    setInterval: async function* setInterval(after?: unknown, value?: unknown, options: unknown = EMPTY): AsyncGenerator<unknown, never, unknown> {
      validateDelay(after);
      const { signal, ref } = validateOptions(options);
      if (signal?.aborted) throw abortError(signal);
      let notYielded = 0;
      let wake: ((v?: unknown) => void) | undefined;
      const interval = new Timeout(
        () => {
          notYielded++;
          if (wake) {
            wake();
            wake = undefined;
          }
        },
        after,
        undefined,
        true,
        ref,
      );
      try {
        arm(interval, stateOf(interval)!, interval._idleTimeout);
        onAbort(signal, () => {
          clearTimeout(interval);
          if (wake) {
            wake(apply(promiseReject, PromiseCtor, [abortError(signal)]));
            wake = undefined;
          }
        });
        while (!signal?.aborted) {
          if (notYielded === 0) await new PromiseCtor((resolve) => (wake = resolve));
          for (; notYielded > 0; notYielded--) yield value;
        }
        throw abortError(signal);
      } finally {
        clearTimeout(interval);
      }
    },
  };
  for (const key of ['setTimeout', 'setImmediate', 'setInterval']) named(promises[key], key);
  promises.scheduler = freeze({
    wait(delay: unknown, options?: unknown): Promise<unknown> {
      return (promises.setTimeout as (a: unknown, b: unknown, c?: unknown) => Promise<unknown>)(delay, undefined, options);
    },
    yield(): Promise<unknown> {
      return (promises.setImmediate as () => Promise<unknown>)();
    },
  });
  freeze(promises);
  const timers = freeze({ setTimeout, clearTimeout, setImmediate, clearImmediate, setInterval, clearInterval, promises });
  for (const key of ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval'] as const) named(timers[key], key);

  g.setTimeout = setTimeout;
  g.clearTimeout = clearTimeout;
  g.setInterval = setInterval;
  g.clearInterval = clearInterval;
  g.setImmediate = setImmediate;
  g.clearImmediate = clearImmediate;

  return {
    fire,
    module: (name: string): unknown => {
      if (name === 'timers' || name === 'node:timers') return timers;
      if (name === 'timers/promises' || name === 'node:timers/promises') return promises;
      return undefined;
    },
  };
}
