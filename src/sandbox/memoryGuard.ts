/**
 * The memory cap over every way a handler can allocate, installed by the bootstrap inside each
 * container before any learner code runs (docs/sandbox-limits.md).
 *
 * isolated-vm's `memoryLimit` counts the V8 heap and the ArrayBuffers made through its allocator.
 * Some allocations bypass both (measured on Node 24 / isolated-vm 7, docs/sandbox-limits.md):
 * - a resizable ArrayBuffer commits its pages itself on `new ArrayBuffer(n, { maxByteLength })`,
 *   `resize` and `transfer`; thousands of them (each one or two memory mappings) exhaust the
 *   process's mappings and abort the whole runtime process;
 * - SharedArrayBuffer (growable, `grow`) and WebAssembly memories (`new WebAssembly.Memory`, the
 *   `memory.grow` instruction inside a module, which nothing in JavaScript can intercept);
 * - ICU objects behind `Intl`: a `DateTimeFormat` holds 20–120 KB outside the heap for ~300 bytes
 *   in it, a word `Segmenter` ~9 KB.
 *
 * What this does about them:
 * - `SharedArrayBuffer` and `WebAssembly` are replaced by frozen stand-ins that throw a clear error.
 *   Without them no shared buffer or wasm memory can exist in the container (no other realm, no
 *   structured clone, no other constructor makes one), so nothing is left to re-obtain.
 * - Resizable ArrayBuffers stay usable, bounded: `maxByteLength` is clamped to the environment's
 *   memory; each costs a fixed 2 MB fee (its memory mappings); and every byte one commits is *charged*: a
 *   plain ArrayBuffer of the same size (the ballast, tied to the buffer's life through a WeakMap)
 *   is allocated through isolated-vm's allocator, so the isolate's own limit counts it (a large
 *   ballast is zero pages: it costs accounting, not resident memory). The originals of `resize` and
 *   `transfer` and the constructor live only in this closure; the prototype's methods and
 *   `constructor` are replaced, so an attacker reaching the prototype
 *   (`Object.getPrototypeOf(new Uint8Array(1).buffer)`) finds only the guarded ones.
 * - The Intl constructors that hold native memory are charged a ballast of their measured worst
 *   case the same way.
 * A ballast the allocator refuses means the environment is out of memory: `outOfMemory(what)` tells
 * the host (which kills the environment: `Runtime.OutOfMemory`) and a RangeError is thrown.
 *
 * Self-contained (no imports; only the built-ins of the container it runs in), like virtualTime.ts.
 */

export interface MemoryGuardOptions {
  /** The environment's memory, bytes: the largest `maxByteLength`, and the isolate's limit. */
  limitBytes: number;
  /** A charge was refused: the environment is out of memory (`what` names the allocation). */
  outOfMemory: (what: string) => void;
}

/** What every resizable ArrayBuffer costs on top of its length, bytes (at most 64 alive in 128 MB). */
export const RESIZABLE_FEE_BYTES = 2 * 1048576;

