/**
 * `URL` and `URLSearchParams`, as in Lambda's Node.js runtime, for handler code (a bare V8 context
 * has neither). Built on first use by `runtimeGlobals.ts` inside the container, in plain JavaScript
 * (both executors alike): the WHATWG URL Standard's basic URL parser (its states, percent-encode
 * sets, IPv4 and IPv6 hosts, dot segments, Windows drive letters in file URLs), its serializer,
 * the setters (by re-entering the parser at the component's state, as the standard does), the
 * origin, and application/x-www-form-urlencoded for `URLSearchParams` (kept in step with its URL).
 *
 * One simplification: a host with non-ASCII letters is lower-cased, NFC-normalised and
 * Punycode-encoded, not run through the whole UTS #46 mapping table Node uses (a rare host such as
 * one with a ligature may come out differently). `test/unit/url.test.ts` compares the rest with
 * Node on a corpus of URLs.
 *
 * Self-contained (no imports; only the built-ins of the container it runs in), like virtualTime.ts.
 */

export function urlClasses(): { URL: unknown; URLSearchParams: unknown } {
  'use strict';
  const StringCtor = String;
  const TypeErrorCtor = TypeError;
  const defineProperty = Object.defineProperty;
  const fromCharCode = String.fromCharCode;
  const fromCodePoint = String.fromCodePoint;
  const SPECIAL: Record<string, number | null> = { 'ftp:': 21, 'file:': null, 'http:': 80, 'https:': 443, 'ws:': 80, 'wss:': 443 };
  const isSpecialScheme = (s: string): boolean => Object.hasOwn(SPECIAL, s + ':');
  const defaultPort = (s: string): number | null | undefined => (isSpecialScheme(s) ? SPECIAL[s + ':'] : undefined);

  const coded = (e: Error, code: string): Error => {
    defineProperty(e, 'code', { value: code, writable: true, configurable: true, enumerable: false });
    return e;
  };
  const invalid = (input: string): Error => {
    const e = coded(new TypeErrorCtor('Invalid URL'), 'ERR_INVALID_URL');
    defineProperty(e, 'input', { value: input, writable: true, configurable: true, enumerable: true });
    return e;
  };
  const missing = (name: string): Error => coded(new TypeErrorCtor(`The "${name}" argument must be specified`), 'ERR_MISSING_ARGS');

  /** ToUSVString: lone surrogates become U+FFFD. */
  const usv = (v: unknown): string => {
    const s = `${v as string}`;
    let out = '';
    let from = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
      else if (c >= 0xd800 && c <= 0xdfff) {
        out += s.slice(from, i) + '\ufffd';
        from = i + 1;
      }
    }
    return from === 0 ? s : out + s.slice(from);
  };

  // ---- UTF-8 and percent-encoding ----
  const utf8 = (cp: number): number[] =>
    cp < 0x80 ? [cp] : cp < 0x800 ? [0xc0 | (cp >> 6), 0x80 | (cp & 63)] : cp < 0x10000 ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)] : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63)];
  const HEX = '0123456789ABCDEF';
  const pct = (b: number): string => '%' + HEX[b >> 4] + HEX[b & 15];
  const inC0 = (c: number): boolean => c < 0x20 || c > 0x7e;
  const inFragment = (c: number): boolean => inC0(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
  const inQuery = (c: number): boolean => inC0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
  const inSpecialQuery = (c: number): boolean => inQuery(c) || c === 0x27;
  const inPath = (c: number): boolean => inQuery(c) || c === 0x3f || c === 0x5e || c === 0x60 || c === 0x7b || c === 0x7d;
  const inUserinfo = (c: number): boolean => inPath(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 || (c >= 0x5b && c <= 0x5d) || c === 0x7c;
  const inComponent = (c: number): boolean => inUserinfo(c) || (c >= 0x24 && c <= 0x26) || c === 0x2b || c === 0x2c;
  const inForm = (c: number): boolean => inComponent(c) || c === 0x21 || (c >= 0x27 && c <= 0x29) || c === 0x7e;
  /** One code point (as a string) percent-encoded if it is in the set. */
  const encodeCp = (ch: string, set: (c: number) => boolean): string => {
    const cp = ch.codePointAt(0) as number;
    if (!set(cp)) return ch;
    let s = '';
    for (const b of utf8(cp)) s += pct(b);
    return s;
  };
  const encodeAll = (s: string, set: (c: number) => boolean): string => {
    let out = '';
    for (const ch of s) out += encodeCp(ch, set);
    return out;
  };
  const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  /** Percent-decode to bytes (`%` not followed by two hex digits stays). */
  const percentDecode = (s: string): number[] => {
    const bytes: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x25 && i + 2 < s.length + 0 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
        bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (c < 0x80) bytes.push(c);
      else {
        const cp = s.codePointAt(i) as number;
        if (cp > 0xffff) i++;
        for (const b of utf8(cp)) bytes.push(b);
      }
    }
    return bytes;
  };
  /** UTF-8 decode with replacement (WHATWG), no BOM handling. */
  const utf8Decode = (bytes: number[]): string => {
    let out = '';
    let cp = 0;
    let needed = 0;
    let seen = 0;
    let lower = 0x80;
    let upper = 0xbf;
    for (let i = 0; i < bytes.length; i++) {
      const b = bytes[i];
      if (needed === 0) {
        if (b <= 0x7f) out += fromCharCode(b);
        else if (b >= 0xc2 && b <= 0xdf) {
          needed = 1;
          cp = b & 0x1f;
        }
        else if (b >= 0xe0 && b <= 0xef) {
          if (b === 0xe0) lower = 0xa0;
          if (b === 0xed) upper = 0x9f;
          needed = 2;
          cp = b & 0xf;
        } else if (b >= 0xf0 && b <= 0xf4) {
          if (b === 0xf0) lower = 0x90;
          if (b === 0xf4) upper = 0x8f;
          needed = 3;
          cp = b & 7;
        } else out += '\ufffd';
        continue;
      }
      if (b < lower || b > upper) {
        cp = needed = seen = 0;
        lower = 0x80;
        upper = 0xbf;
        out += '\ufffd';
        i--;
        continue;
      }
      lower = 0x80;
      upper = 0xbf;
      cp = (cp << 6) | (b & 63);
      if (++seen === needed) {
        out += fromCodePoint(cp);
        cp = needed = seen = 0;
      }
    }
    return needed ? out + '\ufffd' : out;
  };

  // ---- hosts ----
  const FORBIDDEN_HOST = '\u0000\t\n\r #/:<>?@[\\]^|';
  const forbiddenHost = (c: string): boolean => FORBIDDEN_HOST.includes(c);
  const forbiddenDomain = (c: string): boolean => forbiddenHost(c) || c.charCodeAt(0) <= 0x1f || c === '%' || c === '\u007f';

  const punycode = (label: string): string => {
    const cps = [...label].map((c) => c.codePointAt(0) as number);
    const base = 36;
    let n = 128;
    let delta = 0;
    let bias = 72;
    let out = '';
    for (const c of cps) if (c < 128) out += fromCharCode(c);
    const basic = out.length;
    let h = basic;
    if (basic) out += '-';
    const digit = (d: number): string => fromCharCode(d < 26 ? 97 + d : 22 + d);
    const adapt = (d: number, numPoints: number, first: boolean): number => {
      d = first ? Math.floor(d / 700) : d >> 1;
      d += Math.floor(d / numPoints);
      let k = 0;
      for (; d > 455; k += base) d = Math.floor(d / 35);
      return k + Math.floor((36 * d) / (d + 38));
    };
    while (h < cps.length) {
      let m = 0x7fffffff;
      for (const c of cps) if (c >= n && c < m) m = c;
      delta += (m - n) * (h + 1);
      n = m;
      for (const c of cps) {
        if (c < n) delta++;
        if (c === n) {
          let q = delta;
          for (let k = base; ; k += base) {
            const t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
            if (q < t) break;
            out += digit(t + ((q - t) % (base - t)));
            q = Math.floor((q - t) / (base - t));
          }
          out += digit(q);
          bias = adapt(delta, h + 1, h === basic);
          delta = 0;
          h++;
        }
      }
      delta++;
      n++;
    }
    return out;
  };
  const domainToAscii = (domain: string): string | undefined => {
    let d = domain.normalize('NFC').replace(/[\u3002\uff0e\uff61]/g, '.');
    d = d.toLowerCase();
    if (d === '') return undefined;
    const ascii = (t: string): boolean => {
      for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) > 0x7f) return false;
      return true;
    };
    if (ascii(d)) return d;
    return d
      .split('.')
      .map((label) => (ascii(label) ? label : 'xn--' + punycode(label)))
      .join('.');
  };

  const ipv4Number = (s: string): number | undefined => {
    if (s === '') return undefined;
    let radix = 10;
    if (s.length >= 2 && (s.startsWith('0x') || s.startsWith('0X'))) {
      s = s.slice(2);
      radix = 16;
    } else if (s.length >= 2 && s[0] === '0') {
      s = s.slice(1);
      radix = 8;
    }
    if (s === '') return 0;
    const ok = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    if (!ok.test(s)) return undefined;
    return parseInt(s, radix);
  };
  const endsInNumber = (s: string): boolean => {
    const parts = s.split('.');
    if (parts[parts.length - 1] === '') {
      if (parts.length === 1) return false;
      parts.pop();
    }
    const last = parts[parts.length - 1];
    if (last !== '' && /^[0-9]+$/.test(last)) return true;
    return ipv4Number(last) !== undefined;
  };
  const parseIpv4 = (s: string): string | undefined => {
    const parts = s.split('.');
    if (parts[parts.length - 1] === '' && parts.length > 1) parts.pop();
    if (parts.length > 4) return undefined;
    const nums: number[] = [];
    for (const p of parts) {
      const n = ipv4Number(p);
      if (n === undefined) return undefined;
      nums.push(n);
    }
    for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) return undefined;
    if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) return undefined;
    let ip = nums[nums.length - 1];
    for (let i = 0; i < nums.length - 1; i++) ip += nums[i] * 256 ** (3 - i);
    const out: number[] = [];
    for (let i = 0; i < 4; i++) {
      out.unshift(ip % 256);
      ip = Math.floor(ip / 256);
    }
    return out.join('.');
  };
  const parseIpv6 = (input: string): number[] | undefined => {
    const address = [0, 0, 0, 0, 0, 0, 0, 0];
    let piece = 0;
    let compress: number | null = null;
    let p = 0;
    const c = (i: number): string => input[i] ?? '';
    if (c(p) === ':') {
      if (c(p + 1) !== ':') return undefined;
      p += 2;
      compress = ++piece;
    }
    while (p < input.length) {
      if (piece === 8) return undefined;
      if (c(p) === ':') {
        if (compress !== null) return undefined;
        p++;
        compress = ++piece;
        continue;
      }
      let value = 0;
      let length = 0;
      while (length < 4 && isHex(input.charCodeAt(p))) {
        value = value * 16 + parseInt(c(p), 16);
        p++;
        length++;
      }
      if (c(p) === '.') {
        if (length === 0) return undefined;
        p -= length;
        if (piece > 6) return undefined;
        let seen = 0;
        while (p < input.length) {
          let v: number | null = null;
          if (seen > 0) {
            if (c(p) === '.' && seen < 4) p++;
            else return undefined;
          }
          if (!/[0-9]/.test(c(p))) return undefined;
          while (/[0-9]/.test(c(p))) {
            const n = +c(p);
            if (v === null) v = n;
            else if (v === 0) return undefined;
            else v = v * 10 + n;
            if (v > 255) return undefined;
            p++;
          }
          address[piece] = address[piece] * 256 + (v as number);
          seen++;
          if (seen === 2 || seen === 4) piece++;
        }
        if (seen !== 4) return undefined;
        break;
      } else if (c(p) === ':') {
        p++;
        if (p >= input.length) return undefined;
      } else if (p < input.length) return undefined;
      address[piece++] = value;
    }
    if (compress !== null) {
      let swaps = piece - compress;
      piece = 7;
      while (piece !== 0 && swaps > 0) {
        const t = address[compress + swaps - 1];
        address[compress + swaps - 1] = address[piece];
        address[piece] = t;
        piece--;
        swaps--;
      }
    } else if (piece !== 8) return undefined;
    return address;
  };
  const serializeIpv6 = (a: number[]): string => {
    let best = -1;
    let bestLen = 1;
    for (let i = 0; i < 8; ) {
      if (a[i] !== 0) {
        i++;
        continue;
      }
      let j = i;
      while (j < 8 && a[j] === 0) j++;
      if (j - i > bestLen) {
        best = i;
        bestLen = j - i;
      }
      i = j;
    }
    let out = '';
    let ignore0 = false;
    for (let i = 0; i < 8; i++) {
      if (ignore0 && a[i] === 0) continue;
      ignore0 = false;
      if (best === i) {
        out += i === 0 ? '::' : ':';
        ignore0 = true;
        continue;
      }
      out += a[i].toString(16);
      if (i !== 7) out += ':';
    }
    return '[' + out + ']';
  };
  /** The host parser: the serialized host, or undefined for failure. */
  const parseHost = (input: string, opaque: boolean): string | undefined => {
    if (input.startsWith('[')) {
      if (!input.endsWith(']')) return undefined;
      const a = parseIpv6(input.slice(1, -1));
      return a && serializeIpv6(a);
    }
    if (opaque) {
      for (const ch of input) if (ch !== '%' && forbiddenHost(ch)) return undefined;
      return encodeAll(input, inC0);
    }
    const domain = utf8Decode(percentDecode(input));
    const ascii = domainToAscii(domain);
    if (ascii === undefined) return undefined;
    for (const ch of ascii) if (forbiddenDomain(ch)) return undefined;
    if (endsInNumber(ascii)) return parseIpv4(ascii);
    return ascii;
  };

  // ---- the URL record and the basic URL parser ----
  interface Record_ {
    scheme: string;
    username: string;
    password: string;
    host: string | null;
    port: number | null;
    path: string[] | string;
    query: string | null;
    fragment: string | null;
  }
  const isAlpha = (c: string): boolean => /^[A-Za-z]$/.test(c);
  const isWindowsDrive = (s: string): boolean => s.length === 2 && isAlpha(s[0]) && (s[1] === ':' || s[1] === '|');
  const isNormalizedDrive = (s: string): boolean => s.length === 2 && isAlpha(s[0]) && s[1] === ':';
  const startsWithDrive = (cps: string[], p: number): boolean =>
    cps.length - p >= 2 && isWindowsDrive(cps[p] + cps[p + 1]) && (cps.length - p === 2 || '/\\?#'.includes(cps[p + 2]));
  const shorten = (url: Record_): void => {
    const path = url.path as string[];
    if (url.scheme === 'file' && path.length === 1 && isNormalizedDrive(path[0])) return;
    path.pop();
  };
  const isSingleDot = (s: string): boolean => s === '.' || s.toLowerCase() === '%2e';
  const isDoubleDot = (s: string): boolean => ['..', '.%2e', '%2e.', '%2e%2e'].includes(s.toLowerCase());

  type State = 'scheme start' | 'scheme' | 'no scheme' | 'special relative or authority' | 'path or authority' | 'relative' | 'relative slash' | 'special authority slashes' | 'special authority ignore slashes' | 'authority' | 'host' | 'hostname' | 'port' | 'file' | 'file slash' | 'file host' | 'path start' | 'path' | 'opaque path' | 'query' | 'fragment';
  const FAIL = 0;
  /** The basic URL parser; with `url` and `override`, the setters' entry. Returns the record, FAIL, or undefined (an override that changed nothing). */
  const parse = (raw: string, base: Record_ | null, url?: Record_, override?: State): Record_ | 0 | undefined => {
    let input = raw;
    if (!url) {
      // eslint-disable-next-line no-control-regex
      input = input.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
    }
    input = input.replace(/[\t\n\r]/g, '');
    const r: Record_ = url ?? { scheme: '', username: '', password: '', host: null, port: null, path: [], query: null, fragment: null };
    let state: State = override ?? 'scheme start';
    let buffer = '';
    let atSign = false;
    let insideBrackets = false;
    let passwordToken = false;
    const cps = [...input];
    const special = (): boolean => isSpecialScheme(r.scheme);
    for (let p = 0; p <= cps.length; p++) {
      const c = p < cps.length ? cps[p] : '';
      const eof = p >= cps.length;
      switch (state) {
        case 'scheme start':
          if (!eof && isAlpha(c)) {
            buffer += c.toLowerCase();
            state = 'scheme';
          } else if (!override) {
            state = 'no scheme';
            p--;
          } else return FAIL;
          break;
        case 'scheme':
          if (!eof && /^[A-Za-z0-9+.-]$/.test(c)) buffer += c.toLowerCase();
          else if (c === ':') {
            if (override) {
              if (isSpecialScheme(r.scheme) !== isSpecialScheme(buffer)) return undefined;
              if ((r.username !== '' || r.password !== '' || r.port !== null) && buffer === 'file') return undefined;
              if (r.scheme === 'file' && r.host === '') return undefined;
            }
            r.scheme = buffer;
            if (override) {
              if (r.port === defaultPort(r.scheme)) r.port = null;
              return r;
            }
            buffer = '';
            if (r.scheme === 'file') state = 'file';
            else if (special() && base && base.scheme === r.scheme) state = 'special relative or authority';
            else if (special()) state = 'special authority slashes';
            else if (cps[p + 1] === '/') {
              state = 'path or authority';
              p++;
            } else {
              r.path = '';
              state = 'opaque path';
            }
          } else if (!override) {
            buffer = '';
            state = 'no scheme';
            p = -1;
          } else return FAIL;
          break;
        case 'no scheme':
          if (!base || (typeof base.path === 'string' && c !== '#')) return FAIL;
          if (typeof base.path === 'string' && c === '#') {
            r.scheme = base.scheme;
            r.path = base.path;
            r.query = base.query;
            r.fragment = '';
            state = 'fragment';
          } else if (base.scheme !== 'file') {
            state = 'relative';
            p--;
          } else {
            state = 'file';
            p--;
          }
          break;
        case 'special relative or authority':
          if (c === '/' && cps[p + 1] === '/') {
            state = 'special authority ignore slashes';
            p++;
          } else {
            state = 'relative';
            p--;
          }
          break;
        case 'path or authority':
          if (c === '/') state = 'authority';
          else {
            state = 'path';
            p--;
          }
          break;
        case 'relative': {
          const b = base as Record_;
          r.scheme = b.scheme;
          if (c === '/') state = 'relative slash';
          else if (special() && c === '\\') state = 'relative slash';
          else {
            r.username = b.username;
            r.password = b.password;
            r.host = b.host;
            r.port = b.port;
            r.path = (b.path as string[]).slice();
            r.query = b.query;
            if (c === '?') {
              r.query = '';
              state = 'query';
            } else if (c === '#') {
              r.fragment = '';
              state = 'fragment';
            } else if (!eof) {
              r.query = null;
              shorten(r);
              state = 'path';
              p--;
            }
          }
          break;
        }
        case 'relative slash':
          if (special() && (c === '/' || c === '\\')) state = 'special authority ignore slashes';
          else if (c === '/') state = 'authority';
          else {
            const b = base as Record_;
            r.username = b.username;
            r.password = b.password;
            r.host = b.host;
            r.port = b.port;
            state = 'path';
            p--;
          }
          break;
        case 'special authority slashes':
          if (c === '/' && cps[p + 1] === '/') {
            state = 'special authority ignore slashes';
            p++;
          } else {
            state = 'special authority ignore slashes';
            p--;
          }
          break;
        case 'special authority ignore slashes':
          if (c !== '/' && c !== '\\') {
            state = 'authority';
            p--;
          }
          break;
        case 'authority':
          if (c === '@') {
            if (atSign) buffer = '%40' + buffer;
            atSign = true;
            for (const ch of buffer) {
              if (ch === ':' && !passwordToken) {
                passwordToken = true;
                continue;
              }
              const enc = encodeCp(ch, inUserinfo);
              if (passwordToken) r.password += enc;
              else r.username += enc;
            }
            buffer = '';
          } else if (eof || c === '/' || c === '?' || c === '#' || (special() && c === '\\')) {
            if (atSign && buffer === '') return FAIL;
            p -= [...buffer].length + 1;
            buffer = '';
            state = 'host';
          } else buffer += c;
          break;
        case 'host':
        case 'hostname':
          if (override && r.scheme === 'file') {
            p--;
            state = 'file host';
          } else if (c === ':' && !insideBrackets) {
            if (buffer === '') return FAIL;
            if (override === 'hostname') return undefined;
            const host = parseHost(buffer, !special());
            if (host === undefined) return FAIL;
            r.host = host;
            buffer = '';
            state = 'port';
          } else if (eof || c === '/' || c === '?' || c === '#' || (special() && c === '\\')) {
            p--;
            if (special() && buffer === '') return FAIL;
            if (override && buffer === '' && (r.username !== '' || r.password !== '' || r.port !== null)) return undefined;
            const host = parseHost(buffer, !special());
            if (host === undefined) return FAIL;
            r.host = host;
            buffer = '';
            state = 'path start';
            if (override) return r;
          } else {
            if (c === '[') insideBrackets = true;
            if (c === ']') insideBrackets = false;
            buffer += c;
          }
          break;
        case 'port':
          if (!eof && /^[0-9]$/.test(c)) buffer += c;
          else if (eof || c === '/' || c === '?' || c === '#' || (special() && c === '\\') || override) {
            if (buffer !== '') {
              const port = parseInt(buffer, 10);
              if (port > 65535) return FAIL;
              r.port = port === defaultPort(r.scheme) ? null : port;
              buffer = '';
              if (override) return r;
            }
            if (override) return r;
            state = 'path start';
            p--;
          } else return FAIL;
          break;
        case 'file':
          r.scheme = 'file';
          r.host = '';
          if (c === '/' || c === '\\') state = 'file slash';
          else if (base && base.scheme === 'file') {
            r.host = base.host;
            r.path = (base.path as string[]).slice();
            r.query = base.query;
            if (c === '?') {
              r.query = '';
              state = 'query';
            } else if (c === '#') {
              r.fragment = '';
              state = 'fragment';
            } else if (!eof) {
              r.query = null;
              if (!startsWithDrive(cps, p)) shorten(r);
              else r.path = [];
              state = 'path';
              p--;
            }
          } else {
            state = 'path';
            p--;
          }
          break;
        case 'file slash':
          if (c === '/' || c === '\\') state = 'file host';
          else {
            if (base && base.scheme === 'file') {
              r.host = base.host;
              if (!startsWithDrive(cps, p) && typeof base.path !== 'string' && base.path.length > 0 && isNormalizedDrive(base.path[0])) (r.path as string[]).push(base.path[0]);
            }
            state = 'path';
            p--;
          }
          break;
        case 'file host':
          if (eof || c === '/' || c === '\\' || c === '?' || c === '#') {
            p--;
            if (!override && isWindowsDrive(buffer)) state = 'path';
            else if (buffer === '') {
              r.host = '';
              if (override) return r;
              state = 'path start';
            } else {
              let host = parseHost(buffer, false);
              if (host === undefined) return FAIL;
              if (host === 'localhost') host = '';
              r.host = host;
              if (override) return r;
              buffer = '';
              state = 'path start';
            }
          } else buffer += c;
          break;
        case 'path start':
          if (special()) {
            state = 'path';
            if (c !== '/' && c !== '\\') p--;
          } else if (!override && c === '?') {
            r.query = '';
            state = 'query';
          } else if (!override && c === '#') {
            r.fragment = '';
            state = 'fragment';
          } else if (!eof) {
            state = 'path';
            if (c !== '/') p--;
          } else if (override && r.host === null) (r.path as string[]).push('');
          break;
        case 'path': {
          const path = r.path as string[];
          if (eof || c === '/' || (special() && c === '\\') || (!override && (c === '?' || c === '#'))) {
            if (isDoubleDot(buffer)) {
              shorten(r);
              if (c !== '/' && !(special() && c === '\\')) path.push('');
            } else if (isSingleDot(buffer) && c !== '/' && !(special() && c === '\\')) path.push('');
            else if (!isSingleDot(buffer)) {
              if (r.scheme === 'file' && path.length === 0 && isWindowsDrive(buffer)) buffer = buffer[0] + ':';
              path.push(buffer);
            }
            buffer = '';
            if (c === '?') {
              r.query = '';
              state = 'query';
            }
            if (c === '#') {
              r.fragment = '';
              state = 'fragment';
            }
          } else buffer += encodeCp(c, inPath);
          break;
        }
        case 'opaque path':
          if (c === '?') {
            r.query = '';
            state = 'query';
          } else if (c === '#') {
            r.fragment = '';
            state = 'fragment';
          } else if (c === ' ') {
            const next = cps[p + 1];
            r.path = (r.path as string) + (next === '?' || next === '#' ? '%20' : ' ');
          } else if (!eof) r.path = (r.path as string) + encodeCp(c, inC0);
          break;
        case 'query':
          if ((!override && c === '#') || eof) {
            r.query = (r.query ?? '') + encodeAll(buffer, special() ? inSpecialQuery : inQuery);
            buffer = '';
            if (c === '#') {
              r.fragment = '';
              state = 'fragment';
            }
          } else buffer += c;
          break;
        case 'fragment':
          if (!eof) r.fragment = (r.fragment ?? '') + encodeCp(c, inFragment);
          break;
      }
    }
    return r;
  };

  const serializePath = (r: Record_): string => {
    if (typeof r.path === 'string') return r.path;
    let out = '';
    for (const seg of r.path) out += '/' + seg;
    return out;
  };
  const serialize = (r: Record_, noFragment = false): string => {
    let out = r.scheme + ':';
    if (r.host !== null) {
      out += '//';
      if (r.username !== '' || r.password !== '') out += r.username + (r.password !== '' ? ':' + r.password : '') + '@';
      out += r.host + (r.port !== null ? ':' + r.port : '');
    }
    // A path starting with an empty segment and no host would read as a host: "/." keeps it a path.
    if (r.host === null && typeof r.path !== 'string' && r.path.length > 1 && r.path[0] === '') out += '/.';
    out += serializePath(r);
    if (r.query !== null) out += '?' + r.query;
    if (!noFragment && r.fragment !== null) out += '#' + r.fragment;
    return out;
  };
  const originOf = (r: Record_): string => {
    if (r.scheme === 'blob') {
      const inner = typeof r.path === 'string' ? parse(r.path, null) : FAIL;
      return inner && (inner.scheme === 'http' || inner.scheme === 'https') ? originOf(inner) : 'null';
    }
    if (['ftp', 'http', 'https', 'ws', 'wss'].includes(r.scheme)) return r.scheme + '://' + r.host + (r.port !== null ? ':' + r.port : '');
    return 'null';
  };

  // ---- application/x-www-form-urlencoded ----
  const formParse = (s: string): Array<[string, string]> => {
    const out: Array<[string, string]> = [];
    for (const seq of s.split('&')) {
      if (seq === '') continue;
      const eq = seq.indexOf('=');
      const name = (eq < 0 ? seq : seq.slice(0, eq)).replace(/\+/g, ' ');
      const value = (eq < 0 ? '' : seq.slice(eq + 1)).replace(/\+/g, ' ');
      out.push([utf8Decode(percentDecode(name)), utf8Decode(percentDecode(value))]);
    }
    return out;
  };
  const formEncode = (s: string): string => {
    let out = '';
    for (const ch of s) out += ch === ' ' ? '+' : encodeCp(ch, inForm);
    return out;
  };
  const formSerialize = (list: Array<[string, string]>): string => list.map(([n, v]) => formEncode(n) + '=' + formEncode(v)).join('&');

  // ---- the classes ----
  const records = new WeakMap<object, Record_>();
  const lists = new WeakMap<object, { list: Array<[string, string]>; url: object | null }>();
  const recordOf = (u: unknown): Record_ => {
    const r = records.get(u as object);
    if (!r) throw coded(new TypeErrorCtor('Receiver must be an instance of class URL'), 'ERR_INVALID_THIS');
    return r;
  };
  const listOf = (p: unknown): { list: Array<[string, string]>; url: object | null } => {
    const l = lists.get(p as object);
    if (!l) throw coded(new TypeErrorCtor('Value of "this" must be of type URLSearchParams'), 'ERR_INVALID_THIS');
    return l;
  };
  const paramsOf = new WeakMap<object, object>();
  /** The URL's query changed: its searchParams list follows. */
  const refreshParams = (u: object): void => {
    const params = paramsOf.get(u);
    if (params) listOf(params).list = formParse(recordOf(u).query ?? '');
  };
  /** A URLSearchParams changed: its URL's query follows (no query at all when empty). */
  const updateUrl = (l: { list: Array<[string, string]>; url: object | null }): void => {
    if (!l.url) return;
    const s = formSerialize(l.list);
    recordOf(l.url).query = s === '' ? null : s;
  };

  class URLSearchParams {
    constructor(init: unknown = '') {
      let list: Array<[string, string]> = [];
      if (init !== null && typeof init === 'object' && typeof (init as any)[Symbol.iterator] === 'function' ) {
        for (const pair of init as Iterable<unknown>) {
          if (pair === null || typeof pair !== 'object' || typeof (pair as any)[Symbol.iterator] !== 'function') throw coded(new TypeErrorCtor('Each query pair must be an iterable [name, value] tuple'), 'ERR_INVALID_TUPLE');
          const items = [...(pair as Iterable<unknown>)];
          if (items.length !== 2) throw coded(new TypeErrorCtor('Each query pair must be an iterable [name, value] tuple'), 'ERR_INVALID_TUPLE');
          list.push([usv(items[0]), usv(items[1])]);
        }
      } else if (init !== null && (typeof init === 'object' || typeof init === 'function')) {
        for (const k of Reflect.ownKeys(init as object)) {
          const d = Object.getOwnPropertyDescriptor(init, k);
          if (typeof k === 'string' && d && d.enumerable) list.push([usv(k), usv((init as any)[k])]);
        }
      } else {
        const s = usv(init);
        list = formParse(s.startsWith('?') ? s.slice(1) : s);
      }
      lists.set(this, { list, url: null });
    }
    get size(): number {
      return listOf(this).list.length;
    }
    append(name: unknown, value: unknown): void {
      if (arguments.length < 2) throw coded(new TypeErrorCtor('The "name" and "value" arguments must be specified'), 'ERR_MISSING_ARGS');
      const l = listOf(this);
      l.list.push([usv(name), usv(value)]);
      updateUrl(l);
    }
    delete(name: unknown, value?: unknown): void {
      if (arguments.length < 1) throw missing('name');
      const l = listOf(this);
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      l.list = l.list.filter(([k, x]) => !(k === n && (v === undefined || x === v)));
      updateUrl(l);
    }
    get(name: unknown): string | null {
      if (arguments.length < 1) throw missing('name');
      const n = usv(name);
      const hit = listOf(this).list.find(([k]) => k === n);
      return hit ? hit[1] : null;
    }
    getAll(name: unknown): string[] {
      if (arguments.length < 1) throw missing('name');
      const n = usv(name);
      return listOf(this).list.filter(([k]) => k === n).map(([, v]) => v);
    }
    has(name: unknown, value?: unknown): boolean {
      if (arguments.length < 1) throw missing('name');
      const n = usv(name);
      const v = value === undefined ? undefined : usv(value);
      return listOf(this).list.some(([k, x]) => k === n && (v === undefined || x === v));
    }
    set(name: unknown, value: unknown): void {
      if (arguments.length < 2) throw coded(new TypeErrorCtor('The "name" and "value" arguments must be specified'), 'ERR_MISSING_ARGS');
      const l = listOf(this);
      const n = usv(name);
      const v = usv(value);
      const at = l.list.findIndex(([k]) => k === n);
      if (at < 0) l.list.push([n, v]);
      else {
        l.list[at] = [n, v];
        l.list = l.list.filter(([k], i) => i <= at || k !== n);
      }
      updateUrl(l);
    }
    sort(): void {
      const l = listOf(this);
      const units = (s: string): number[] => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
      const cmp = (a: string, b: string): number => {
        const x = units(a);
        const y = units(b);
        for (let i = 0; i < x.length && i < y.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
        return x.length - y.length;
      };
      l.list = l.list.map((e, i) => [e, i] as const).sort((a, b) => cmp(a[0][0], b[0][0]) || a[1] - b[1]).map(([e]) => e);
      updateUrl(l);
    }
    forEach(callback: unknown, thisArg?: unknown): void {
      if (typeof callback !== 'function') throw coded(new TypeErrorCtor('The "callback" argument must be of type function.'), 'ERR_INVALID_ARG_TYPE');
      const l = listOf(this);
      for (let i = 0; i < l.list.length; i++) Reflect.apply(callback, thisArg, [l.list[i][1], l.list[i][0], this]);
    }
    keys(): IterableIterator<string> {
      return listOf(this).list.map(([k]) => k)[Symbol.iterator]();
    }
    values(): IterableIterator<string> {
      return listOf(this).list.map(([, v]) => v)[Symbol.iterator]();
    }
    entries(): IterableIterator<[string, string]> {
      return listOf(this).list.map(([k, v]) => [k, v] as [string, string])[Symbol.iterator]();
    }
    [Symbol.iterator](): IterableIterator<[string, string]> {
      return this.entries();
    }
    toString(): string {
      return formSerialize(listOf(this).list);
    }
    get [Symbol.toStringTag](): string {
      return 'URLSearchParams';
    }
  }

  const parseArgs = (url: unknown, base: unknown, hasBase: boolean): Record_ | 0 => {
    let b: Record_ | null = null;
    if (hasBase && base !== undefined) {
      const parsed = parse(usv(base), null);
      if (!parsed) return FAIL;
      b = parsed;
    }
    return parse(usv(url), b) || FAIL;
  };
  const setter = (u: unknown, value: unknown, state: State, prepare?: (r: Record_, v: string) => string | undefined): void => {
    const r = recordOf(u);
    let v = usv(value);
    if (prepare) {
      const p = prepare(r, v);
      if (p === undefined) return;
      v = p;
    }
    const copy: Record_ = { ...r, path: typeof r.path === 'string' ? r.path : r.path.slice() };
    const out = parse(v, null, copy, state);
    if (out) Object.assign(r, out);
  };

  class URL {
    constructor(url?: unknown, base?: unknown) {
      if (arguments.length === 0) throw missing('url');
      const r = parseArgs(url, base, arguments.length > 1);
      if (!r) throw invalid(usv(url));
      records.set(this, r);
    }
    static canParse(url?: unknown, base?: unknown): boolean {
      if (arguments.length === 0) throw missing('url');
      return parseArgs(url, base, arguments.length > 1) !== FAIL;
    }
    static parse(url?: unknown, base?: unknown): URL | null {
      if (arguments.length === 0) throw missing('url');
      const r = parseArgs(url, base, arguments.length > 1);
      if (!r) return null;
      const u = Object.create(URL.prototype) as URL;
      records.set(u, r);
      return u;
    }
    get href(): string {
      return serialize(recordOf(this));
    }
    set href(value: string) {
      const r = parse(usv(value), null);
      if (!r) throw invalid(usv(value));
      records.set(this, r);
      refreshParams(this);
    }
    get origin(): string {
      return originOf(recordOf(this));
    }
    get protocol(): string {
      return recordOf(this).scheme + ':';
    }
    set protocol(value: string) {
      setter(this, usv(value) + ':', 'scheme start');
    }
    get username(): string {
      return recordOf(this).username;
    }
    set username(value: string) {
      const r = recordOf(this);
      if (r.host === null || r.host === '' || r.scheme === 'file') return;
      r.username = encodeAll(usv(value), inUserinfo);
    }
    get password(): string {
      return recordOf(this).password;
    }
    set password(value: string) {
      const r = recordOf(this);
      if (r.host === null || r.host === '' || r.scheme === 'file') return;
      r.password = encodeAll(usv(value), inUserinfo);
    }
    get host(): string {
      const r = recordOf(this);
      return r.host === null ? '' : r.port === null ? r.host : r.host + ':' + r.port;
    }
    set host(value: string) {
      if (typeof recordOf(this).path === 'string') return;
      setter(this, value, 'host');
    }
    get hostname(): string {
      return recordOf(this).host ?? '';
    }
    set hostname(value: string) {
      if (typeof recordOf(this).path === 'string') return;
      setter(this, value, 'hostname');
    }
    get port(): string {
      const p = recordOf(this).port;
      return p === null ? '' : StringCtor(p);
    }
    set port(value: string) {
      const r = recordOf(this);
      if (r.host === null || r.host === '' || r.scheme === 'file') return;
      if (usv(value) === '') r.port = null;
      else setter(this, value, 'port');
    }
    get pathname(): string {
      return serializePath(recordOf(this));
    }
    set pathname(value: string) {
      const r = recordOf(this);
      if (typeof r.path === 'string') return;
      r.path = [];
      setter(this, value, 'path start');
    }
    get search(): string {
      const q = recordOf(this).query;
      return q === null || q === '' ? '' : '?' + q;
    }
    set search(value: string) {
      const r = recordOf(this);
      const v = usv(value);
      if (v === '') {
        r.query = null;
        refreshParams(this);
        return;
      }
      r.query = '';
      setter(this, v.startsWith('?') ? v.slice(1) : v, 'query');
      refreshParams(this);
    }
    get searchParams(): URLSearchParams {
      let p = paramsOf.get(this) as URLSearchParams | undefined;
      if (!p) {
        p = new URLSearchParams(recordOf(this).query ?? '');
        listOf(p).url = this;
        paramsOf.set(this, p);
      }
      return p;
    }
    get hash(): string {
      const f = recordOf(this).fragment;
      return f === null || f === '' ? '' : '#' + f;
    }
    set hash(value: string) {
      const r = recordOf(this);
      const v = usv(value);
      if (v === '') {
        r.fragment = null;
        return;
      }
      r.fragment = '';
      setter(this, v.startsWith('#') ? v.slice(1) : v, 'fragment');
    }
    toString(): string {
      return this.href;
    }
    toJSON(): string {
      return this.href;
    }
    get [Symbol.toStringTag](): string {
      return 'URL';
    }
  }
  for (const name of ['href', 'origin', 'protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'searchParams', 'hash', 'toString', 'toJSON']) {
    const d = Object.getOwnPropertyDescriptor(URL.prototype, name)!;
    defineProperty(URL.prototype, name, { ...d, enumerable: true });
  }
  return { URL, URLSearchParams };
}
