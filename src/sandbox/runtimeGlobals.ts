/**
 * The globals every AWS Lambda Node.js runtime has that a bare V8 context lacks: `Buffer` (also as
 * `require('buffer')` / `import { Buffer } from 'node:buffer'`), `atob` / `btoa`, `TextEncoder` /
 * `TextDecoder` and `DOMException`. Learner code that decodes a Kinesis record with
 * `Buffer.from(record.kinesis.data, 'base64').toString()` or `new TextDecoder().decode(…)` then
 * runs in the lab as it does on AWS.
 *
 * Written in plain JavaScript over the container's own built-ins and installed by the bootstrap
 * inside every container (an isolate, or a vm context: the same code, so both executors give the
 * same bytes); nothing of the host is reachable from it. Behaviour follows Node 24 — including its
 * lenient base64 decoder (characters outside the alphabet are skipped, the first `=` ends the data,
 * both alphabets in either encoding) and WHATWG's UTF-8 decoding (each maximal invalid subsequence
 * becomes U+FFFD) — and `test/unit/runtimeGlobals.test.ts` compares it with Node's own results.
 *
 * Allocation: a Buffer is a `Uint8Array` over a plain ArrayBuffer, which isolated-vm's allocator
 * counts against the isolate's limit. A length past the environment's memory, or an allocation the
 * allocator refuses, is reported as out of memory (`outOfMemory`: the host kills the environment,
 * `Runtime.OutOfMemory`, as Lambda does) and throws a RangeError — in both executors alike.
 * `allocUnsafe` zero-fills (no shared pool): a run is the same, byte for byte, for a seed.
 *
 * Self-contained (no imports; only the built-ins of the container it runs in), like virtualTime.ts.
 */

import { structuredCloneOf } from './structuredClone';
import { urlClasses } from './url';
import { nodeCryptoModule } from './nodeCrypto';
import { processModule, type ProcessOptions } from './processGlobal';

export interface RuntimeGlobalsOptions {
  /** The environment's memory, bytes: no single Buffer may be longer. */
  limitBytes: number;
  /** An allocation does not fit: the environment is out of memory (`what` names it). */
  outOfMemory: (what: string) => void;
  /** What `process` is made of (processGlobal.ts). */
  process: ProcessOptions;
}

/** What the bootstrap gets back: the loader of the Node modules the container answers, and what it runs as each entry ends. */
export interface RuntimeParts {
  load: (name: string) => object | undefined;
  /** Run the `process.nextTick` callbacks queued so far (a no-op until `process` is first used). */
  runTicks: () => void;
}

/** What `require('buffer')` answers. */
export interface BufferModule {
  Buffer: unknown;
  atob: (data: unknown) => string;
  btoa: (data: unknown) => string;
  constants: { MAX_LENGTH: number; MAX_STRING_LENGTH: number };
  kMaxLength: number;
  kStringMaxLength: number;
}

/** The bootstrap's view of `runtimeGlobals` with its parts bound (`RUNTIME_GLOBALS_SOURCE`). */
export type InstallRuntime = (g: any, options: RuntimeGlobalsOptions) => RuntimeParts;

/**
 * Installs the globals lazily and returns the loader of the Node modules the container answers.
 * Building them takes ~2.5 ms of a cold start in an isolate (compiling their code), and most
 * handlers never touch them: each name is an accessor until first read, which builds its group
 * (Buffer and the text codecs; DOMException; structuredClone) and puts plain properties in place.
 * Assigning one replaces it, as for any global. The other parts come as self-contained functions
 * of their own modules (`cloneOf`: structuredClone.ts; `urlOf`: url.ts; `cryptoOf`: nodeCrypto.ts).
 */
