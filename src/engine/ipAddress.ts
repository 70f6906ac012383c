/**
 * IP addresses and CIDR blocks, as event patterns and filter policies compare them (`cidr`).
 *
 * An address is turned into its bytes (4 for IPv4, 16 for IPv6) so that "10.0.0.1" and an IPv6
 * address written in any of its legal forms compare by value, not by spelling. An IPv4-mapped IPv6
 * address (`::ffff:10.0.0.1`) is the IPv4 address, as Java's `InetAddress` (which AWS's matcher
 * uses) reads it.
 *
 * A block `base/bits` matches the addresses from `base` up to `base` with every host bit set. The
 * matcher EventBridge and SNS share (aws/event-ruler, `CIDR.cidr`) does not clear host bits in the
 * base: `10.0.0.5/24` covers 10.0.0.5–10.0.0.255. It also refuses `/32` for IPv4 and `/128` for IPv6
 * (a single address is written as a plain value instead). Both are modelled as it does them.
 */

/** The bytes of an IPv4 or IPv6 address literal, or `undefined` if `text` is not one. */
export function parseIp(text: string): Uint8Array | undefined {
  if (text.includes(':')) return parseIpv6(text);
  return parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseIpv6(text: string): Uint8Array | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const parts = s.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.includes('.')) {
        const v4 = parseIpv4(p);
        if (!v4) return undefined;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(p)) return undefined;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return undefined;
  let all: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return undefined;
    all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return undefined;
    all = head;
  }
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    bytes[2 * i] = g >> 8;
    bytes[2 * i + 1] = g & 0xff;
  });
  // IPv4-mapped (::ffff:a.b.c.d) is an IPv4 address.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) return bytes.slice(12);
  return bytes;
}

/** The addresses a CIDR block covers, as inclusive byte bounds of one length (4 or 16). */
export interface IpRange {
  readonly low: Uint8Array;
  readonly high: Uint8Array;
}

/** Parse `base/bits`; throws an `Error` whose message says what is wrong with it. */
export function parseCidr(text: string): IpRange {
  const slashed = text.split('/');
  if (slashed.length !== 2) throw new Error(`a CIDR block needs exactly one '/' (like 10.0.0.0/24), got ${JSON.stringify(text)}`);
  const [base, bitsText] = slashed;
  if (!/^-?[0-9]+$/.test(bitsText)) throw new Error(`the mask bits after '/' must be an integer, got ${JSON.stringify(bitsText)}`);
  const bits = Number(bitsText);
  if (bits < 0) throw new Error(`the mask bits must not be negative, got ${bits}`);
  const low = parseIp(base);
  if (!low) throw new Error(`${JSON.stringify(base)} is not an IPv4 or IPv6 address`);
  const max = low.length === 4 ? 32 : 128;
  if (bits >= max) throw new Error(`${low.length === 4 ? 'IPv4' : 'IPv6'} mask bits must be below ${max} (write a single address as a plain value), got ${bits}`);
  const high = low.slice();
  let hostBits = max - bits;
  for (let i = high.length - 1; i >= 0 && hostBits > 0; i--) {
    const n = Math.min(8, hostBits);
    high[i] |= (1 << n) - 1;
    hostBits -= n;
  }
  return { low, high };
}

/** Is the address (bytes) inside the range? Addresses of the other family never are. */
export function inRange(ip: Uint8Array, range: IpRange): boolean {
  if (ip.length !== range.low.length) return false;
  return compare(ip, range.low) >= 0 && compare(ip, range.high) <= 0;
}

export function sameIp(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compare(a, b) === 0;
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
