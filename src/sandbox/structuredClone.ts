/**
 * `structuredClone`, as Node 24 (V8's serializer) gives it, for handler code: a bare V8 context has
 * none. Built on first use by `runtimeGlobals.ts` inside the container, in plain JavaScript over the
 * container's own built-ins (both executors alike).
 *
 * What is cloned, as V8 does: primitives; Boolean, Number, BigInt and String wrappers; Date;
 * RegExp (source and flags); ArrayBuffer (resizable too) and every view over one (typed arrays —
 * a Buffer becomes a Uint8Array — and DataView), views of one buffer sharing one cloned buffer;
 * Map and Set; errors (the standard constructor named by `name`, else Error; own `message`, `cause`
 * and `stack`); arrays (holes and extra properties kept); any other object as a plain object of its
 * own enumerable properties (getters read, prototype dropped). Cycles and shared references are
 * kept. `{ transfer: [arrayBuffer] }` moves buffers (the originals are detached).
 * Refused with a `DataCloneError` (DOMException, code 25) named as V8 names it: functions,
 * symbols, promises, weak collections, iterators, Intl objects, Symbol wrappers, detached buffers.
 * A Proxy is cloned through its traps (V8 refuses it: nothing in JavaScript can tell a proxy).
 *
 * Memory: every buffer is made through the container's (guarded) ArrayBuffer constructor, which
 * isolated-vm's allocator counts; one it refuses is out of memory (`refuse`), as for a Buffer.
 *
 * Self-contained (no imports; only the built-ins of the container it runs in), like virtualTime.ts.
 */

export interface CloneHelpers {
  DOMException: () => any;
  refuse: (what: string) => never;
}

