/**
 * Virtual time and seeded randomness for handler code: the `Date`, `performance`, `Math.random`,
 * `crypto` (`randomUUID`, `getRandomValues`) and `Intl.DateTimeFormat` a handler sees.
 *
 * A handler's clock is the invocation's *virtual* time, not the machine's: `Date.now()` is
 * `SIMULATION_EPOCH_MS` plus the virtual milliseconds of the run, at the point the invocation has
 * reached (it moves with `work(ms)`). `performance.now()` is the virtual milliseconds since the
 * execution environment was created. Randomness comes from the environment's own seeded stream, so
 * one scenario seed gives one run, byte for byte, whatever the handler reads.
 *
 * `virtualGlobals` runs in two places, so it must be self-contained (no imports, nothing from outside
 * its own body but the built-ins it is handed):
 * - inside every sandbox isolate, where the bootstrap calls it with `mode: 'install'`: the isolate's
 *   own built-ins are patched in place (`Date` replaced, `Date.prototype.constructor` pointed at the
 *   replacement, `Math.random` replaced, `Intl.DateTimeFormat#format` defaulting to virtual now);
 *   `performance` and `crypto` are new globals. Nothing of the real clock stays reachable.
 * - in this process for the in-process executor (`mode: 'shadow'`): the host's built-ins are never
 *   touched; the function returns replacements that the compiled module gets as its `Date`, `Math`,
 *   `performance`, `crypto` and `Intl` bindings.
 *
 * The generator is mulberry32 with the engine's seeding (`src/engine/random.ts`), so both executors
 * give the same values for the same environment seed.
 */

export interface VirtualClockSource {
  /** The virtual instant the environment is at, Unix epoch ms (may be fractional). */
  now(): number;
  /** `now()` when the environment was created: `performance.now()` counts from here. */
  originMs: number;
  /** uint32 seed of the environment's random stream. */
  seed: number;
}

export interface VirtualGlobals {
  Date: DateConstructor;
  Math: Math;
  performance: { readonly timeOrigin: number; now(): number };
  crypto: { randomUUID(): string; getRandomValues<T extends ArrayBufferView | null>(array: T): T };
  Intl: typeof Intl;
}