export function memoryGuard(g: any, options: MemoryGuardOptions): void {
  'use strict';
  const FEE = 2 * 1048576; // RESIZABLE_FEE_BYTES (inlined: this function is self-contained)
  const construct = Reflect.construct;
  const apply = Reflect.apply;
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  const getPrototypeOf = Object.getPrototypeOf;
  const create = Object.create;
  const freeze = Object.freeze;
  const NumberCtor = Number;
  const trunc = Math.trunc;
  const ErrorCtor = Error;
  const RangeErrorCtor = RangeError;
  const TypeErrorCtor = TypeError;
  const WeakMapCtor = WeakMap;
  const weakGet = WeakMap.prototype.get;
  const weakSet = WeakMap.prototype.set;
  const limit = options.limitBytes;
  const outOfMemory = options.outOfMemory;

  const mb = (bytes: number): string => `${Math.round(bytes / 1048576)} MB`;
  let exhausted = false;
  const refuse = (what: string): never => {
    exhausted = true;
    outOfMemory(what);
    throw new RangeErrorCtor(`out of memory: ${what} would take the environment past its ${mb(limit)} memory limit`);
  };

  // ---- SharedArrayBuffer and WebAssembly: not available ----
  const unavailable = (name: string, why: string) => {
    const f = function () {
      throw new ErrorCtor(`${name} is not available in a handler: ${why}`);
    };
    defineProperty(f, 'prototype', { value: freeze(create(null)), writable: false });
    return freeze(f);
  };
  const sabWhy = 'a handler runs on one thread (nothing to share memory with), and a growable shared buffer could grow past the memory limit';
  defineProperty(g, 'SharedArrayBuffer', { value: unavailable('SharedArrayBuffer', sabWhy), writable: true, configurable: true, enumerable: false });
  const wasmWhy = "a WebAssembly memory can grow (memory.grow) past the environment's memory limit, which the sandbox cannot bound";
  const wasm = create(null);
  for (const name of ['Module', 'Instance', 'Memory', 'Table', 'Global', 'Tag', 'Exception', 'compile', 'instantiate', 'validate', 'compileStreaming', 'instantiateStreaming']) {
    wasm[name] = unavailable(`WebAssembly.${name}`, wasmWhy);
  }
  defineProperty(g, 'WebAssembly', { value: freeze(wasm), writable: true, configurable: true, enumerable: false });

  // ---- ballast: plain ArrayBuffers charged to isolated-vm's allocator, alive as long as their owner ----
  const RealArrayBuffer: ArrayBufferConstructor = g.ArrayBuffer;
  const proto: any = RealArrayBuffer.prototype;
  /** owner → { n, 0: buffer, 1: buffer, …, charged } (null prototype: no learner setter sees a write). */
  const ballast = new WeakMapCtor<object, any>();
  const charge = (owner: object, bytes: number, what: string): void => {
    if (exhausted) refuse(what);
    if (!(bytes > 0)) return;
    let chunk: ArrayBuffer;
    try {
      chunk = construct(RealArrayBuffer, [bytes], RealArrayBuffer) as ArrayBuffer;
    } catch {
      return refuse(what);
    }
    let record = apply(weakGet, ballast, [owner]);
    if (record === undefined) {
      record = create(null);
      record.n = 0;
      record.charged = 0;
      apply(weakSet, ballast, [owner, record]);
    }
    record[record.n++] = chunk;
    record.charged += bytes;
  };
  const charged = (owner: object): number => {
    const record = apply(weakGet, ballast, [owner]);
    return record === undefined ? 0 : record.charged;
  };

  // ---- resizable ArrayBuffers ----
  const realResize = proto.resize;
  const realTransfer = proto.transfer;
  const byteLengthOf = getOwnPropertyDescriptor(proto, 'byteLength')!.get!;
  const resizableOf = getOwnPropertyDescriptor(proto, 'resizable')!.get!;
  /**
   * Every resizable buffer also costs a fixed fee (the memory mappings it takes: thousands of them
   * abort the process), so an environment holds at most limit / fee of them at once; dropped ones
   * are collected with their ballast when the allocator asks for a garbage collection.
   */
  const track = (buffer: ArrayBuffer, what: string): void => charge(buffer, FEE, `${what} (each resizable ArrayBuffer also counts ${FEE / 1048576} MB)`);
  /** ToIndex, read once (a valueOf that changes its answer is asked once). */
  const index = (value: unknown): number => {
    const n = NumberCtor(value);
    return n !== n ? 0 : trunc(n);
  };

  const GuardedArrayBuffer = function ArrayBuffer(this: unknown, length: unknown, opts?: unknown): ArrayBuffer {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor ArrayBuffer requires 'new'");
    const max = opts !== null && typeof opts === 'object' ? (opts as { maxByteLength?: unknown }).maxByteLength : undefined;
    if (max === undefined) return construct(RealArrayBuffer, [length], new.target) as ArrayBuffer;
    const n = index(length);
    let m = index(max);
    if (m > limit) m = limit;
    const what = `new ArrayBuffer(${n}, { maxByteLength })`;
    if (exhausted) refuse(what);
    const buffer = construct(RealArrayBuffer, [n, { maxByteLength: m }], new.target) as ArrayBuffer;
    track(buffer, what);
    charge(buffer, n, what);
    return buffer;
  };
  defineProperty(GuardedArrayBuffer, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
  defineProperty(GuardedArrayBuffer, 'length', { value: 1, configurable: true });
  defineProperty(GuardedArrayBuffer, 'isView', { value: RealArrayBuffer.isView, writable: true, configurable: true, enumerable: false });
  defineProperty(GuardedArrayBuffer, Symbol.species, {
    get: function () {
      return this;
    },
    configurable: true,
    enumerable: false,
  });
  defineProperty(proto, 'constructor', { value: GuardedArrayBuffer, writable: true, configurable: true, enumerable: false });
  defineProperty(g, 'ArrayBuffer', { value: GuardedArrayBuffer, writable: true, configurable: true, enumerable: false });

  defineProperty(proto, 'resize', {
    value: function resize(this: ArrayBuffer, newLength: unknown): void {
      const before = apply(byteLengthOf, this, []) as number; // TypeError for anything but an ArrayBuffer
      const n = index(newLength);
      const what = `ArrayBuffer.prototype.resize(${n})`;
      if (n > before) {
        const paid = charged(this);
        const owed = n - (paid >= FEE ? paid - FEE : paid);
        if (owed > 0) charge(this, owed, what);
      }
      apply(realResize, this, [n]);
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
  defineProperty(proto, 'transfer', {
    value: function transfer(this: ArrayBuffer, newLength?: unknown): ArrayBuffer {
      const resizable = apply(resizableOf, this, []) as boolean;
      if (!resizable) return apply(realTransfer, this, newLength === undefined ? [] : [newLength]) as ArrayBuffer;
      const n = newLength === undefined ? (apply(byteLengthOf, this, []) as number) : index(newLength);
      const what = `ArrayBuffer.prototype.transfer(${n})`;
      if (exhausted) refuse(what);
      const result = apply(realTransfer, this, [n]) as ArrayBuffer;
      track(result, what);
      charge(result, n, what);
      return result;
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });

  // ---- Map and Set: a bounded number of entries ----
  // Growing a Map / Set past the heap allocates its doubled table in one piece; when that does not
  // fit, V8 aborts the whole process (measured: a 64–256 MB isolate, isolated-vm 7.0.1) instead of
  // letting isolated-vm stop the isolate. Entries are capped at one per 128 bytes of the limit.
  const maxEntries = Math.floor(limit / 128);
  for (const [Ctor, adder] of [
    [g.Map, 'set'],
    [g.Set, 'add'],
  ] as Array<[any, string]>) {
    const p = Ctor.prototype;
    const realAdd = p[adder];
    const realHas = p.has;
    const sizeOf = getOwnPropertyDescriptor(p, 'size')!.get!;
    const what = `${Ctor.name}.prototype.${adder}() past ${maxEntries} entries`;
    defineProperty(p, adder, {
      value: {
        [adder]: function (this: unknown, key: unknown, value: unknown) {
          if ((apply(sizeOf, this, []) as number) >= maxEntries && !apply(realHas, this, [key])) refuse(what);
          return apply(realAdd, this, [key, value]);
        },
      }[adder],
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  // ---- Array methods over huge lengths: one builtin call that neither the timeout nor the memory limit stops ----
  // Measured in a 64 MB environment with a 2 s budget: `new Array(1e8).fill(0)` ran 15 s and took
  // 1.4 GB, `Array.from({ length: 1e8 })` 9 s and 1.4 GB, `toSorted()` of it 12 s and 1.4 GB,
  // `new Array(1e9).forEach(f)` 19 s, `lastIndexOf` 29 s, `indexOf` 11 s, `sort` / `copyWithin` /
  // `splice` of a sparse 1e8 array 6 s: V8 walks `length` inside one call, where isolated-vm's
  // timer cannot interrupt it. So these methods run over at most one element per 8 bytes of the
  // limit (8,388,608 in 64 MB: a dense array of that many fills the memory), else a RangeError
  // before anything runs.
  const maxElements = Math.max(1 << 20, Math.floor(limit / 8));
  const toLength = (value: unknown): number => {
    const n = NumberCtor(value);
    if (!(n > 0)) return 0;
    return n === Infinity ? 9007199254740991 : trunc(n);
  };
  const tooLong = (what: string, n: number): never => {
    throw new RangeErrorCtor(
      `${what} over ${n} elements: the sandbox runs an array method over at most ${maxElements} elements in a ${mb(limit)} environment (one such call cannot be stopped by the timeout, and ${maxElements} elements of 8 bytes fill its memory)`,
    );
  };
  // A getter can answer 1 here and 1e9 to V8's own read (measured: `lastIndexOf` ran 11 s), so an
  // object that is not an array may not have a `length` getter of its own making; the built-in
  // typed-array getter is stable. (A Proxy's traps are JavaScript, which the timeout interrupts.)
  const isArray = Array.isArray;
  const typedLength = getOwnPropertyDescriptor(getPrototypeOf(g.Uint8Array.prototype), 'length')?.get;
  const lengthGetter = (o: object): boolean => {
    for (let p: object | null = o; p !== null; p = getPrototypeOf(p)) {
      const d = getOwnPropertyDescriptor(p, 'length');
      if (d) return d.get !== undefined && d.get !== typedLength;
    }
    return false;
  };
  const lengthOf = (o: unknown, what: string): number => {
    if (o === null || o === undefined) return 0;
    if ((typeof o === 'object' || typeof o === 'function') && !isArray(o) && lengthGetter(o)) {
      throw new TypeErrorCtor(`${what} on an object whose length is a getter: the sandbox runs array methods on arrays and on array-likes whose length is a plain value`);
    }
    return toLength((o as { length?: unknown }).length);
  };
  const ArrayProto: any = g.Array.prototype;
  for (const name of ['at', 'copyWithin', 'every', 'fill', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'flat', 'flatMap', 'forEach', 'includes', 'indexOf', 'join', 'lastIndexOf', 'map', 'reduce', 'reduceRight', 'reverse', 'shift', 'slice', 'some', 'sort', 'splice', 'toLocaleString', 'toReversed', 'toSorted', 'toSpliced', 'toString', 'unshift', 'with']) {
    const real = ArrayProto[name];
    if (typeof real !== 'function') continue;
    const what = `Array.prototype.${name}()`;
    const guarded = {
      [name]: function (this: unknown) {
        const n = lengthOf(this, what);
        if (n > maxElements) tooLong(what, n);
        // eslint-disable-next-line prefer-rest-params
        return apply(real, this, arguments as unknown as unknown[]);
      },
    }[name];
    defineProperty(guarded, 'length', { value: real.length, configurable: true });
    defineProperty(ArrayProto, name, { value: guarded, writable: true, configurable: true, enumerable: false });
  }
  const realFrom = g.Array.from;
  const guardedFrom = {
    from: function (this: unknown, items: unknown) {
      const n = lengthOf(items, 'Array.from()');
      if (n > maxElements) tooLong('Array.from()', n);
      // eslint-disable-next-line prefer-rest-params
      return apply(realFrom, this, arguments as unknown as unknown[]);
    },
  }.from;
  defineProperty(guardedFrom, 'length', { value: realFrom.length, configurable: true });
  defineProperty(g.Array, 'from', { value: guardedFrom, writable: true, configurable: true, enumerable: false });

  // `'x'.repeat(1e8).split('')` made 100,000,000 strings in one call (954 MB resident in a 64 MB
  // environment): a split stops after maxPieces + 1 pieces (a quarter of maxElements: their
  // pointers alone take a quarter of the memory), and more is a RangeError.
  const maxPieces = Math.floor(maxElements / 4);
  const StringProto: any = g.String.prototype;
  const realSplit = StringProto.split;
  const guardedSplit = {
    split: function (this: unknown, separator: unknown, limitArg?: unknown) {
      const wanted = limitArg === undefined ? 4294967295 : NumberCtor(limitArg) >>> 0;
      const pieces = apply(realSplit, this, [separator, wanted > maxPieces ? maxPieces + 1 : wanted]) as string[];
      if (pieces.length > maxPieces) {
        throw new RangeErrorCtor(`String.prototype.split() into more than ${maxPieces} pieces: the sandbox splits a string into at most ${maxPieces} pieces in a ${mb(limit)} environment (one such call cannot be stopped by the timeout)`);
      }
      return pieces;
    },
  }.split;
  defineProperty(guardedSplit, 'length', { value: realSplit.length, configurable: true });
  defineProperty(StringProto, 'split', { value: guardedSplit, writable: true, configurable: true, enumerable: false });

  // ---- Intl objects that hold native (ICU) memory: charged their measured worst case ----
  const RealIntl = g.Intl;
  if (RealIntl !== undefined) {
    const costs: Array<[string, number]> = [
      ['DateTimeFormat', 128 * 1024],
      ['Segmenter', 16 * 1024],
      ['Collator', 4 * 1024],
      ['NumberFormat', 4 * 1024],
    ];
    for (const [name, cost] of costs) {
      const Real = RealIntl[name];
      if (typeof Real !== 'function') continue;
      const what = `new Intl.${name}()`;
      const Guarded = {
        [name]: function (this: unknown, locales?: unknown, opts?: unknown) {
          if (exhausted) refuse(what);
          const made = construct(Real, [locales, opts], new.target ?? Real) as object;
          charge(made, cost, what);
          return made;
        },
      }[name];
      defineProperty(Guarded, 'prototype', { value: Real.prototype, writable: false, enumerable: false, configurable: false });
      defineProperty(Guarded, 'length', { value: 0, configurable: true });
      defineProperty(Guarded, 'supportedLocalesOf', { value: Real.supportedLocalesOf, writable: true, configurable: true, enumerable: false });
      defineProperty(Real.prototype, 'constructor', { value: Guarded, writable: true, configurable: true, enumerable: false });
      defineProperty(RealIntl, name, { value: Guarded, writable: true, configurable: true, enumerable: false });
    }
    // segment() and its iterators clone the break iterator (measured ~4 KB and ~2 KB).
    const Segmenter = RealIntl.Segmenter;
    if (typeof Segmenter === 'function') {
      const realSegment = Segmenter.prototype.segment;
      defineProperty(Segmenter.prototype, 'segment', {
        value: function segment(this: unknown, input: unknown) {
          const segments = apply(realSegment, this, [input]) as object;
          charge(segments, 8 * 1024, 'Intl.Segmenter.prototype.segment()');
          return segments;
        },
        writable: true,
        configurable: true,
        enumerable: false,
      });
      const segmentsProto = getPrototypeOf(apply(realSegment, construct(Segmenter, []), ['']));
      const realIterator = segmentsProto[Symbol.iterator];
      defineProperty(segmentsProto, Symbol.iterator, {
        value: {
          [Symbol.iterator]: function (this: unknown) {
            const iterator = apply(realIterator, this, []) as object;
            charge(iterator, 4 * 1024, 'Intl segments iterator');
            return iterator;
          },
        }[Symbol.iterator],
        writable: true,
        configurable: true,
        enumerable: false,
      });
    }
  }
}