export function runtimeGlobals(g: any, options: RuntimeGlobalsOptions, cloneOf: typeof structuredCloneOf, urlOf: typeof urlClasses, cryptoOf: typeof nodeCryptoModule, processOf: typeof processModule): RuntimeParts {
  'use strict';
  const defineProperty = Object.defineProperty;
  const getOwnPropertyDescriptor = Object.getOwnPropertyDescriptor;
  // The built-ins as they are before any learner code runs (ArrayBuffer: the memory guard's).
  const builtins = { Uint8Array: g.Uint8Array, ArrayBuffer: g.ArrayBuffer, DataView: g.DataView, transfer: g.ArrayBuffer.prototype.transfer, RangeError: g.RangeError };
  const plain = (name: string, value: unknown): void => defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  /** An allocation does not fit: the host is told (it kills the environment), and a RangeError is thrown. */
  const refuse = (what: string): never => {
    options.outOfMemory(what);
    throw new builtins.RangeError(`out of memory: ${what} would take the environment past its ${Math.round(options.limitBytes / 1048576)} MB memory limit`);
  };
  /** Names that build `make()` on first read; returns what was built. */
  const lazy = (names: string[], make: () => Record<string, unknown>): (() => Record<string, unknown>) => {
    let made: Record<string, unknown> | undefined;
    const getters: Record<string, () => unknown> = {};
    const built = (): Record<string, unknown> => {
      if (made) return made;
      made = make();
      for (const name of names) {
        const d = getOwnPropertyDescriptor(g, name);
        if (d && d.get === getters[name]) plain(name, made[name]);
      }
      return made;
    };
    for (const name of names) {
      getters[name] = function () {
        return built()[name];
      };
      defineProperty(g, name, {
        get: getters[name],
        set: function (value: unknown) {
          plain(name, value);
        },
        configurable: true,
        enumerable: false,
      });
    }
    return built;
  };
  const domException = lazy(['DOMException'], () => ({ DOMException: makeDOMException() }));
  const DOMExceptionOf = (): any => domException().DOMException;
  const buffer = lazy(['Buffer', 'atob', 'btoa', 'TextEncoder', 'TextDecoder'], () => build(builtins, options, refuse, DOMExceptionOf));
  lazy(['structuredClone'], () => ({ structuredClone: cloneOf(builtins, { DOMException: DOMExceptionOf, refuse }) }));
  lazy(['URL', 'URLSearchParams'], () => urlOf());
  let processParts: ReturnType<typeof processModule> | undefined;
  const proc = lazy(['process'], () => {
    processParts = processOf(g, options.process);
    return { process: processParts.process };
  });
  let cryptoModule: object | undefined;
  return {
    /** The Node modules the container answers (`require('buffer')`, `import … from 'node:crypto'`), made on first import; undefined for others. */
    load: (name: string): object | undefined => {
      if (name === 'buffer' || name === 'node:buffer') return buffer().module as BufferModule;
      if (name === 'crypto' || name === 'node:crypto') return (cryptoModule ??= cryptoOf(g, buffer().Buffer));
      if (name === 'process' || name === 'node:process') return proc().process as object;
      return undefined;
    },
    runTicks: (): void => {
      if (processParts) processParts.runTicks();
    },
  };

  /** DOMException as Node has it: an Error with a `name` and its legacy `code`. */
  function makeDOMException(): unknown {
    const codes: Record<string, number> = { IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12, InvalidCharacterError: 5, DataCloneError: 25, QuotaExceededError: 22, AbortError: 20, TimeoutError: 23, NetworkError: 19, InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, URLMismatchError: 21, InvalidNodeTypeError: 24 };
    return class DOMException extends Error {
      constructor(message?: unknown, nameOrOptions?: unknown) {
        super(message === undefined ? '' : String(message));
        const name = typeof nameOrOptions === 'object' && nameOrOptions !== null ? (nameOrOptions as { name?: unknown }).name : nameOrOptions;
        defineProperty(this, 'name', { value: name === undefined ? 'Error' : String(name), writable: true, configurable: true, enumerable: false });
      }
      get code(): number {
        return Object.hasOwn(codes, this.name) ? codes[this.name] : 0;
      }
    };
  }

  /** Everything, built on first use (a function declaration: hoisted, and inside this function's source). */
  function build(builtins: { Uint8Array: any; ArrayBuffer: any; DataView: any }, options: RuntimeGlobalsOptions, refuse: (what: string) => never, DOMExceptionOf: () => any): Record<string, unknown> {
    'use strict';
    const defineProperty = Object.defineProperty;
    const setPrototypeOf = Object.setPrototypeOf;
    const freeze = Object.freeze;
    const apply = Reflect.apply;
    const fromCharCode = String.fromCharCode;
    const StringCtor = String;
    const NumberCtor = Number;
    const isArray = Array.isArray;
    const floor = Math.floor;
    const min = Math.min;
    const max = Math.max;
    const TypeErrorCtor = TypeError;
    const RangeErrorCtor = RangeError;
    const Uint8 = builtins.Uint8Array as Uint8ArrayConstructor;
    const ArrayBufferCtor = builtins.ArrayBuffer as ArrayBufferConstructor;
    const isView = ArrayBufferCtor.isView;
    const u8proto = Uint8.prototype;
    const typedArrayProto = Object.getPrototypeOf(u8proto);
    const byteLengthOf = Object.getOwnPropertyDescriptor(typedArrayProto, 'byteLength')!.get!;
    const tagOf = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag)!.get!;
    const abByteLength = Object.getOwnPropertyDescriptor(ArrayBufferCtor.prototype, 'byteLength')!.get!;
    const u8set = u8proto.set;
    const u8subarray = u8proto.subarray;
    const u8fill = u8proto.fill;
    const toStringTag = Object.prototype.toString;
    const limit = options.limitBytes;
    const MAX_LENGTH = 9007199254740991;
    const MAX_STRING_LENGTH = 536870888;

    const coded = <E extends Error>(error: E, code: string): E => {
      defineProperty(error, 'code', { value: code, writable: true, configurable: true, enumerable: false });
      return error;
    };
    const describe = (value: unknown): string => {
      if (value === null || value === undefined) return ` Received ${value}`;
      if (typeof value === 'function') return ` Received function ${(value as { name?: string }).name || '<anonymous>'}`;
      if (typeof value === 'object') {
        const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
        return typeof name === 'string' && name ? ` Received an instance of ${name}` : ' Received [object]';
      }
      let shown = typeof value === 'string' ? `'${value.length > 25 ? value.slice(0, 25) + '...' : value}'` : StringCtor(value as number);
      if (typeof value === 'bigint') shown += 'n';
      return ` Received type ${typeof value} (${shown})`;
    };
    const outOfRange = (name: string, range: string, value: unknown): RangeError =>
      coded(new RangeErrorCtor(`The value of "${name}" is out of range. It must be ${range}. Received ${StringCtor(value)}`), 'ERR_OUT_OF_RANGE');

    // ---- memory: one place every buffer is made ----
    const mb = (bytes: number): string => `${Math.round(bytes / 1048576)} MB`;
    /** A zeroed FastBuffer of `length` bytes (a checked, whole number). */
    const allocate = (length: number, what: string): any => {
      if (length > limit) refuse(`${what} (${mb(length)})`);
      try {
        return new FastBuffer(length);
      } catch (err) {
        if (err instanceof RangeErrorCtor) refuse(`${what} (${mb(length)})`);
        throw err;
      }
    };
    const checkSize = (size: unknown): number => {
      if (typeof size !== 'number') throw coded(new TypeErrorCtor(`The "size" argument must be of type number.${describe(size)}`), 'ERR_INVALID_ARG_TYPE');
      if (!(size >= 0 && size <= MAX_LENGTH)) throw outOfRange('size', `>= 0 && <= ${MAX_LENGTH}`, size);
      return floor(size);
    };

    // ---- encodings ----
    const ENCODINGS: Record<string, string> = {
      utf8: 'utf8', 'utf-8': 'utf8', hex: 'hex', base64: 'base64', base64url: 'base64url', latin1: 'latin1', binary: 'latin1',
      ascii: 'ascii', ucs2: 'utf16le', 'ucs-2': 'utf16le', utf16le: 'utf16le', 'utf-16le': 'utf16le',
    };
    const normalize = (encoding: unknown): string | undefined => {
      if (encoding === undefined || encoding === null || encoding === '') return 'utf8';
      const e = ENCODINGS[StringCtor(encoding).toLowerCase()];
      return e === undefined || !Object.hasOwn(ENCODINGS, StringCtor(encoding).toLowerCase()) ? undefined : e;
    };
    const encodingOf = (encoding: unknown): string => {
      const e = normalize(encoding);
      if (e === undefined) throw coded(new TypeErrorCtor(`Unknown encoding: ${StringCtor(encoding)}`), 'ERR_UNKNOWN_ENCODING');
      return e;
    };

    /** UTF-8 bytes of a string: a lone surrogate becomes U+FFFD (EF BF BD), as in Node and TextEncoder. */
    const utf8Length = (s: string): number => {
      let n = 0;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) n += 1;
        else if (c < 0x800) n += 2;
        else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          n += 4;
          i++;
        } else n += 3;
      }
      return n;
    };
    /** Write `s` as UTF-8 into `out` from `at`, whole characters only, at most `room` bytes: [units read, bytes written]. */
    const utf8Write = (s: string, out: Uint8Array, at: number, room: number): [number, number] => {
      let p = at;
      const end = at + room;
      let i = 0;
      for (; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c < 0x80) {
          if (p + 1 > end) break;
          out[p++] = c;
        } else if (c < 0x800) {
          if (p + 2 > end) break;
          out[p++] = 0xc0 | (c >> 6);
          out[p++] = 0x80 | (c & 0x3f);
        } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          if (p + 4 > end) break;
          c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(i + 1) - 0xdc00);
          out[p++] = 0xf0 | (c >> 18);
          out[p++] = 0x80 | ((c >> 12) & 0x3f);
          out[p++] = 0x80 | ((c >> 6) & 0x3f);
          out[p++] = 0x80 | (c & 0x3f);
          i++;
        } else {
          if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
          if (p + 3 > end) break;
          out[p++] = 0xe0 | (c >> 12);
          out[p++] = 0x80 | ((c >> 6) & 0x3f);
          out[p++] = 0x80 | (c & 0x3f);
        }
      }
      return [i, p - at];
    };

    /** Code units to a string, in chunks (an argument list has a bounded length). */
    const unitsToString = (units: number[], count: number): string => {
      let s = '';
      for (let i = 0; i < count; i += 8192) s += apply(fromCharCode, undefined, units.slice(i, min(count, i + 8192)));
      return s;
    };

    /**
     * WHATWG's UTF-8 decoder (Encoding Standard §8.1.1): each maximal subpart of an invalid sequence
     * becomes one U+FFFD. `state` carries an incomplete sequence from one streamed chunk to the next.
     */
    interface Utf8State {
      cp: number;
      needed: number;
      seen: number;
      lower: number;
      upper: number;
    }
    const freshState = (): Utf8State => ({ cp: 0, needed: 0, seen: 0, lower: 0x80, upper: 0xbf });
    const utf8Decode = (bytes: Uint8Array, start: number, end: number, state: Utf8State, flush: boolean, fatal: boolean): string => {
      const units: number[] = [];
      let n = 0;
      let out = '';
      const bad = (): void => {
        if (fatal) throw coded(new TypeErrorCtor('The encoded data was not valid for encoding utf-8'), 'ERR_ENCODING_INVALID_ENCODED_DATA');
        units[n++] = 0xfffd;
      };
      for (let i = start; i < end; i++) {
        const b = bytes[i];
        if (state.needed === 0) {
          if (b <= 0x7f) units[n++] = b;
          else if (b >= 0xc2 && b <= 0xdf) {
            state.needed = 1;
            state.cp = b & 0x1f;
          } else if (b >= 0xe0 && b <= 0xef) {
            if (b === 0xe0) state.lower = 0xa0;
            if (b === 0xed) state.upper = 0x9f;
            state.needed = 2;
            state.cp = b & 0xf;
          } else if (b >= 0xf0 && b <= 0xf4) {
            if (b === 0xf0) state.lower = 0x90;
            if (b === 0xf4) state.upper = 0x8f;
            state.needed = 3;
            state.cp = b & 0x7;
          } else bad();
        } else if (b < state.lower || b > state.upper) {
          state.cp = state.needed = state.seen = 0;
          state.lower = 0x80;
          state.upper = 0xbf;
          bad();
          i--; // the byte starts over
        } else {
          state.lower = 0x80;
          state.upper = 0xbf;
          state.cp = (state.cp << 6) | (b & 0x3f);
          if (++state.seen === state.needed) {
            const cp = state.cp;
            state.cp = state.needed = state.seen = 0;
            if (cp >= 0x10000) {
              units[n++] = 0xd800 + ((cp - 0x10000) >> 10);
              units[n++] = 0xdc00 + ((cp - 0x10000) & 0x3ff);
            } else units[n++] = cp;
          }
        }
        if (n >= 65536) {
          out += unitsToString(units, n);
          n = 0;
        }
      }
      if (flush && state.needed !== 0) {
        state.cp = state.needed = state.seen = 0;
        state.lower = 0x80;
        state.upper = 0xbf;
        bad();
      }
      return out + unitsToString(units, n);
    };

    const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    /** Both alphabets decode in either encoding (as in Node); 255: not in the alphabet. */
    const UNB64 = new Uint8(256);
    apply(u8fill, UNB64, [255]);
    for (let i = 0; i < 64; i++) {
      UNB64[B64.charCodeAt(i)] = i;
      UNB64[B64URL.charCodeAt(i)] = i;
    }
    const base64Encode = (bytes: Uint8Array, start: number, end: number, alphabet: string, pad: boolean): string => {
      // Character codes into an array, turned into text in chunks (concatenating 4 characters at a time is ~3x slower).
      const a: number[] = [];
      for (let k = 0; k < 64; k++) a[k] = alphabet.charCodeAt(k);
      const units: number[] = [];
      let n = 0;
      let out = '';
      let i = start;
      for (; i + 2 < end; i += 3) {
        const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        units[n++] = a[v >> 18];
        units[n++] = a[(v >> 12) & 63];
        units[n++] = a[(v >> 6) & 63];
        units[n++] = a[v & 63];
        if (n >= 65536) {
          out += unitsToString(units, n);
          n = 0;
        }
      }
      if (end - i === 1) {
        const v = bytes[i] << 16;
        units[n++] = a[v >> 18];
        units[n++] = a[(v >> 12) & 63];
        if (pad) {
          units[n++] = 61;
          units[n++] = 61;
        }
      } else if (end - i === 2) {
        const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
        units[n++] = a[v >> 18];
        units[n++] = a[(v >> 12) & 63];
        units[n++] = a[(v >> 6) & 63];
        if (pad) units[n++] = 61;
      }
      return out + unitsToString(units, n);
    };
    /** Node's decoded-size estimate (the buffer is then cut to what was decoded). */
    const base64Length = (s: string): number => {
      let n = s.length;
      if (n > 0 && s.charCodeAt(n - 1) === 0x3d) n--;
      if (n > 1 && s.charCodeAt(n - 1) === 0x3d) n--;
      return (n * 3) >>> 2;
    };
    /** Node's lenient decoder: characters outside both alphabets are skipped, the first `=` ends the data. */
    const base64Decode = (s: string, out: Uint8Array, at: number, room: number): number => {
      let acc = 0;
      let bits = 0;
      let p = at;
      const end = at + room;
      for (let i = 0; i < s.length && p < end; i++) {
        const c = s.charCodeAt(i) & 0xff;
        const v = UNB64[c];
        if (v === 255) {
          if (c === 0x3d) break;
          continue;
        }
        acc = ((acc << 6) | v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
          bits -= 8;
          out[p++] = (acc >> bits) & 0xff;
        }
      }
      return p - at;
    };
    const HEX = '0123456789abcdef';
    const unhex = (c: number): number => (c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1);

    /** Bytes `s` takes in `encoding` (Node's figure: an estimate for base64 and hex). */
    const byteLengthIn = (s: string, encoding: string): number => {
      switch (encoding) {
        case 'utf8':
          return utf8Length(s);
        case 'base64':
        case 'base64url':
          return base64Length(s);
        case 'hex':
          return s.length >>> 1;
        case 'utf16le':
          return s.length * 2;
        default:
          return s.length;
      }
    };
    /** Write `s` in `encoding` into `out[at, at + room)`: the bytes written. */
    const writeString = (s: string, encoding: string, out: Uint8Array, at: number, room: number): number => {
      switch (encoding) {
        case 'utf8':
          return utf8Write(s, out, at, room)[1];
        case 'base64':
        case 'base64url':
          return base64Decode(s, out, at, room);
        case 'hex': {
          let n = 0;
          for (; n < room && 2 * n + 1 < s.length; n++) {
            const hi = unhex(s.charCodeAt(2 * n));
            const lo = unhex(s.charCodeAt(2 * n + 1));
            if (hi < 0 || lo < 0) break;
            out[at + n] = (hi << 4) | lo;
          }
          return n;
        }
        case 'utf16le': {
          let n = 0;
          for (let i = 0; i < s.length && n + 2 <= room; i++) {
            const c = s.charCodeAt(i);
            out[at + n++] = c & 0xff;
            out[at + n++] = c >> 8;
          }
          return n;
        }
        default: {
          const n = min(room, s.length);
          for (let i = 0; i < n; i++) out[at + i] = s.charCodeAt(i) & 0xff;
          return n;
        }
      }
    };
    const fromString = (s: string, encoding: string): any => {
      const estimate = byteLengthIn(s, encoding);
      const buf = allocate(estimate, 'Buffer.from(string)');
      const written = writeString(s, encoding, buf, 0, estimate);
      return written === estimate ? buf : apply(u8subarray, buf, [0, written]);
    };
    const latin1 = (bytes: Uint8Array, start: number, end: number, mask: number): string => {
      const units: number[] = [];
      let out = '';
      let n = 0;
      for (let i = start; i < end; i++) {
        units[n++] = bytes[i] & mask;
        if (n === 65536) {
          out += unitsToString(units, n);
          n = 0;
        }
      }
      return out + unitsToString(units, n);
    };
    const decodeBytes = (bytes: Uint8Array, encoding: string, start: number, end: number): string => {
      switch (encoding) {
        case 'utf8':
          return utf8Decode(bytes, start, end, freshState(), true, false);
        case 'base64':
          return base64Encode(bytes, start, end, B64, true);
        case 'base64url':
          return base64Encode(bytes, start, end, B64URL, false);
        case 'hex': {
          const parts: string[] = [];
          let s = '';
          for (let i = start; i < end; i++) {
            s += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
            if (s.length >= 65536) {
              parts[parts.length] = s;
              s = '';
            }
          }
          return parts.join('') + s;
        }
        case 'utf16le': {
          const units: number[] = [];
          let out = '';
          let n = 0;
          for (let i = start; i + 1 < end; i += 2) {
            units[n++] = bytes[i] | (bytes[i + 1] << 8);
            if (n === 65536) {
              out += unitsToString(units, n);
              n = 0;
            }
          }
          return out + unitsToString(units, n);
        }
        case 'ascii':
          return latin1(bytes, start, end, 0x7f);
        default:
          return latin1(bytes, start, end, 0xff);
      }
    };

    // ---- Buffer: Node's shape, a function whose prototype is that of a Uint8Array subclass ----
    class FastBuffer extends Uint8 {
      constructor(a?: any, b?: any, c?: any) {
        super(a, b, c);
      }
    }
    const isUint8 = (v: unknown): v is Uint8Array => isView(v) && (apply(tagOf, v, []) === 'Uint8Array');
    const isBuffer = (v: unknown): boolean => v instanceof FastBuffer;

    const from = function from(value: unknown, encodingOrOffset?: unknown, length?: unknown): any {
      if (typeof value === 'string') return fromString(value, encodingOf(encodingOrOffset));
      if (typeof value === 'object' && value !== null) {
        if (isView(value)) {
          const view = value as ArrayLike<number> & ArrayBufferView;
          if (isUint8(view)) {
            const n = apply(byteLengthOf, view, []) as number;
            const buf = allocate(n, 'Buffer.from(buffer)');
            apply(u8set, buf, [view]);
            return buf;
          }
          const n = (view as unknown as { length: number }).length;
          const buf = allocate(n, 'Buffer.from(typed array)');
          for (let i = 0; i < n; i++) buf[i] = NumberCtor(view[i]) & 0xff;
          return buf;
        }
        let total = -1;
        try {
          total = apply(abByteLength, value, []) as number;
        } catch {
          // not an ArrayBuffer
        }
        if (total >= 0 || apply(toStringTag, value, []) === '[object SharedArrayBuffer]') {
          const offset = encodingOrOffset === undefined ? 0 : +(encodingOrOffset as number) || 0;
          if (offset < 0 || offset > total) throw coded(new RangeErrorCtor('"offset" is outside of buffer bounds'), 'ERR_BUFFER_OUT_OF_BOUNDS');
          const len = length === undefined ? total - offset : +(length as number) || 0;
          if (len < 0 || offset + len > total) throw coded(new RangeErrorCtor('"length" is outside of buffer bounds'), 'ERR_BUFFER_OUT_OF_BOUNDS');
          return new FastBuffer(value as ArrayBuffer, floor(offset), floor(len));
        }
        const primitive = (value as { valueOf?: () => unknown }).valueOf?.();
        if (primitive !== undefined && primitive !== null && primitive !== value) return from(primitive, encodingOrOffset, length);
        const like = value as { length?: unknown; type?: unknown; data?: unknown };
        if (typeof like.length === 'number' || isArray(like)) return fromArrayLike(like as ArrayLike<unknown>);
        if (like.type === 'Buffer' && isArray(like.data)) return fromArrayLike(like.data);
        const toPrimitive = (value as Record<symbol, unknown>)[Symbol.toPrimitive];
        if (typeof toPrimitive === 'function') {
          const p = apply(toPrimitive, value, ['string']);
          if (typeof p === 'string') return fromString(p, encodingOf(encodingOrOffset));
        }
      }
      throw coded(new TypeErrorCtor(`The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object.${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
    };
    const fromArrayLike = (like: ArrayLike<unknown>): any => {
      const raw = NumberCtor(like.length);
      const n = raw > 0 ? floor(raw) : 0;
      const buf = allocate(n, 'Buffer.from(array)');
      for (let i = 0; i < n; i++) buf[i] = NumberCtor(like[i]) & 0xff;
      return buf;
    };
    const alloc = function alloc(size: unknown, fill?: unknown, encoding?: unknown): any {
      const n = checkSize(size);
      const buf = allocate(n, `Buffer.alloc(${n})`);
      if (fill !== undefined && fill !== 0 && n > 0) fillBuffer(buf, fill, 0, n, encoding);
      return buf;
    };
    const allocUnsafe = function allocUnsafe(size: unknown): any {
      const n = checkSize(size);
      return allocate(n, `Buffer.allocUnsafe(${n})`);
    };
    const byteLength = function byteLength(value: unknown, encoding?: unknown): number {
      if (typeof value !== 'string') {
        if (isView(value)) return (value as ArrayBufferView).byteLength;
        try {
          return apply(abByteLength, value, []) as number;
        } catch {
          throw coded(new TypeErrorCtor(`The "string" argument must be of type string or an instance of Buffer or ArrayBuffer.${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
        }
      }
      return byteLengthIn(value, normalize(encoding) ?? 'utf8');
    };
    const viewBytes = (v: unknown, what: string): Uint8Array => {
      if (isUint8(v)) return v;
      throw coded(new TypeErrorCtor(`The "${what}" argument must be an instance of Buffer or Uint8Array.${describe(v)}`), 'ERR_INVALID_ARG_TYPE');
    };
    const concat = function concat(list: unknown, totalLength?: unknown): any {
      if (!isArray(list)) throw coded(new TypeErrorCtor(`The "list" argument must be an instance of Array.${describe(list)}`), 'ERR_INVALID_ARG_TYPE');
      let total = 0;
      for (let i = 0; i < list.length; i++) total += viewBytes(list[i], `list[${i}]`).length;
      if (totalLength !== undefined) total = checkSize(totalLength);
      const buf = allocate(total, `Buffer.concat() of ${total} bytes`);
      let at = 0;
      for (let i = 0; i < list.length && at < total; i++) {
        const part = list[i] as Uint8Array;
        const n = min(part.length, total - at);
        apply(u8set, buf, [n === part.length ? part : apply(u8subarray, part, [0, n]), at]);
        at += n;
      }
      return buf;
    };
    const compareBytes = (a: Uint8Array, b: Uint8Array): number => {
      const n = min(a.length, b.length);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
    };

    const Buffer = function Buffer(this: unknown, arg: unknown, encodingOrOffset?: unknown, length?: unknown): any {
      // Deprecated in Node (DEP0005) but still working: `new Buffer(n)` / `Buffer(string)`.
      if (typeof arg === 'number') {
        if (typeof encodingOrOffset === 'string') throw coded(new TypeErrorCtor(`The "string" argument must be of type string.${describe(arg)}`), 'ERR_INVALID_ARG_TYPE');
        return alloc(arg);
      }
      return from(arg, encodingOrOffset, length);
    } as any;
    const proto = FastBuffer.prototype as any;
    defineProperty(Buffer, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
    defineProperty(proto, 'constructor', { value: Buffer, writable: true, configurable: true, enumerable: false });
    setPrototypeOf(Buffer, Uint8);
    const statics: Record<string, unknown> = {
      from,
      alloc,
      allocUnsafe,
      allocUnsafeSlow: function allocUnsafeSlow(size: unknown) {
        return allocUnsafe(size);
      },
      byteLength,
      concat,
      isBuffer: function isBuffer_(v: unknown) {
        return isBuffer(v);
      },
      isEncoding: function isEncoding(e: unknown) {
        return typeof e === 'string' && e.length !== 0 && normalize(e) !== undefined;
      },
      compare: function compare(a: unknown, b: unknown) {
        return compareBytes(viewBytes(a, 'buf1'), viewBytes(b, 'buf2'));
      },
      copyBytesFrom: function copyBytesFrom(view: unknown, offset?: unknown, length?: unknown) {
        if (!isView(view)) throw coded(new TypeErrorCtor(`The "view" argument must be an instance of TypedArray.${describe(view)}`), 'ERR_INVALID_ARG_TYPE');
        const v = view as unknown as { length: number; BYTES_PER_ELEMENT: number; buffer: ArrayBuffer; byteOffset: number };
        const start = offset === undefined ? 0 : min(v.length, max(0, floor(NumberCtor(offset))));
        const end = length === undefined ? v.length : min(v.length, start + max(0, floor(NumberCtor(length))));
        const bytes = new Uint8(v.buffer, v.byteOffset + start * v.BYTES_PER_ELEMENT, (end - start) * v.BYTES_PER_ELEMENT);
        return from(bytes);
      },
      of: function of(...items: unknown[]) {
        return fromArrayLike(items);
      },
      poolSize: 8192,
    };
    for (const k in statics) defineProperty(Buffer, k, { value: statics[k], writable: true, configurable: true, enumerable: k === 'poolSize' });
    defineProperty(Buffer, Symbol.species, {
      get() {
        return FastBuffer;
      },
      configurable: true,
    });

    /** Node's `start`/`end` for toString: clamped, whole numbers. */
    const bound = (v: unknown, dflt: number, len: number): number => {
      if (v === undefined) return dflt;
      const n = NumberCtor(v);
      if (n !== n || n <= 0) return 0;
      return n >= len ? len : floor(n);
    };
    const checkOffset = (buf: Uint8Array, offset: unknown, size: number): number => {
      if (offset === undefined) offset = 0;
      if (typeof offset !== 'number') throw coded(new TypeErrorCtor(`The "offset" argument must be of type number.${describe(offset)}`), 'ERR_INVALID_ARG_TYPE');
      const last = buf.length - size;
      if (!(offset === floor(offset))) throw outOfRange('offset', 'an integer', offset);
      if (last < 0) throw coded(new RangeErrorCtor('Attempt to access memory outside buffer bounds'), 'ERR_BUFFER_OUT_OF_BOUNDS');
      if (offset < 0 || offset > last) throw outOfRange('offset', `>= 0 and <= ${last}`, offset);
      return offset;
    };
    const fillBuffer = (buf: Uint8Array, value: unknown, start: number, end: number, encoding: unknown): void => {
      if (typeof value === 'number') {
        apply(u8fill, buf, [value & 0xff, start, end]);
        return;
      }
      if (typeof value === 'boolean') {
        apply(u8fill, buf, [+value, start, end]);
        return;
      }
      const bytes = typeof value === 'string' ? fromString(value, encodingOf(encoding)) : viewBytes(value, 'value');
      if (bytes.length === 0) {
        if (typeof value === 'string' && value.length === 0) {
          apply(u8fill, buf, [0, start, end]);
          return;
        }
        throw coded(new TypeErrorCtor(`The argument 'value' is invalid. Received ${StringCtor(value)}`), 'ERR_INVALID_ARG_VALUE');
      }
      for (let i = start, j = 0; i < end; i++, j = j + 1 === bytes.length ? 0 : j + 1) buf[i] = bytes[j];
    };
    const indexIn = (buf: Uint8Array, value: unknown, byteOffset: unknown, encoding: unknown, last: boolean): number => {
      if (typeof byteOffset === 'string') {
        encoding = byteOffset;
        byteOffset = undefined;
      }
      const len = buf.length;
      let from0 = byteOffset === undefined ? (last ? len : 0) : NumberCtor(byteOffset);
      if (from0 !== from0) from0 = last ? len : 0;
      from0 = floor(from0);
      if (from0 < 0) from0 += len;
      let needle: Uint8Array;
      if (typeof value === 'number') {
        needle = new Uint8(1);
        needle[0] = value & 0xff;
      } else if (typeof value === 'string') needle = fromString(value, encodingOf(encoding));
      else needle = viewBytes(value, 'value');
      const n = needle.length;
      if (n === 0) return last ? min(max(from0, 0), len) : from0 < 0 ? 0 : from0 > len ? len : from0;
      if (last) {
        for (let i = min(from0, len - n); i >= 0; i--) {
          let j = 0;
          while (j < n && buf[i + j] === needle[j]) j++;
          if (j === n) return i;
        }
        return -1;
      }
      for (let i = max(from0, 0); i + n <= len; i++) {
        let j = 0;
        while (j < n && buf[i + j] === needle[j]) j++;
        if (j === n) return i;
      }
      return -1;
    };

    const methods: Record<string, (this: any, ...args: any[]) => unknown> & ThisType<any> = {
      toString(encoding?: unknown, start?: unknown, end?: unknown) {
        const len = this.length;
        if (arguments.length === 0) return decodeBytes(this, 'utf8', 0, len);
        const s = bound(start, 0, len);
        const e = bound(end, len, len);
        if (e <= s) return '';
        return decodeBytes(this, encodingOf(encoding), s, e);
      },
      toJSON() {
        const data: number[] = [];
        for (let i = 0; i < this.length; i++) data[i] = this[i];
        return { type: 'Buffer', data };
      },
      equals(other: unknown) {
        return compareBytes(this, viewBytes(other, 'otherBuffer')) === 0;
      },
      compare(target: unknown, targetStart?: unknown, targetEnd?: unknown, sourceStart?: unknown, sourceEnd?: unknown) {
        const t = viewBytes(target, 'target');
        const ts = targetStart === undefined ? 0 : NumberCtor(targetStart);
        const te = targetEnd === undefined ? t.length : NumberCtor(targetEnd);
        const ss = sourceStart === undefined ? 0 : NumberCtor(sourceStart);
        const se = sourceEnd === undefined ? this.length : NumberCtor(sourceEnd);
        if (ts < 0 || te > t.length || ss < 0 || se > this.length) throw outOfRange('start', 'within the buffers', `${ts}, ${ss}`);
        return compareBytes(apply(u8subarray, this, [ss, se]), apply(u8subarray, t, [ts, te]));
      },
      copy(target: unknown, targetStart?: unknown, sourceStart?: unknown, sourceEnd?: unknown) {
        const t = viewBytes(target, 'target');
        const ts = targetStart === undefined ? 0 : max(0, floor(NumberCtor(targetStart)) || 0);
        const ss = sourceStart === undefined ? 0 : max(0, floor(NumberCtor(sourceStart)) || 0);
        const se = sourceEnd === undefined ? this.length : min(this.length, floor(NumberCtor(sourceEnd)) || 0);
        if (ts >= t.length || ss >= se) return 0;
        const n = min(se - ss, t.length - ts);
        apply(u8set, t, [apply(u8subarray, this, [ss, ss + n]), ts]);
        return n;
      },
      fill(value: unknown, offset?: unknown, end?: unknown, encoding?: unknown) {
        if (typeof offset === 'string') {
          encoding = offset;
          offset = undefined;
          end = undefined;
        } else if (typeof end === 'string') {
          encoding = end;
          end = undefined;
        }
        const s = offset === undefined ? 0 : NumberCtor(offset);
        const e = end === undefined ? this.length : NumberCtor(end);
        if (s < 0 || e > this.length) throw outOfRange(s < 0 ? 'offset' : 'end', `>= 0 and <= ${this.length}`, s < 0 ? s : e);
        if (e > s) fillBuffer(this, value, floor(s), floor(e), encoding);
        return this;
      },
      write(string: unknown, offset?: unknown, length?: unknown, encoding?: unknown) {
        if (typeof string !== 'string') throw coded(new TypeErrorCtor(`The "string" argument must be of type string.${describe(string)}`), 'ERR_INVALID_ARG_TYPE');
        if (typeof offset === 'string') {
          encoding = offset;
          offset = undefined;
          length = undefined;
        } else if (typeof length === 'string') {
          encoding = length;
          length = undefined;
        }
        const at = offset === undefined ? 0 : NumberCtor(offset);
        if (!(at >= 0 && at <= this.length)) throw outOfRange('offset', `>= 0 && <= ${this.length}`, offset);
        const room = length === undefined ? this.length - at : min(this.length - at, max(0, NumberCtor(length)));
        return writeString(string, encodingOf(encoding), this, floor(at), floor(room));
      },
      indexOf(value: unknown, byteOffset?: unknown, encoding?: unknown) {
        return indexIn(this, value, byteOffset, encoding, false);
      },
      lastIndexOf(value: unknown, byteOffset?: unknown, encoding?: unknown) {
        return indexIn(this, value, byteOffset, encoding, true);
      },
      includes(value: unknown, byteOffset?: unknown, encoding?: unknown) {
        return indexIn(this, value, byteOffset, encoding, false) !== -1;
      },
      slice(start?: unknown, end?: unknown) {
        // Node's slice shares memory, as subarray does.
        return apply(u8subarray, this, [start, end]);
      },
      swap16() {
        if (this.length % 2) throw coded(new RangeErrorCtor('Buffer size must be a multiple of 16-bits'), 'ERR_INVALID_BUFFER_SIZE');
        for (let i = 0; i < this.length; i += 2) {
          const t = this[i];
          this[i] = this[i + 1];
          this[i + 1] = t;
        }
        return this;
      },
      swap32() {
        if (this.length % 4) throw coded(new RangeErrorCtor('Buffer size must be a multiple of 32-bits'), 'ERR_INVALID_BUFFER_SIZE');
        for (let i = 0; i < this.length; i += 4) {
          let t = this[i];
          this[i] = this[i + 3];
          this[i + 3] = t;
          t = this[i + 1];
          this[i + 1] = this[i + 2];
          this[i + 2] = t;
        }
        return this;
      },
    };
    methods.toLocaleString = methods.toString;
    // Fixed-width numbers: read / write at a checked offset, through a DataView over the bytes.
    const DataViewCtor = builtins.DataView as DataViewConstructor;
    const dvProto = DataViewCtor.prototype as any;
    const numbers: Array<[string, number, string, boolean?]> = [
      ['UInt8', 1, 'Uint8'], ['Int8', 1, 'Int8'],
      ['UInt16', 2, 'Uint16'], ['Int16', 2, 'Int16'], ['UInt32', 4, 'Uint32'], ['Int32', 4, 'Int32'],
      ['Float', 4, 'Float32'], ['Double', 8, 'Float64'], ['BigUInt64', 8, 'BigUint64', true], ['BigInt64', 8, 'BigInt64', true],
    ];
    const ranges: Record<string, [number, number]> = { UInt8: [0, 255], Int8: [-128, 127], UInt16: [0, 65535], Int16: [-32768, 32767], UInt32: [0, 4294967295], Int32: [-2147483648, 2147483647] };
    for (const [name, size, dv, big] of numbers) {
      const get = dvProto[`get${dv}`];
      const set = dvProto[`set${dv}`];
      for (const endian of size === 1 ? [''] : ['LE', 'BE']) {
        const little = endian === 'LE';
        const read = function (this: Uint8Array, offset?: unknown) {
          const at = checkOffset(this, offset, size);
          return apply(get, new DataViewCtor(this.buffer, this.byteOffset, this.byteLength), [at, little]);
        };
        const write = function (this: Uint8Array, value: unknown, offset?: unknown) {
          const at = checkOffset(this, offset, size);
          const range = ranges[name];
          if (big) {
            if (typeof value !== 'bigint') throw coded(new TypeErrorCtor(`The "value" argument must be of type bigint.${describe(value)}`), 'ERR_INVALID_ARG_TYPE');
          } else {
            const n = NumberCtor(value);
            if (range && !(n >= range[0] && n <= range[1])) throw outOfRange('value', `>= ${range[0]} and <= ${range[1]}`, value);
            value = n;
          }
          apply(set, new DataViewCtor(this.buffer, this.byteOffset, this.byteLength), [at, value, little]);
          return at + size;
        };
        for (const alias of name.startsWith('UInt') || name.startsWith('BigUInt') ? [name, name.replace('UInt', 'Uint')] : [name]) {
          methods[`read${alias}${endian}`] = read;
          methods[`write${alias}${endian}`] = write;
        }
      }
    }
    for (const k in methods) defineProperty(proto, k, { value: methods[k], writable: true, configurable: true, enumerable: false });

    // ---- atob / btoa: forgiving base64 (HTML Standard), errors as Node's DOMException ----
    const invalidCharacter = (message: string): Error => new (DOMExceptionOf())(message, 'InvalidCharacterError');
    const missing = (name: string): TypeError => coded(new TypeErrorCtor(`The "${name}" argument must be specified`), 'ERR_MISSING_ARGS');
    const atob = function atob(data: unknown): string {
      if (arguments.length === 0) throw missing('input');
      const s = `${data as string}`;
      // ASCII whitespace is dropped first (most input has none: no copy then).
      let clean = s;
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) {
          clean = s.replace(/[ \t\n\f\r]/g, '');
          break;
        }
      }
      // Node's order: trailing padding off; then a character outside the alphabet, a lone last
      // character, padding that does not complete a group of four.
      let n = clean.length;
      let pad = 0;
      while (pad < 2 && n > 0 && clean.charCodeAt(n - 1) === 0x3d) {
        n--;
        pad++;
      }
      for (let i = 0; i < n; i++) {
        const c = clean.charCodeAt(i);
        if (c > 0xff || c === 0x2d || c === 0x5f || UNB64[c] === 255) throw invalidCharacter('Invalid character');
      }
      if (n % 4 === 1) throw invalidCharacter('The string to be decoded is not correctly encoded.');
      if (pad > 0 && (n + pad) % 4 !== 0) throw invalidCharacter('Invalid character');
      const bytes = new Uint8((n * 3) >>> 2);
      const written = base64Decode(clean.slice(0, n), bytes, 0, bytes.length);
      return latin1(bytes, 0, written, 0xff);
    };
    const btoa = function btoa(data: unknown): string {
      if (arguments.length === 0) throw missing('input');
      const s = `${data as string}`;
      const bytes = allocate(s.length, 'btoa()');
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) throw invalidCharacter('Invalid character');
        bytes[i] = c;
      }
      return base64Encode(bytes, 0, bytes.length, B64, true);
    };

    // ---- TextEncoder / TextDecoder (utf-8, utf-16le and windows-1252, as labels Node knows) ----
    const TextEncoderCtor = class TextEncoder {
      get encoding(): string {
        return 'utf-8';
      }
      encode(input: unknown = ''): Uint8Array {
        const s = `${input as string}`;
        const n = utf8Length(s);
        const out = allocate(n, 'TextEncoder.encode()');
        utf8Write(s, out, 0, n);
        return new Uint8(out.buffer, 0, n);
      }
      encodeInto(input: unknown, dest: unknown): { read: number; written: number } {
        const d = viewBytes(dest, 'dest');
        const [read, written] = utf8Write(`${input as string}`, d, 0, d.length);
        return { read, written };
      }
    };
    const WINDOWS_1252 = [0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f, 0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178];
    const LABELS: Record<string, string> = {
      'utf-8': 'utf-8', utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8', 'unicode11utf8': 'utf-8', 'unicode20utf8': 'utf-8', 'x-unicode20utf8': 'utf-8',
      'utf-16le': 'utf-16le', 'utf-16': 'utf-16le', ucs2: 'utf-16le', 'ucs-2': 'utf-16le', unicode: 'utf-16le', csunicode: 'utf-16le', 'iso-10646-ucs-2': 'utf-16le', unicodefeff: 'utf-16le',
      latin1: 'windows-1252', 'iso-8859-1': 'windows-1252', 'windows-1252': 'windows-1252', ascii: 'windows-1252', 'us-ascii': 'windows-1252', cp1252: 'windows-1252', 'x-cp1252': 'windows-1252', l1: 'windows-1252', 'iso8859-1': 'windows-1252', 'iso_8859-1': 'windows-1252', 'ansi_x3.4-1968': 'windows-1252', cp819: 'windows-1252', ibm819: 'windows-1252', 'iso-ir-100': 'windows-1252', csisolatin1: 'windows-1252', 'iso88591': 'windows-1252', 'iso_8859-1:1987': 'windows-1252',
    };
    const bytesOfInput = (input: unknown): Uint8Array => {
      if (input === undefined) return new Uint8(0);
      if (isView(input)) {
        const v = input as ArrayBufferView;
        return new Uint8(v.buffer, v.byteOffset, v.byteLength);
      }
      try {
        apply(abByteLength, input, []);
        return new Uint8(input as ArrayBuffer);
      } catch {
        throw coded(new TypeErrorCtor('The "list" argument must be an instance of SharedArrayBuffer, ArrayBuffer or ArrayBufferView.'), 'ERR_INVALID_ARG_TYPE');
      }
    };
    const TextDecoderCtor = class TextDecoder {
      readonly #encoding: string;
      readonly #fatal: boolean;
      readonly #ignoreBOM: boolean;
      #state: Utf8State = freshState();
      #bomSeen = false;
      /** utf-16le, streaming: a byte waiting for its pair, a lead surrogate waiting for its trail (-1: none). */
      #byte = -1;
      #lead = -1;
      constructor(label: unknown = 'utf-8', opts: unknown = {}) {
        const key = `${label as string}`.trim().toLowerCase();
        const encoding = Object.hasOwn(LABELS, key) ? LABELS[key] : undefined;
        if (encoding === undefined) throw coded(new RangeErrorCtor(`The "${`${label as string}`}" encoding is not supported`), 'ERR_ENCODING_NOT_SUPPORTED');
        const o = (opts ?? {}) as { fatal?: unknown; ignoreBOM?: unknown };
        this.#encoding = encoding;
        this.#fatal = Boolean(o.fatal);
        this.#ignoreBOM = Boolean(o.ignoreBOM);
      }
      get encoding(): string {
        return this.#encoding;
      }
      get fatal(): boolean {
        return this.#fatal;
      }
      get ignoreBOM(): boolean {
        return this.#ignoreBOM;
      }
      decode(input?: unknown, opts?: unknown): string {
        const bytes = bytesOfInput(input);
        const stream = Boolean((opts as { stream?: unknown } | undefined)?.stream);
        let out: string;
        if (this.#encoding === 'utf-8') out = utf8Decode(bytes, 0, bytes.length, this.#state, !stream, this.#fatal);
        else if (this.#encoding === 'utf-16le') out = this.#utf16(bytes, stream);
        else {
          const units: number[] = [];
          for (let i = 0; i < bytes.length; i++) {
            const b = bytes[i];
            units[i] = b >= 0x80 && b <= 0x9f ? WINDOWS_1252[b - 0x80] : b;
          }
          out = unitsToString(units, bytes.length);
        }
        if (!this.#bomSeen && out.length > 0) {
          this.#bomSeen = true;
          if (!this.#ignoreBOM && this.#encoding !== 'windows-1252' && out.charCodeAt(0) === 0xfeff) out = out.slice(1);
        }
        if (!stream) {
          this.#state = freshState();
          this.#bomSeen = false;
        }
        return out;
      }
      /** WHATWG's UTF-16LE decoder: a lone surrogate, or an odd byte at the end, is one U+FFFD. */
      #utf16(bytes: Uint8Array, stream: boolean): string {
        const units: number[] = [];
        let n = 0;
        const bad = (): void => {
          if (this.#fatal) {
            this.#byte = this.#lead = -1;
            throw coded(new TypeErrorCtor('The encoded data was not valid for encoding utf-16le'), 'ERR_ENCODING_INVALID_ENCODED_DATA');
          }
          units[n++] = 0xfffd;
        };
        for (let i = 0; i < bytes.length; i++) {
          if (this.#byte < 0) {
            this.#byte = bytes[i];
            continue;
          }
          const c = this.#byte | (bytes[i] << 8);
          this.#byte = -1;
          if (this.#lead >= 0) {
            const lead = this.#lead;
            this.#lead = -1;
            if (c >= 0xdc00 && c <= 0xdfff) {
              units[n++] = lead;
              units[n++] = c;
              continue;
            }
            bad();
          }
          if (c >= 0xd800 && c <= 0xdbff) this.#lead = c;
          else if (c >= 0xdc00 && c <= 0xdfff) bad();
          else units[n++] = c;
        }
        if (!stream && (this.#byte >= 0 || this.#lead >= 0)) {
          this.#byte = this.#lead = -1;
          bad();
        }
        return unitsToString(units, n);
      }
    };

    const module = freeze({ Buffer, atob, btoa, constants: freeze({ MAX_LENGTH, MAX_STRING_LENGTH }), kMaxLength: MAX_LENGTH, kStringMaxLength: MAX_STRING_LENGTH });
    return { module, Buffer, atob, btoa, TextEncoder: TextEncoderCtor, TextDecoder: TextDecoderCtor };
  }
}

/** `runtimeGlobals` with its parts bound, as a script's expression: `(g, options) => loadModule`. */
export const RUNTIME_GLOBALS_SOURCE = `((runtimeGlobals, structuredCloneOf, urlClasses, nodeCryptoModule, processModule) => (g, options) => runtimeGlobals(g, options, structuredCloneOf, urlClasses, nodeCryptoModule, processModule))(${runtimeGlobals.toString()}, ${structuredCloneOf.toString()}, ${urlClasses.toString()}, ${nodeCryptoModule.toString()}, ${processModule.toString()})`;
