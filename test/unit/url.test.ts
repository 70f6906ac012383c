// URL and URLSearchParams inside both executors of learner code (src/sandbox/url.ts), compared with
// Node's own on a corpus of URLs (what handlers parse — API paths, S3 and queue URLs, form bodies —
// and the parser's corners: relative references, dot segments, IPv4/IPv6 hosts, percent-encoding,
// file URLs, opaque paths, invalid input), setters and the search-params API.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HandlerContext } from '../../src/engine/executor';
import { clearCompileCache } from '../../src/sandbox/compile';
import { IsolateExecutor } from '../../src/sandbox/isolateExecutor';
import { VmExecutor } from '../../src/sandbox/vmExecutor';
import { driven } from './driver';
import { recordingLab } from './helpers';

const PROBE = String.raw`
function urlProbe(input) {
  const attempt = (f) => { try { return f(); } catch (e) { return { threw: e.name, code: e.code === undefined ? null : e.code, message: e.message }; } };
  const parts = (u) => ({ href: u.href, origin: u.origin, protocol: u.protocol, username: u.username, password: u.password, host: u.host, hostname: u.hostname, port: u.port, pathname: u.pathname, search: u.search, hash: u.hash, params: [...u.searchParams], json: JSON.stringify({ u }), string: String(u) });
  const out = {};
  out.parsed = input.urls.map(([url, base]) => attempt(() => parts(base === undefined ? new URL(url) : new URL(url, base))));
  out.canParse = input.urls.map(([url, base]) => [URL.canParse(url, base), URL.parse(url, base) === null]);
  out.setters = input.setters.map(([url, prop, value]) => attempt(() => { const u = new URL(url); u[prop] = value; return parts(u); }));
  out.params = input.queries.map((q) => attempt(() => {
    const p = new URLSearchParams(q);
    const before = [...p];
    p.append('x y', 'é&=+');
    p.set('a', '1');
    const afterSet = p.toString();
    p.delete('b');
    p.sort();
    return [before, afterSet, p.toString(), p.get('a'), p.getAll('c'), p.has('c'), p.size, [...p.keys()], [...p.values()]];
  }));
  out.paramsInit = attempt(() => [
    new URLSearchParams({ a: '1', b: 'x y', 'ü': 'ö' }).toString(),
    new URLSearchParams([['a', '1'], ['a', '2']]).getAll('a'),
    new URLSearchParams(new Map([['k', 'v']])).toString(),
    new URLSearchParams('?a=1&a=2&&b').toString(),
    new URLSearchParams('a=%zz&b=%41%C3%A9&c=%FF').get('a') + '|' + new URLSearchParams('a=%zz&b=%41%C3%A9&c=%FF').get('b') + '|' + new URLSearchParams('b=%FF').get('b'),
    new URLSearchParams({ lone: '\ud800' }).toString(),
    new URLSearchParams('a=1&b=2').has('a', '2'),
    (() => { const p = new URLSearchParams('a=1&b=2&a=3'); p.delete('a', '3'); return p.toString(); })(),
    (() => { const seen = []; new URLSearchParams('a=1&b=2').forEach((v, k) => seen.push(k + v)); return seen; })(),
    Object.prototype.toString.call(new URLSearchParams()),
    Object.prototype.toString.call(new URL('http://a')),
  ]);
  out.paramsErrors = [attempt(() => new URLSearchParams([['a']])), attempt(() => new URLSearchParams([1])), attempt(() => new URL()), attempt(() => new URLSearchParams().append('a'))];
  out.linked = attempt(() => {
    const u = new URL('https://api.example.com/orders?status=new&page=2#top');
    const p = u.searchParams;
    p.set('page', '3');
    p.append('tag', 'a b');
    const a = u.href;
    u.search = '?x=1';
    const b = [...p];
    p.delete('x');
    const c = u.href;
    u.searchParams.append('q', '');
    u.hash = '';
    return [a, b, c, u.href, u.searchParams === p];
  });
  return out;
}
`;