export function virtualGlobals(g: any, source: VirtualClockSource, mode: 'install' | 'shadow'): VirtualGlobals {
  'use strict';
  // Built-ins captured before any handler code runs (it may replace them later).
  const RealDate: DateConstructor = g.Date;
  const RealMath: Math = g.Math;
  const RealIntl: typeof Intl = g.Intl;
  const construct = Reflect.construct;
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const create = Object.create;
  const freeze = Object.freeze;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const floor = RealMath.floor;
  const imul = RealMath.imul;
  const dateToString = RealDate.prototype.toString;
  const TypeErrorCtor = TypeError;
  const ErrorCtor = Error;
  const clock = source.now;
  const originMs = source.originMs;

  const nowMs = (): number => floor(clock());

  // ---- seeded randomness: mulberry32, seeded as the engine's Random ----
  let state = (source.seed >>> 0) ^ 0x9e3779b9;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const randomByte = (): number => floor(random() * 256);

  // ---- Date: no arguments means the virtual now; everything else is the real Date ----
  const VirtualDate = function Date(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) return apply(dateToString, construct(RealDate, [nowMs()]), []);
    return construct(RealDate, args.length === 0 ? [nowMs()] : args, new.target);
  } as unknown as DateConstructor;
  // Installed, dates keep the real prototype (whose `constructor` is then pointed here); shadowing,
  // they get a prototype of their own over it, so the host's `Date.prototype` stays as it is.
  const datePrototype = mode === 'install' ? RealDate.prototype : create(RealDate.prototype, { constructor: { value: VirtualDate, writable: true, configurable: true } });
  defineProperty(VirtualDate, 'prototype', { value: datePrototype, writable: false, enumerable: false, configurable: false });
  defineProperty(VirtualDate, 'length', { value: 7, configurable: true });
  defineProperty(VirtualDate, 'now', { value: function now() { return nowMs(); }, writable: true, configurable: true });
  defineProperty(VirtualDate, 'parse', { value: RealDate.parse, writable: true, configurable: true });
  defineProperty(VirtualDate, 'UTC', { value: RealDate.UTC, writable: true, configurable: true });

  // ---- performance: virtual ms since the environment was created ----
  const performance = freeze({
    timeOrigin: originMs,
    now: function now(): number {
      return clock() - originMs;
    },
  });

  // ---- crypto: randomUUID and getRandomValues from the same stream ----
  const integerArrays = [g.Int8Array, g.Uint8Array, g.Uint8ClampedArray, g.Int16Array, g.Uint16Array, g.Int32Array, g.Uint32Array, g.BigInt64Array, g.BigUint64Array];
  const Uint8 = g.Uint8Array as Uint8ArrayConstructor;
  const hex: string[] = [];
  for (let i = 0; i < 256; i++) hex[i] = (i < 16 ? '0' : '') + i.toString(16);
  const crypto = freeze({
    randomUUID: function randomUUID(): string {
      const b: number[] = [];
      for (let i = 0; i < 16; i++) b[i] = randomByte();
      b[6] = (b[6] & 0x0f) | 0x40; // version 4
      b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
      let s = '';
      for (let i = 0; i < 16; i++) s += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + hex[b[i]];
      return s;
    },
    getRandomValues: function getRandomValues<T extends ArrayBufferView | null>(array: T): T {
      let integer = false;
      for (let i = 0; i < integerArrays.length; i++) if (integerArrays[i] && array instanceof integerArrays[i]) integer = true;
      if (!integer) throw new TypeErrorCtor("crypto.getRandomValues: the argument must be an integer typed array (Uint8Array, Int32Array, …)");
      const view = array as unknown as ArrayBufferView;
      if (view.byteLength > 65536) {
        const error = new ErrorCtor(`crypto.getRandomValues: ${view.byteLength} bytes requested, more than the limit of 65536`);
        defineProperty(error, 'name', { value: 'QuotaExceededError', configurable: true, writable: true });
        throw error;
      }
      const bytes = new Uint8(view.buffer, view.byteOffset, view.byteLength);
      for (let i = 0; i < bytes.length; i++) bytes[i] = randomByte();
      return array;
    },
  });

  // ---- Intl.DateTimeFormat: format() / formatToParts() with no date mean the virtual now ----
  const RealFormat = RealIntl.DateTimeFormat;
  const formatGetter = getOwnPropertyDescriptor(RealFormat.prototype, 'format')!.get!;
  const realFormatToParts = RealFormat.prototype.formatToParts;
  const virtualFormat = function (this: Intl.DateTimeFormat): (date?: Date | number) => string {
    const bound = apply(formatGetter, this, []) as (date?: Date | number) => string;
    return (date?: Date | number) => bound(date === undefined ? nowMs() : date);
  };
  const virtualFormatToParts = function formatToParts(this: Intl.DateTimeFormat, date?: Date | number): Intl.DateTimeFormatPart[] {
    return apply(realFormatToParts, this, [date === undefined ? nowMs() : date]) as Intl.DateTimeFormatPart[];
  };

  if (mode === 'install') {
    defineProperty(RealDate.prototype, 'constructor', { value: VirtualDate, writable: true, configurable: true, enumerable: false });
    defineProperty(g, 'Date', { value: VirtualDate, writable: true, configurable: true, enumerable: false });
    defineProperty(RealMath, 'random', { value: function random_() { return random(); }, writable: true, configurable: true, enumerable: false });
    defineProperty(g, 'performance', { value: performance, writable: true, configurable: true, enumerable: false });
    defineProperty(g, 'crypto', { value: crypto, writable: true, configurable: true, enumerable: false });
    defineProperty(RealFormat.prototype, 'format', { get: virtualFormat, configurable: true, enumerable: false });
    defineProperty(RealFormat.prototype, 'formatToParts', { value: virtualFormatToParts, writable: true, configurable: true, enumerable: false });
    return { Date: VirtualDate, Math: RealMath, performance, crypto, Intl: RealIntl };
  }

  // Shadow mode: new objects over the host's built-ins, which stay as they are.
  const ShadowMath = create(RealMath, { random: { value: function random_() { return random(); }, writable: true, configurable: true } }) as Math;
  const ShadowFormat = function DateTimeFormat(this: unknown, locales?: string | string[], options?: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
    return construct(RealFormat, [locales, options], new.target ?? ShadowFormat) as Intl.DateTimeFormat;
  } as unknown as typeof Intl.DateTimeFormat;
  const shadowProto = create(RealFormat.prototype, {
    format: { get: virtualFormat, configurable: true },
    formatToParts: { value: virtualFormatToParts, writable: true, configurable: true },
    constructor: { value: ShadowFormat, writable: true, configurable: true },
  });
  defineProperty(ShadowFormat, 'prototype', { value: shadowProto, writable: false });
  defineProperty(ShadowFormat, 'supportedLocalesOf', { value: RealFormat.supportedLocalesOf, writable: true, configurable: true });
  const ShadowIntl = create(RealIntl, { DateTimeFormat: { value: ShadowFormat, writable: true, configurable: true } }) as typeof Intl;
  return { Date: VirtualDate, Math: ShadowMath, performance, crypto, Intl: ShadowIntl };
}