export function structuredCloneOf(builtins: { Uint8Array: any; ArrayBuffer: any; DataView: any; transfer: any }, helpers: CloneHelpers): (value?: unknown, options?: unknown) => unknown {
  'use strict';
  const apply = Reflect.apply;
  const construct = Reflect.construct;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getPrototypeOf = Object.getPrototypeOf;
  const keys = Object.keys;
  const isArray = Array.isArray;
  const StringCtor = String;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const MapCtor = Map;
  const SetCtor = Set;
  const ArrayBufferCtor = builtins.ArrayBuffer as ArrayBufferConstructor;
  const Uint8 = builtins.Uint8Array as Uint8ArrayConstructor;
  const DataViewCtor = builtins.DataView as DataViewConstructor;
  const transferBuffer = builtins.transfer as (this: ArrayBuffer, length?: number) => ArrayBuffer;
  const g: any = globalThis;
  const objectToString = Object.prototype.toString;
  const functionToString = Function.prototype.toString;
  const symbolToString = Symbol.prototype.toString;
  const getter = (proto: object, name: PropertyKey): ((this: unknown) => unknown) => getOwnPropertyDescriptor(proto, name)!.get as (this: unknown) => unknown;
  const typedArrayProto = getPrototypeOf(Uint8.prototype);
  const typedArrayName = getter(typedArrayProto, Symbol.toStringTag);
  const typedArrayOffset = getter(typedArrayProto, 'byteOffset');
  const typedArrayLength = getter(typedArrayProto, 'length');
  const typedArrayBuffer = getter(typedArrayProto, 'buffer');
  const dataViewBuffer = getter(DataViewCtor.prototype, 'buffer');
  const dataViewOffset = getter(DataViewCtor.prototype, 'byteOffset');
  const dataViewLength = getter(DataViewCtor.prototype, 'byteLength');
  const abLength = getter(ArrayBufferCtor.prototype, 'byteLength');
  const abResizable = getter(ArrayBufferCtor.prototype, 'resizable');
  const abMax = getter(ArrayBufferCtor.prototype, 'maxByteLength');
  const abDetached = getter(ArrayBufferCtor.prototype, 'detached');
  const mapSize = getter(MapCtor.prototype, 'size');
  const setSize = getter(SetCtor.prototype, 'size');
  const mapForEach = MapCtor.prototype.forEach;
  const setForEach = SetCtor.prototype.forEach;
  const mapSet = MapCtor.prototype.set;
  const setAdd = SetCtor.prototype.add;
  const setHas = SetCtor.prototype.has;
  const mapGet = MapCtor.prototype.get;
  const mapHas = MapCtor.prototype.has;
  const dateTime = Date.prototype.getTime;
  const regexpSource = getter(RegExp.prototype, 'source');
  const regexpFlags = getter(RegExp.prototype, 'flags');
  const booleanValue = Boolean.prototype.valueOf;
  const numberValue = Number.prototype.valueOf;
  const stringValue = String.prototype.valueOf;
  const bigintValue = BigInt.prototype.valueOf;
  const symbolValue = Symbol.prototype.valueOf;
  const isError: (v: unknown) => boolean = typeof (Error as any).isError === 'function' ? (Error as any).isError : (v: unknown) => v instanceof Error;
  const ERRORS: Record<string, any> = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
  /** Brand checks of the kinds V8 refuses (a method that throws for anything else). */
  const refused: Array<(v: object) => unknown> = [];
  const brand = (ctor: any, method: string, args: unknown[]): void => {
    const f = ctor?.prototype?.[method];
    if (typeof f === 'function') refused[refused.length] = (v: object) => apply(f, v, args);
  };
  brand(g.WeakMap, 'has', [{}]);
  brand(g.WeakSet, 'has', [{}]);
  brand(g.WeakRef, 'deref', []);
  brand(g.FinalizationRegistry, 'unregister', [{}]);
  for (const name of ['DateTimeFormat', 'NumberFormat', 'Collator', 'PluralRules', 'RelativeTimeFormat', 'ListFormat', 'DisplayNames', 'Segmenter', 'DurationFormat']) brand(g.Intl?.[name], 'resolvedOptions', []);
  brand(g.Intl?.Locale, 'maximize', []);
  const refusedTags = ['Promise', 'Generator', 'AsyncGenerator', 'Map Iterator', 'Set Iterator', 'Array Iterator', 'String Iterator', 'RegExp String Iterator', 'Iterator Helper', 'Module', 'AsyncFunction', 'global'];

  const succeeds = (f: () => unknown): boolean => {
    try {
      f();
      return true;
    } catch {
      return false;
    }
  };
  /** A data property's value along the prototype chain, never running a getter (undefined otherwise). */
  const dataProperty = (o: object, name: PropertyKey): unknown => {
    for (let p: object | null = o; p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, name);
      if (d) return 'value' in d ? d.value : undefined;
    }
    return undefined;
  };
  /** How V8 prints a value it cannot clone (its side-effect-free ToString). */
  const shown = (v: unknown): string => {
    if (typeof v === 'function') return apply(functionToString, v, []) as string;
    if (typeof v === 'symbol') return apply(symbolToString, v, []) as string;
    if (v !== null && typeof v === 'object') {
      if (dataProperty(v, 'toString') === objectToString) {
        const ctor = dataProperty(v, 'constructor');
        const name = typeof ctor === 'function' ? getOwnPropertyDescriptor(ctor, 'name')?.value : undefined;
        if (typeof name === 'string' && name !== '') return `#<${name}>`;
      }
      const tag = dataProperty(v, Symbol.toStringTag);
      return typeof tag === 'string' ? `[object ${tag}]` : (apply(objectToString, v, []) as string);
    }
    return StringCtor(v);
  };
  const dataCloneError = (message: string): Error => new (helpers.DOMException())(message, 'DataCloneError');
  const uncloneable = (v: unknown): Error => dataCloneError(`${shown(v)} could not be cloned.`);

  const newBuffer = (length: number, max: number | undefined): ArrayBuffer => {
    try {
      return max === undefined ? new ArrayBufferCtor(length) : new (ArrayBufferCtor as any)(length, { maxByteLength: max });
    } catch (err) {
      if (err instanceof RangeErrorCtor) return helpers.refuse(`structuredClone() of a ${length}-byte ArrayBuffer`);
      throw err;
    }
  };
  const isArrayBuffer = (v: object): boolean => succeeds(() => apply(abLength, v, []));

  return function structuredClone(value?: unknown, options?: unknown): unknown {
    if (arguments.length === 0) {
      const e = new TypeErrorCtor('The "The value argument must be specified" argument must be specified');
      defineProperty(e, 'code', { value: 'ERR_MISSING_ARGS', writable: true, configurable: true, enumerable: false });
      throw e;
    }
    /** original → its clone (cycles, shared references, transferred buffers). */
    const memo = new MapCtor<unknown, unknown>();
    /** Buffers the clone takes over: detached once it is made. */
    const moving = new SetCtor<unknown>();
    if (options !== undefined && options !== null) {
      if (typeof options !== 'object') throw new TypeErrorCtor("Failed to execute 'structuredClone': Options is not an object.");
      const list = (options as { transfer?: unknown }).transfer;
      if (list !== undefined) {
        if (list === null || typeof list !== 'object' || typeof (list as any)[Symbol.iterator] !== 'function') {
          const e = new TypeErrorCtor("Failed to execute 'structuredClone': transfer in Options cannot be converted to sequence.");
          defineProperty(e, 'code', { value: 'ERR_INVALID_ARG_TYPE', writable: true, configurable: true, enumerable: false });
          throw e;
        }
        for (const item of list as Iterable<unknown>) {
          if (item === null || typeof item !== 'object' || !isArrayBuffer(item)) throw dataCloneError('Found invalid value in transferList.');
          if (apply(setHas, moving, [item])) throw dataCloneError('Transfer list contains duplicate ArrayBuffer');
          if (apply(abDetached, item, [])) throw dataCloneError('Cannot transfer object of unsupported type.');
          apply(setAdd, moving, [item]);
        }
      }
    }
    const out = clone(value, memo);
    // The clone copied them (views of them read their offsets first); now the originals are detached.
    apply(setForEach, moving, [(b: unknown) => void apply(transferBuffer, b, [0])]);
    return out;
  };

  function cloneBuffer(v: ArrayBuffer, memo: Map<unknown, unknown>): ArrayBuffer {
    const known = apply(mapGet, memo, [v]) as ArrayBuffer | undefined;
    if (known !== undefined) return known;
    if (apply(abDetached, v, [])) throw dataCloneError('An ArrayBuffer is detached and could not be cloned.');

    const length = apply(abLength, v, []) as number;
    const out = newBuffer(length, apply(abResizable, v, []) ? (apply(abMax, v, []) as number) : undefined);
    new Uint8(out).set(new Uint8(v));
    apply(mapSet, memo, [v, out]);
    return out;
  }

  function define(target: object, key: PropertyKey, value: unknown): void {
    defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  }

  function clone(v: unknown, memo: Map<unknown, unknown>): unknown {
    if (typeof v === 'function' || typeof v === 'symbol') throw uncloneable(v);
    if (v === null || typeof v !== 'object') return v;
    if (apply(mapHas, memo, [v])) return apply(mapGet, memo, [v]);
    const o = v as object;
    // Errors: the standard constructor `name` names, own message, stack and cause.
    if (isError(o)) {
      const name = dataProperty(o, 'name');
      const Ctor = typeof name === 'string' && Object.hasOwn(ERRORS, name) ? ERRORS[name] : Error;
      const out = construct(Ctor, []) as Error;
      apply(mapSet, memo, [o, out]);
      let stack: unknown;
      try {
        stack = (o as { stack?: unknown }).stack;
      } catch {
        stack = undefined;
      }
      defineProperty(out, 'stack', { value: typeof stack === 'string' ? stack : undefined, writable: true, configurable: true, enumerable: false });
      const message = getOwnPropertyDescriptor(o, 'message');
      if (message && 'value' in message) defineProperty(out, 'message', { value: StringCtor(message.value), writable: true, configurable: true, enumerable: false });
      const cause = getOwnPropertyDescriptor(o, 'cause');
      if (cause && 'value' in cause) defineProperty(out, 'cause', { value: clone(cause.value, memo), writable: true, configurable: true, enumerable: false });
      return out;
    }
    if (isArray(o)) {
      const out: unknown[] = new Array((o as unknown[]).length);
      apply(mapSet, memo, [o, out]);
      for (const k of keys(o)) define(out, k, clone((o as any)[k], memo));
      return out;
    }
    // Typed arrays and DataView: a view of the same kind over the cloned buffer.
    const typed = apply(typedArrayName, o, []) as string | undefined;
    if (typed !== undefined) {
      const offset = apply(typedArrayOffset, o, []);
      const length = apply(typedArrayLength, o, []);
      const buffer = cloneBuffer(apply(typedArrayBuffer, o, []) as ArrayBuffer, memo);
      const out = construct(g[typed], [buffer, offset, length]);
      apply(mapSet, memo, [o, out]);
      return out;
    }
    if (succeeds(() => apply(dataViewBuffer, o, []))) {
      const offset = apply(dataViewOffset, o, []) as number;
      const length = apply(dataViewLength, o, []) as number;
      const buffer = cloneBuffer(apply(dataViewBuffer, o, []) as ArrayBuffer, memo);
      const out = new DataViewCtor(buffer, offset, length);
      apply(mapSet, memo, [o, out]);
      return out;
    }
    if (isArrayBuffer(o)) return cloneBuffer(o as ArrayBuffer, memo);
    if (succeeds(() => apply(dateTime, o, []))) {
      const out = new Date(apply(dateTime, o, []) as number);
      apply(mapSet, memo, [o, out]);
      return out;
    }
    if (o !== RegExp.prototype && succeeds(() => apply(regexpSource, o, []))) {
      const out = new RegExp(apply(regexpSource, o, []) as string, apply(regexpFlags, o, []) as string);
      apply(mapSet, memo, [o, out]);
      return out;
    }
    if (succeeds(() => apply(mapSize, o, []))) {
      const out = new MapCtor();
      apply(mapSet, memo, [o, out]);
      const entries: unknown[] = [];
      apply(mapForEach, o, [(val: unknown, key: unknown) => void (entries[entries.length] = key, entries[entries.length] = val)]);
      for (let i = 0; i < entries.length; i += 2) apply(mapSet, out, [clone(entries[i], memo), clone(entries[i + 1], memo)]);
      return out;
    }
    if (succeeds(() => apply(setSize, o, []))) {
      const out = new SetCtor();
      apply(mapSet, memo, [o, out]);
      const items: unknown[] = [];
      apply(setForEach, o, [(val: unknown) => void (items[items.length] = val)]);
      for (const item of items) apply(setAdd, out, [clone(item, memo)]);
      return out;
    }
    for (const [unwrap] of [[booleanValue], [numberValue], [stringValue], [bigintValue]] as const) {
      let primitive: unknown;
      if (succeeds(() => (primitive = apply(unwrap as (this: unknown) => unknown, o, [])))) {
        const out = Object(primitive);
        apply(mapSet, memo, [o, out]);
        return out;
      }
    }
    if (succeeds(() => apply(symbolValue, o, []))) throw uncloneable(o);
    for (const check of refused) if (succeeds(() => check(o))) throw uncloneable(o);
    const tag = apply(objectToString, o, []) as string;
    for (const t of refusedTags) if (tag === `[object ${t}]`) throw uncloneable(o);
    // Any other object: a plain one, of its own enumerable properties.
    const out: Record<string, unknown> = {};
    apply(mapSet, memo, [o, out]);
    for (const k of keys(o)) define(out, k, clone((o as any)[k], memo));
    return out;
  }
}
