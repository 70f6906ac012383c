import { ValidationError } from './errors';

/**
 * Kafka's key partitioner.
 *
 * The Java producer places a keyed record on partition `toPositive(murmur2(keyBytes)) % partitions`,
 * where `murmur2` is the 32-bit MurmurHash2 of Austin Appleby with Kafka's fixed seed `0x9747b28c`
 * (`org.apache.kafka.common.utils.Utils.murmur2`), and `keyBytes` are the UTF-8 bytes of a string key
 * (the `StringSerializer`). Every client that wants to agree with the Java producer (librdkafka's
 * `murmur2_random`, kafkajs' default partitioner, …) uses this exact function, so the same key lands
 * on the same partition whichever client wrote it. That agreement is what gives "order per key".
 *
 * `toPositive` masks the sign bit instead of taking `Math.abs`, because `abs(-2^31)` is still negative.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/**
 * MurmurHash2 with Kafka's seed, returned as a signed 32-bit integer exactly like the Java `int`.
 * A string is hashed over its UTF-8 bytes; bytes can be given directly (`length` hashes a prefix).
 */
export function murmur2(data: string | ArrayLike<number>, length?: number): number {
  if (typeof data === 'string') {
    const n = encodeUtf8(data);
    return hashBytes(scratch, n);
  }
  return hashBytes(data, length ?? data.length);
}

/** Java's `Utils.toPositive`: clear the sign bit (not `Math.abs`, which overflows on -2^31). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition the Java client's default partitioner picks for a keyed record:
 * `toPositive(murmur2(utf8(key))) % partitions`.
 */
export function partitionFor(key: string, partitions: number): number {
  if (typeof key !== 'string') throw new ValidationError('key', `must be a string, got ${typeof key}`);
  if (!Number.isInteger(partitions) || partitions < 1) throw new ValidationError('partitions', `must be an integer ≥ 1, got ${partitions}`);
  return toPositive(murmur2(key)) % partitions;
}

/** The UTF-8 bytes of `s` as Java's `String.getBytes(UTF_8)` produces them (a lone surrogate becomes `?`). */
export function utf8Bytes(s: string): Uint8Array {
  const n = encodeUtf8(s);
  return scratch.slice(0, n);
}

function hashBytes(data: ArrayLike<number>, length: number): number {
  let h = (SEED ^ length) | 0;
  const whole = length & ~3;
  // Body: little-endian 4-byte words, each mixed and folded into h.
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] & 0xff) | ((data[i + 1] & 0xff) << 8) | ((data[i + 2] & 0xff) << 16) | ((data[i + 3] & 0xff) << 24);
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  // Tail: the last 1–3 bytes (the Java version is a fall-through switch on length % 4).
  const rest = length & 3;
  if (rest === 3) h ^= (data[whole + 2] & 0xff) << 16;
  if (rest >= 2) h ^= (data[whole + 1] & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[whole] & 0xff;
    h = Math.imul(h, M);
  }
  // Final avalanche.
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Reused encode buffer: hashing a key allocates nothing once the buffer is big enough. */
let scratch = new Uint8Array(256);

/** Encode `s` as UTF-8 into `scratch`; returns the byte length. */
function encodeUtf8(s: string): number {
  const max = s.length * 3; // a UTF-16 unit never needs more than 3 bytes (a pair needs 4 for 2 units)
  if (scratch.length < max) scratch = new Uint8Array(Math.max(max, scratch.length * 2));
  const out = scratch;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
    } else if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 0x3f);
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        i++;
        out[n++] = 0xf0 | (c >> 18);
        out[n++] = 0x80 | ((c >> 12) & 0x3f);
        out[n++] = 0x80 | ((c >> 6) & 0x3f);
        out[n++] = 0x80 | (c & 0x3f);
      } else {
        out[n++] = 0x3f; // '?': Java's replacement for an unpaired surrogate
      }
    } else {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 0x3f);
      out[n++] = 0x80 | (c & 0x3f);
    }
  }
  return n;
}
