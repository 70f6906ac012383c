/**
 * The part of Node's `crypto` module handlers use most, for `import { randomUUID, createHash } from
 * 'node:crypto'` (and `require('crypto')`): `createHash` and `createHmac` with md5, sha1, sha256 and
 * sha512, `randomUUID`, `randomBytes`, `randomInt`, `randomFillSync`, `getRandomValues`,
 * `timingSafeEqual`, `getHashes` and `webcrypto` (the global `crypto`). Built on first import by
 * `runtimeGlobals.ts` inside the container, in plain JavaScript (both executors alike).
 *
 * Randomness is the environment's seeded stream (the global `crypto.getRandomValues` of
 * virtualTime.ts), so the same seed gives the same ids and bytes. Digests are computed in here and
 * compared with Node's by `test/unit/nodeCrypto.test.ts`.
 *
 * Self-contained (no imports; only the built-ins of the container it runs in), like virtualTime.ts.
 */

export function nodeCryptoModule(g: any, Buffer: any): Record<string, unknown> {
  'use strict';
  const webcrypto = g.crypto;
  const getRandomValues = webcrypto.getRandomValues;
  const randomUUIDOf = webcrypto.randomUUID;
  const Uint8 = g.Uint8Array as Uint8ArrayConstructor;
  const isView = ArrayBuffer.isView;
  const defineProperty = Object.defineProperty;
  const TypeErrorCtor = TypeError;
  const RangeErrorCtor = RangeError;
  const ErrorCtor = Error;
  const coded = <E extends Error>(e: E, code: string): E => {
    defineProperty(e, 'code', { value: code, writable: true, configurable: true, enumerable: false });
    return e;
  };
  const received = (v: unknown): string =>
    v === null || v === undefined ? ` Received ${v}` : typeof v === 'object' ? ` Received an instance of ${(v as object).constructor?.name ?? 'Object'}` : ` Received type ${typeof v} (${typeof v === 'string' ? `'${v}'` : String(v)})`;

  /** Bytes of `data`: a string in `encoding` (UTF-8), or the bytes of a view. */
  const bytesOf = (data: unknown, encoding: unknown, what: string): Uint8Array => {
    if (typeof data === 'string') return Buffer.from(data, encoding ?? 'utf8');
    if (isView(data)) return new Uint8((data as ArrayBufferView).buffer, (data as ArrayBufferView).byteOffset, (data as ArrayBufferView).byteLength);
    throw coded(new TypeErrorCtor(`The "${what}" argument must be of type string or an instance of Buffer, TypedArray, or DataView.${received(data)}`), 'ERR_INVALID_ARG_TYPE');
  };

  // ---- digests: each takes the whole message and gives its digest ----
  const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));
  const pad = (msg: Uint8Array, littleEndian: boolean, block: number, lengthBytes: number): Uint8Array => {
    const total = Math.ceil((msg.length + 1 + lengthBytes) / block) * block;
    const out = new Uint8(total);
    out.set(msg);
    out[msg.length] = 0x80;
    const bits = msg.length * 8;
    const hi = Math.floor(bits / 4294967296);
    const lo = bits >>> 0;
    for (let i = 0; i < 4; i++) {
      if (littleEndian) {
        out[total - lengthBytes + i] = (lo >>> (8 * i)) & 0xff;
        out[total - lengthBytes + 4 + i] = (hi >>> (8 * i)) & 0xff;
      } else {
        out[total - 1 - i] = (lo >>> (8 * i)) & 0xff;
        out[total - 5 - i] = (hi >>> (8 * i)) & 0xff;
      }
    }
    return out;
  };
  const words = (words32: number[], littleEndian: boolean): Uint8Array => {
    const out = new Uint8(words32.length * 4);
    for (let i = 0; i < words32.length; i++) {
      for (let b = 0; b < 4; b++) out[i * 4 + b] = (words32[i] >>> (littleEndian ? 8 * b : 24 - 8 * b)) & 0xff;
    }
    return out;
  };
  const be32 = (m: Uint8Array, i: number): number => ((m[i] << 24) | (m[i + 1] << 16) | (m[i + 2] << 8) | m[i + 3]) >>> 0;

  const MD5_S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const MD5_K: number[] = [];
  for (let i = 0; i < 64; i++) MD5_K[i] = Math.floor(Math.abs(Math.sin(i + 1)) * 4294967296) >>> 0;
  const md5 = (msg: Uint8Array): Uint8Array => {
    const m = pad(msg, true, 64, 8);
    let [a0, b0, c0, d0] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    const x: number[] = [];
    for (let off = 0; off < m.length; off += 64) {
      for (let i = 0; i < 16; i++) x[i] = m[off + 4 * i] | (m[off + 4 * i + 1] << 8) | (m[off + 4 * i + 2] << 16) | (m[off + 4 * i + 3] << 24);
      let [a, b, c, d] = [a0, b0, c0, d0];
      for (let i = 0; i < 64; i++) {
        const f = i < 16 ? (b & c) | (~b & d) : i < 32 ? (d & b) | (~d & c) : i < 48 ? b ^ c ^ d : c ^ (b | ~d);
        const k = i < 16 ? i : i < 32 ? (5 * i + 1) % 16 : i < 48 ? (3 * i + 5) % 16 : (7 * i) % 16;
        const t = d;
        d = c;
        c = b;
        b = (b + rotl((a + f + MD5_K[i] + x[k]) | 0, MD5_S[(i >> 4) * 4 + (i % 4)])) | 0;
        a = t;
      }
      a0 = (a0 + a) | 0;
      b0 = (b0 + b) | 0;
      c0 = (c0 + c) | 0;
      d0 = (d0 + d) | 0;
    }
    return words([a0, b0, c0, d0], true);
  };
  const sha1 = (msg: Uint8Array): Uint8Array => {
    const m = pad(msg, false, 64, 8);
    const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
    const w: number[] = [];
    for (let off = 0; off < m.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = be32(m, off + 4 * i);
      for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
      let [a, b, c, d, e] = h;
      for (let i = 0; i < 80; i++) {
        const f = i < 20 ? (b & c) | (~b & d) : i < 40 ? b ^ c ^ d : i < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
        const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
        const t = (rotl(a, 5) + f + e + k + w[i]) | 0;
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = t;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
    }
    return words(h, false);
  };
  const K256 = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];
  const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));
  const sha256 = (msg: Uint8Array): Uint8Array => {
    const m = pad(msg, false, 64, 8);
    const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    const w: number[] = [];
    for (let off = 0; off < m.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = be32(m, off + 4 * i) | 0;
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, gg, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & gg)) + K256[i] + w[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = gg;
        gg = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
      h[5] = (h[5] + f) | 0;
      h[6] = (h[6] + gg) | 0;
      h[7] = (h[7] + hh) | 0;
    }
    return words(h, false);
  };
  // SHA-512 on pairs of 32-bit halves (hi, lo).
  const K512hex =
    '428a2f98d728ae227137449123ef65cdb5c0fbcfec4d3b2fe9b5dba58189dbbc3956c25bf348b53859f111f1b605d019923f82a4af194f9bab1c5ed5da6d8118d807aa98a303024212835b0145706fbe243185be4ee4b28c550c7dc3d5ffb4e272be5d74f27b896f80deb1fe3b1696b19bdc06a725c71235c19bf174cf692694e49b69c19ef14ad2efbe4786384f25e30fc19dc68b8cd5b5240ca1cc77ac9c652de92c6f592b02754a7484aa6ea6e4835cb0a9dcbd41fbd476f988da831153b5983e5152ee66dfaba831c66d2db43210b00327c898fb213fbf597fc7beef0ee4c6e00bf33da88fc2d5a79147930aa72506ca6351e003826f142929670a0e6e7027b70a8546d22ffc2e1b21385c26c9264d2c6dfc5ac42aed53380d139d95b3df650a73548baf63de766a0abb3c77b2a881c2c92e47edaee692722c851482353ba2bfe8a14cf10364a81a664bbc423001c24b8b70d0f89791c76c51a30654be30d192e819d6ef5218d69906245565a910f40e35855771202a106aa07032bbd1b819a4c116b8d2d0c81e376c085141ab532748774cdf8eeb9934b0bcb5e19b48a8391c0cb3c5c95a634ed8aa4ae3418acb5b9cca4f7763e373682e6ff3d6b2b8a3748f82ee5defb2fc78a5636f43172f6084c87814a1f0ab728cc702081a6439ec90befffa23631e28a4506cebde82bde9bef9a3f7b2c67915c67178f2e372532bca273eceea26619cd186b8c721c0c207eada7dd6cde0eb1ef57d4f7fee6ed17806f067aa72176fba0a637dc5a2c898a6113f9804bef90dae1b710b35131c471b28db77f523047d8432caab7b40c724933c9ebe0a15c9bebc431d67c49c100d4c4cc5d4becb3e42b6597f299cfc657e2a5fcb6fab3ad6faec6c44198c4a475817';
  const K512: number[] = [];
  for (let i = 0; i < 160; i++) K512[i] = parseInt(K512hex.slice(i * 8, i * 8 + 8), 16) | 0;
  const sha512 = (msg: Uint8Array): Uint8Array => {
    const m = pad(msg, false, 128, 16);
    const h = [0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b, 0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1, 0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f, 0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179].map((x) => x | 0);
    const w: number[] = [];
    // 64-bit helpers on (hi, lo) pairs
    const add = (ah: number, al: number, bh: number, bl: number): [number, number] => {
      const lo = (al >>> 0) + (bl >>> 0);
      return [(ah + bh + Math.floor(lo / 4294967296)) | 0, lo | 0];
    };
    const rr = (h2: number, l2: number, n: number): [number, number] =>
      n < 32 ? [(h2 >>> n) | (l2 << (32 - n)), (l2 >>> n) | (h2 << (32 - n))] : [(l2 >>> (n - 32)) | (h2 << (64 - n)), (h2 >>> (n - 32)) | (l2 << (64 - n))];
    const sr = (h2: number, l2: number, n: number): [number, number] => [h2 >>> n, (l2 >>> n) | (h2 << (32 - n))];
    const xor3 = (a: [number, number], b: [number, number], c: [number, number]): [number, number] => [a[0] ^ b[0] ^ c[0], a[1] ^ b[1] ^ c[1]];
    for (let off = 0; off < m.length; off += 128) {
      for (let i = 0; i < 16; i++) {
        w[2 * i] = be32(m, off + 8 * i) | 0;
        w[2 * i + 1] = be32(m, off + 8 * i + 4) | 0;
      }
      for (let i = 16; i < 80; i++) {
        const s0 = xor3(rr(w[2 * (i - 15)], w[2 * (i - 15) + 1], 1), rr(w[2 * (i - 15)], w[2 * (i - 15) + 1], 8), sr(w[2 * (i - 15)], w[2 * (i - 15) + 1], 7));
        const s1 = xor3(rr(w[2 * (i - 2)], w[2 * (i - 2) + 1], 19), rr(w[2 * (i - 2)], w[2 * (i - 2) + 1], 61), sr(w[2 * (i - 2)], w[2 * (i - 2) + 1], 6));
        let t = add(w[2 * (i - 16)], w[2 * (i - 16) + 1], s0[0], s0[1]);
        t = add(t[0], t[1], w[2 * (i - 7)], w[2 * (i - 7) + 1]);
        t = add(t[0], t[1], s1[0], s1[1]);
        w[2 * i] = t[0];
        w[2 * i + 1] = t[1];
      }
      const v = h.slice();
      for (let i = 0; i < 80; i++) {
        const [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl] = v;
        const S1 = xor3(rr(eh, el, 14), rr(eh, el, 18), rr(eh, el, 41));
        const chh = (eh & fh) ^ (~eh & gh);
        const chl = (el & fl) ^ (~el & gl);
        let t1 = add(hh, hl, S1[0], S1[1]);
        t1 = add(t1[0], t1[1], chh, chl);
        t1 = add(t1[0], t1[1], K512[2 * i], K512[2 * i + 1]);
        t1 = add(t1[0], t1[1], w[2 * i], w[2 * i + 1]);
        const S0 = xor3(rr(ah, al, 28), rr(ah, al, 34), rr(ah, al, 39));
        const t2 = add(S0[0], S0[1], (ah & bh) ^ (ah & ch) ^ (bh & ch), (al & bl) ^ (al & cl) ^ (bl & cl));
        const e2 = add(dh, dl, t1[0], t1[1]);
        const a2 = add(t1[0], t1[1], t2[0], t2[1]);
        v[14] = gh;
        v[15] = gl;
        v[12] = fh;
        v[13] = fl;
        v[10] = eh;
        v[11] = el;
        v[8] = e2[0];
        v[9] = e2[1];
        v[6] = ch;
        v[7] = cl;
        v[4] = bh;
        v[5] = bl;
        v[2] = ah;
        v[3] = al;
        v[0] = a2[0];
        v[1] = a2[1];
      }
      for (let i = 0; i < 8; i++) {
        const s = add(h[2 * i], h[2 * i + 1], v[2 * i], v[2 * i + 1]);
        h[2 * i] = s[0];
        h[2 * i + 1] = s[1];
      }
    }
    return words(h, false);
  };
  const ALGORITHMS: Record<string, { digest: (m: Uint8Array) => Uint8Array; block: number }> = {
    md5: { digest: md5, block: 64 },
    sha1: { digest: sha1, block: 64 },
    sha256: { digest: sha256, block: 64 },
    sha512: { digest: sha512, block: 128 },
  };
  const algorithm = (name: unknown): { digest: (m: Uint8Array) => Uint8Array; block: number } => {
    if (typeof name !== 'string') throw coded(new TypeErrorCtor(`The "algorithm" argument must be of type string.${received(name)}`), 'ERR_INVALID_ARG_TYPE');
    const key = name.toLowerCase().replace(/^sha-/, 'sha');
    if (!Object.hasOwn(ALGORITHMS, key)) throw new ErrorCtor('Digest method not supported');
    return ALGORITHMS[key];
  };

  class Digest {
    #parts: Uint8Array[] = [];
    #done = false;
    readonly #finish: (message: Uint8Array) => Uint8Array;
    constructor(finish: (message: Uint8Array) => Uint8Array) {
      this.#finish = finish;
    }
    update(data: unknown, encoding?: unknown): this {
      if (this.#done) throw coded(new ErrorCtor('Digest already called'), 'ERR_CRYPTO_HASH_FINALIZED');
      const bytes = bytesOf(data, encoding, 'data');
      this.#parts.push(new Uint8(bytes));
      return this;
    }
    digest(encoding?: unknown): unknown {
      if (this.#done) throw coded(new ErrorCtor('Digest already called'), 'ERR_CRYPTO_HASH_FINALIZED');
      this.#done = true;
      const out = Buffer.from(this.#finish(Buffer.concat(this.#parts)));
      this.#parts = [];
      return encoding === undefined || encoding === 'buffer' ? out : out.toString(encoding);
    }
    /** A hash with the data so far (createHash only). */
    copy(): Digest {
      if (this.#done) throw coded(new ErrorCtor('Digest already called'), 'ERR_CRYPTO_HASH_FINALIZED');
      const twin = new Digest(this.#finish);
      for (const p of this.#parts) twin.update(p);
      return twin;
    }
  }
  const createHash = function createHash(name: unknown): Digest {
    return new Digest(algorithm(name).digest);
  };
  const createHmac = function createHmac(name: unknown, key: unknown): Digest {
    const a = algorithm(name);
    let k: Uint8Array = bytesOf(key, 'utf8', 'key');
    if (k.length > a.block) k = a.digest(k);
    const inner = new Uint8(a.block);
    const outer = new Uint8(a.block);
    for (let i = 0; i < a.block; i++) {
      inner[i] = (k[i] ?? 0) ^ 0x36;
      outer[i] = (k[i] ?? 0) ^ 0x5c;
    }
    return new Digest((message) => a.digest(Buffer.concat([outer, a.digest(Buffer.concat([inner, message]))])));
  };

  const randomBytes = function randomBytes(size: unknown): unknown {
    if (typeof size !== 'number' || !(size >= 0 && size <= 2147483647) || size !== Math.floor(size)) {
      throw coded(new RangeErrorCtor(`The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${String(size)}`), 'ERR_OUT_OF_RANGE');
    }
    const out = Buffer.alloc(size);
    for (let i = 0; i < size; i += 65536) Reflect.apply(getRandomValues, webcrypto, [out.subarray(i, Math.min(size, i + 65536))]);
    return out;
  };
  const randomFillSync = function randomFillSync(view: unknown, offset = 0, size?: number): unknown {
    const bytes = bytesOf(view, undefined, 'buf');
    const end = size === undefined ? bytes.length : offset + size;
    for (let i = offset; i < end; i += 65536) Reflect.apply(getRandomValues, webcrypto, [bytes.subarray(i, Math.min(end, i + 65536))]);
    return view;
  };
  const randomInt = function randomInt(min: unknown, max?: unknown): number {
    let lo = min as number;
    let hi = max as number;
    if (max === undefined || typeof max === 'function') {
      hi = lo;
      lo = 0;
    }
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) throw coded(new TypeErrorCtor('The "min" and "max" arguments must be safe integers'), 'ERR_INVALID_ARG_TYPE');
    if (!(hi > lo)) throw coded(new RangeErrorCtor(`The value of "max" is out of range. It must be greater than the value of "min" (${lo}). Received ${hi}`), 'ERR_OUT_OF_RANGE');
    const span = hi - lo;
    const six = new Uint8(6);
    Reflect.apply(getRandomValues, webcrypto, [six]);
    let n = 0;
    for (let i = 0; i < 6; i++) n = n * 256 + six[i];
    return lo + Math.floor((n / 281474976710656) * span);
  };
  const timingSafeEqual = function timingSafeEqual(a: unknown, b: unknown): boolean {
    const x = bytesOf(a, undefined, 'buf1');
    const y = bytesOf(b, undefined, 'buf2');
    if (x.length !== y.length) throw coded(new RangeErrorCtor('Input buffers must have the same byte length'), 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH');
    let diff = 0;
    for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
    return diff === 0;
  };
  return Object.freeze({
    createHash,
    createHmac,
    getHashes: () => ['md5', 'sha1', 'sha256', 'sha512'],
    randomBytes,
    randomFillSync,
    randomInt,
    randomUUID: function randomUUID(): string {
      return Reflect.apply(randomUUIDOf, webcrypto, []) as string;
    },
    getRandomValues: function getRandomValues_(array: unknown): unknown {
      return Reflect.apply(getRandomValues, webcrypto, [array]);
    },
    timingSafeEqual,
    webcrypto,
  });
}