const URLS: Array<[string, string?]> = [
  ['https://api.example.com/orders/42?expand=items&x=1#frag'],
  ['HTTPS://User:Pa%20ss@EXAMPLE.com:443/a/./b/../c/?q=1'],
  ['http://example.com:8080'],
  ['http://example.com:80/'],
  ['https://example.com:0/'],
  ['https://example.com:65536/'],
  ['https://my-bucket.s3.us-east-1.amazonaws.com/photos/7.jpg?versionId=abc'],
  ['https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo'],
  ['s3://bucket/key/with spaces.txt'],
  ['arn:aws:sqs:us-east-1:123456789012:orders'],
  ['mailto:someone@example.com?subject=hi there'],
  ['urn:isbn:0451450523'],
  ['data:text/plain;base64,SGVsbG8='],
  ['javascript:alert(1)'],
  ['/orders/42?x=1', 'https://api.example.com/v1/users'],
  ['../x', 'http://a/b/c/d'],
  ['./y/../z', 'http://a/b/c/d'],
  ['?only=query', 'http://a/b/c?old#h'],
  ['#only-hash', 'http://a/b/c?old#h'],
  ['//other.host/p', 'https://a/b'],
  ['', 'http://a/b?c#d'],
  ['g;x?y#s', 'http://a/b/c/d;p?q'],
  ['../../../g', 'http://a/b/c/d;p?q'],
  ['/./g', 'http://a/b/c/d;p?q'],
  ['g.', 'http://a/b/c/d;p?q'],
  ['..g', 'http://a/b/c/d;p?q'],
  ['%2e%2E/x', 'http://a/b/c/'],
  ['/a/%2e./b', 'http://h'],
  ['\\\\server\\share\\f', 'http://a/'],
  ['http:\\\\a\\b\\c'],
  ['http:/a/b'],
  ['http:a/b', 'http://base/x/'],
  ['  \t http://ex\nample.com/\r  '],
  ['http://example.com/a b/ü/%zz/^{}|`"<>'],
  ['http://example.com/?a b&c="d"\'e<f>#g h`i"'],
  ['foo://example.com/?\'q'],
  ['http://ÉXAMPLE.com/'],
  ['http://bücher.de/'],
  ['http://例え.テスト/'],
  ['http://xn--nxasmq6b.com/'],
  ['http://ex%41mple.com/'],
  ['http://ex%zzample.com/'],
  ['http://exa mple.com/'],
  ['http://exa<mple.com/'],
  ['http://0x7f.1/'],
  ['http://127.1/'],
  ['http://0177.0.0.1/'],
  ['http://4294967295/'],
  ['http://4294967296/'],
  ['http://1.2.3.4./'],
  ['http://1.2.3.256/'],
  ['http://1.2.3.09/'],
  ['http://999999999999/'],
  ['http://foo.0x/'],
  ['http://foo.1/'],
  ['http://[::1]:3000/'],
  ['http://[2001:DB8:0:0:0:0:0:1]/'],
  ['http://[0:0::1:2]/'],
  ['http://[::ffff:192.168.0.1]/'],
  ['http://[1:2:3:4:5:6:7:8]/'],
  ['http://[1:2:3:4:5:6:7:8:9]/'],
  ['http://[::1/'],
  ['http://[1::2::3]/'],
  ['http://[::1.2.3]/'],
  ['http://u@/'],
  ['http:///'],
  ['http://@example.com/'],
  ['http://a:b@c:d@example.com/'],
  ['http://:@example.com/'],
  ['http://a@b@c/'],
  ['file:///C:/x/../y'],
  ['file:///tmp/a/../b.txt'],
  ['file://localhost/etc/passwd'],
  ['file://host/share/x'],
  ['file:c:\\foo\\bar'],
  ['file:/C|/x'],
  ['file:..', 'file:///C:/a/b'],
  ['/d', 'file:///C:/a/b'],
  ['x', 'file:///tmp/a'],
  ['blob:https://a.com/uuid'],
  ['blob:nope'],
  ['ws://h/chat'],
  ['wss://h:443/'],
  ['ftp://h:21/f'],
  ['x:/a/../b'],
  ['x:a b '],
  ['x:a b?c'],
  ['sc:/.//p'],
  ['sc://h/.//p'],
  ['sc:'],
  ['sc://ñ/'],
  ['sc://a b/'],
  ['sc://%/'],
  ['non-spec:/..//p'],
  ['nope'],
  [''],
  ['http://'],
  ['https://'],
  ['//x', 'about:blank'],
  ['#x', 'about:blank'],
  ['x', 'about:blank'],
  ['/a', 'invalid base'],
  ['http://a/\ud800'],
  ['http://a/?\udc00#\ud83d\ude00'],
  ['http://a/%00\u0001'],
  ['HTTP://a:8080/b'],
  ['h-t.t+p://a'],
  ['1http://a'],
];

const SETTERS: Array<[string, string, string]> = [
  ['https://a.com/p?q#h', 'pathname', '/new path/ü'],
  ['https://a.com/p?q#h', 'pathname', 'no-slash'],
  ['https://a.com/p?q#h', 'search', 'x=1&y=2'],
  ['https://a.com/p?q#h', 'search', '?'],
  ['https://a.com/p?q#h', 'search', ''],
  ['https://a.com/p?q#h', 'search', 'a#b'],
  ['https://a.com/p?q#h', 'hash', 'new hash'],
  ['https://a.com/p?q#h', 'hash', ''],
  ['https://a.com/p?q#h', 'hash', '#x#y'],
  ['https://a.com/p', 'host', 'b.org:8443'],
  ['https://a.com/p', 'host', 'b.org:'],
  ['https://a.com/p', 'host', 'b.org:443'],
  ['https://a.com:99/p', 'hostname', 'c.net'],
  ['https://a.com/p', 'hostname', 'c.net:77'],
  ['https://a.com/p', 'hostname', ''],
  ['https://a.com/p', 'port', '8080'],
  ['https://a.com:8080/p', 'port', ''],
  ['https://a.com/p', 'port', '443'],
  ['https://a.com/p', 'port', '12ab'],
  ['https://a.com/p', 'port', '99999'],
  ['https://a.com/p', 'protocol', 'http'],
  ['https://a.com/p', 'protocol', 'wss:'],
  ['https://a.com/p', 'protocol', 'foo'],
  ['foo://a/p', 'protocol', 'bar'],
  ['https://a.com/p', 'username', 'us er'],
  ['https://a.com/p', 'password', 'p@ss:w'],
  ['file:///p', 'username', 'x'],
  ['https://a.com/p', 'href', 'http://other/'],
  ['https://a.com/p', 'href', 'not a url'],
  ['mailto:x@y', 'pathname', 'z'],
  ['mailto:x@y', 'host', 'z'],
  ['file:///C:/a', 'host', 'server'],
  ['file://server/a', 'hostname', 'localhost'],
];

const QUERIES = ['a=1&b=2&c=3&c=4', '?b=x&a=%20y&c', 'c=1&b=2&a=3&b=4', '', '=&=x&a', 'a+b=c+d&e=%2B', 'ü=é&%C3%BC=1', 'z=1&Z=2&ä=3&a=4'];

function contextFor(envId: string): HandlerContext {
  return { awsRequestId: 'req-1', functionName: 'fn', memoryLimitInMB: 128, getRemainingTimeInMillis: () => 2500, coldStart: false, environmentId: envId };
}

type Driven = ReturnType<typeof driven<IsolateExecutor | VmExecutor>>;
const kinds = [
  ['sandbox', (dir: string): Driven => driven(new IsolateExecutor({ rootDir: dir }))],
  ['in-process', (dir: string): Driven => driven(new VmExecutor({ rootDir: dir }))],
] as const;

describe('URL and URLSearchParams in handlers', function () {
  this.timeout(60_000);
  let dir: string;
  const fn = (handler: string) => ({ name: 'fn', handler, memoryMb: 128, timeoutMs: 3000 });
  const input = { urls: URLS, setters: SETTERS, queries: QUERIES };
  const expected = JSON.parse(JSON.stringify((new Function(`${PROBE}\nreturn urlProbe;`)() as (i: unknown) => unknown)(input))) as Record<string, unknown[]>;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'url-'));
    writeFileSync(join(dir, 'probe.js'), `${PROBE}\nexport const handler = (event) => urlProbe(event);\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => clearCompileCache());

  for (const [kind, make] of kinds) {
    describe(kind, () => {
      let ex: Driven;
      beforeEach(() => (ex = make(dir)));
      afterEach(() => ex.dispose?.());

      it(`parse ${URLS.length} URLs, run ${SETTERS.length} setters and the search-params API as Node does`, () => {
        assert.ok(ex.createEnvironment(fn('probe.js'), 'u', recordingLab().lab).ok);
        const out = ex.invoke('u', input, contextFor('u'));
        assert.ok(out.ok, JSON.stringify(out));
        const got = out.result as Record<string, unknown[]>;
        const differ: string[] = [];
        for (const key of Object.keys(expected)) {
          const want = expected[key];
          const mine = got[key];
          if (!Array.isArray(want)) {
            if (JSON.stringify(mine) !== JSON.stringify(want)) differ.push(`${key}: ${JSON.stringify(mine)}\n  Node: ${JSON.stringify(want)}`);
            continue;
          }
          const inputs = key === 'parsed' || key === 'canParse' ? URLS : key === 'setters' ? SETTERS : key === 'params' ? QUERIES : [];
          want.forEach((w, i) => {
            if (JSON.stringify(mine[i]) !== JSON.stringify(w)) differ.push(`${key} ${JSON.stringify(inputs[i] ?? i)}: ${JSON.stringify(mine[i])}\n  Node: ${JSON.stringify(w)}`);
          });
        }
        assert.deepEqual(differ, []);
      });
    });
  }
});
