import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';
import { backendHandler, Gateway, HttpResponse, ObjectStore, RESPONSE_BODY_TRACED, Table } from '../../src/engine/services';

/** Asserts `fn` throws a ValidationError for `path`. */
function throwsValidation(fn: () => unknown, path: string): void {
  assert.throws(fn, (err: unknown) => err instanceof ValidationError && err.path === path, `expected ValidationError at ${path}`);
}

function throwsEngine(fn: () => unknown, code: string): void {
  assert.throws(fn, (err: unknown) => err instanceof EngineError && err.code === code, `expected EngineError ${code}`);
}

describe('ObjectStore (S3 model)', () => {
  it('put stores the body; the ETag of a single PUT is the hex MD5 of the body; size counts UTF-8 bytes', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'uploads' });
    const res = bucket.put('greeting.txt', 'hello', { cause: 'req-9' });
    assert.equal(res.etag, '5d41402abc4b2a76b9719d911017c592'); // md5("hello"), RFC 1321 test vectors style
    assert.equal(res.size, 5);
    assert.equal(bucket.put('e.txt', 'é').size, 2);
    assert.equal(bucket.put('empty', '').etag, 'd41d8cd98f00b204e9800998ecf8427e'); // md5("")
    const got = bucket.get('greeting.txt');
    assert.ok(got);
    assert.equal(got.body, 'hello');
    assert.equal(got.etag, res.etag);
    assert.equal(got.size, 5);
    const stored = ctx.trace.records().find((r) => r.kind === 'stored' && r.id === 'greeting.txt');
    assert.ok(stored);
    assert.equal(stored.resource, 'uploads');
    assert.equal(stored.cause, 'req-9');
    assert.equal(ctx.trace.count('read', 'uploads'), 1);
  });

  it('a put replaces the object (new ETag and version id); a missing key reads as undefined', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'docs' });
    const v1 = bucket.put('a', 'one');
    const v2 = bucket.put('a', 'two');
    assert.notEqual(v1.versionId, v2.versionId);
    assert.notEqual(v1.etag, v2.etag);
    assert.equal(bucket.get('a')?.body, 'two');
    assert.equal(bucket.get('nope'), undefined);
    assert.equal(bucket.size(), 1);
  });

  it('ObjectCreated notifications honour prefix and suffix filters and run synchronously after the put', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'photos' });
    const jpgs: string[] = [];
    const pngs: string[] = [];
    const readInListener: Array<string | undefined> = [];
    bucket.onObjectCreated(
      (e) => {
        jpgs.push(e.key);
        readInListener.push(bucket.get(e.key)?.body);
      },
      { prefix: 'images/', suffix: '.jpg' },
    );
    bucket.onObjectCreated((e) => pngs.push(e.key), { prefix: 'images/', suffix: '.png' });
    bucket.put('images/cat.jpg', 'meow');
    bucket.put('images/cat.png', 'meow');
    bucket.put('videos/cat.jpg', 'meow'); // wrong prefix
    bucket.put('images/cat.jpg.bak', 'meow'); // wrong suffix
    assert.deepEqual(jpgs, ['images/cat.jpg']);
    assert.deepEqual(pngs, ['images/cat.png']);
    assert.deepEqual(readInListener, ['meow']);
    assert.equal(ctx.trace.count('delivered', 'photos'), 2);
  });

  it('the event carries bucket, key, size, ETag and the virtual event time in ISO-8601', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'inbox' });
    const events: unknown[] = [];
    bucket.onObjectCreated((e) => events.push(e));
    ctx.clock.advance(1500);
    bucket.put('x.json', '{"a":1}');
    assert.deepEqual(events, [{ bucket: 'inbox', key: 'x.json', size: 7, etag: bucket.get('x.json')!.etag, eventTime: '2026-01-01T00:00:01.500Z', time: 1500, sequence: 1 }]);
  });

  it('unsubscribing stops notifications', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'inbox' });
    let n = 0;
    const off = bucket.onObjectCreated(() => n++);
    bucket.put('a', '1');
    off();
    bucket.put('b', '2');
    assert.equal(n, 1);
  });

  it('overlapping notification configurations are rejected like S3 does (fan out through a topic instead)', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'media' });
    const calls: string[] = [];
    bucket.onObjectCreated(() => calls.push('jpg'), { prefix: 'images/', suffix: '.jpg' });
    // Same key space: no filter overlaps everything; a longer prefix with the same suffix overlaps.
    throwsEngine(() => bucket.onObjectCreated(() => calls.push('all')), 'InvalidArgument');
    throwsEngine(() => bucket.onObjectCreated(() => calls.push('sub'), { prefix: 'images/2024/', suffix: '.jpg' }), 'InvalidArgument');
    throwsEngine(() => bucket.onObjectCreated(() => calls.push('suffix'), { suffix: 'g' }), 'InvalidArgument');
    // Disjoint prefixes or disjoint suffixes are fine.
    bucket.onObjectCreated(() => calls.push('videos'), { prefix: 'videos/' });
    bucket.onObjectCreated(() => calls.push('png'), { prefix: 'images/', suffix: '.png' });
    bucket.put('images/a.jpg', 'x');
    assert.deepEqual(calls, ['jpg']); // rejected subscriptions changed nothing
  });

  it('with overlaps rejected, at most one subscription matches a key; a failing subscriber leaves the object stored', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'media' });
    bucket.onObjectCreated(
      () => {
        throw new Error('boom');
      },
      { prefix: 'a/' },
    );
    assert.throws(() => bucket.put('a/1', 'x'), /boom/);
    assert.equal(bucket.get('a/1')?.body, 'x');
    assert.equal(ctx.trace.count('stored', 'media'), 1);
    assert.equal(ctx.trace.count('delivered', 'media'), 1);
  });

  it('list returns keys under a prefix in UTF-8 binary order', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'keys' });
    for (const key of ['b', 'a/2', 'a/10', 'a', '\uFF61', '\u{1F600}']) bucket.put(key, key);
    assert.deepEqual(
      bucket.list('a').map((o) => o.key),
      ['a', 'a/10', 'a/2'],
    );
    // U+FF61 is EF BD A1 in UTF-8 and U+1F600 is F0 9F 98 80: S3 lists U+FF61 first (UTF-16 order would not).
    assert.deepEqual(
      bucket.list().map((o) => o.key),
      ['a', 'a/10', 'a/2', 'b', '\uFF61', '\u{1F600}'],
    );
    const entry = bucket.list('b')[0];
    assert.equal(entry.size, 1);
    assert.equal(entry.lastModified, 0);
  });

  it('delete is idempotent and says whether there was an object', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'keys' });
    bucket.put('k', 'v');
    assert.equal(bucket.delete('k'), true);
    assert.equal(bucket.delete('k'), false);
    assert.equal(bucket.get('k'), undefined);
  });

  it('an object above maxObjectBytes is refused (EntityTooLarge): nothing stored, nobody notified', () => {
    const ctx = new EngineContext();
    const bucket = new ObjectStore(ctx, { name: 'small', maxObjectBytes: 4 });
    let notified = 0;
    bucket.onObjectCreated(() => notified++);
    bucket.put('ok', '1234');
    throwsEngine(() => bucket.put('big', '12345'), 'EntityTooLarge');
    throwsEngine(() => bucket.put('ok', 'ééé'), 'EntityTooLarge'); // 6 bytes, 3 characters
    assert.equal(bucket.get('big'), undefined);
    assert.equal(bucket.get('ok')?.body, '1234');
    assert.equal(notified, 1);
    assert.equal(ctx.trace.count('stored', 'small'), 1);
  });

  it('rejects bad options and arguments naming the field', () => {
    const ctx = new EngineContext();
    throwsValidation(() => new ObjectStore(ctx, { name: 'My_Bucket' }), 'name');
    throwsValidation(() => new ObjectStore(ctx, { name: 'ab' }), 'name');
    throwsValidation(() => new ObjectStore(ctx, { name: '-bucket' }), 'name');
    throwsValidation(() => new ObjectStore(ctx, { name: 'a..b' }), 'name');
    throwsValidation(() => new ObjectStore(ctx, { name: '192.168.1.1' }), 'name');
    throwsValidation(() => new ObjectStore(ctx, { name: 'ok-bucket', maxObjectBytes: 0 }), 'maxObjectBytes');
    throwsValidation(() => new ObjectStore(ctx, { name: 'ok-bucket', maxObjectBytes: 6 * 1024 ** 3 }), 'maxObjectBytes');
    const bucket = new ObjectStore(ctx, { name: 'ok-bucket' });
    throwsValidation(() => bucket.put('', 'x'), 'key');
    throwsValidation(() => bucket.put('é'.repeat(513), 'x'), 'key'); // 1026 bytes
    bucket.put('k'.repeat(1024), 'x'); // exactly 1024 bytes is allowed
    throwsValidation(() => bucket.put('k', 42 as unknown as string), 'body');
    throwsValidation(() => bucket.onObjectCreated(() => undefined, { suffx: '.jpg' } as never), 'filter.suffx');
    throwsValidation(() => bucket.onObjectCreated(() => undefined, { prefix: 3 } as never), 'filter.prefix');
    assert.equal(bucket.size(), 1);
  });
});

describe('Table (DynamoDB model)', () => {
  it('put and get by partition key; get returns a copy', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'orders', key: 'orderId' });
    table.put({ orderId: 'o-1', total: 12, lines: [{ sku: 'a' }] });
    const item = table.get('o-1');
    assert.deepEqual(item, { orderId: 'o-1', total: 12, lines: [{ sku: 'a' }] });
    (item!.lines as Array<{ sku: string }>)[0].sku = 'changed';
    assert.equal((table.get('o-1')!.lines as Array<{ sku: string }>)[0].sku, 'a');
    assert.equal(table.get('o-2'), undefined);
    assert.equal(table.size(), 1);
    assert.equal(ctx.trace.count('written', 'orders'), 1);
  });

  it('string and number keys are different keys (S vs N types)', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'things', key: 'id' });
    table.put({ id: 1, v: 'number' });
    table.put({ id: '1', v: 'string' });
    assert.equal(table.size(), 2);
    assert.equal(table.get(1)?.v, 'number');
    assert.equal(table.get('1')?.v, 'string');
  });

  it('a put without the key attribute is a ValidationError naming item.<key>, and consumes nothing', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'orders', key: 'orderId', writeCapacityPerSecond: 1 });
    throwsValidation(() => table.put({ id: 'o-1' }), 'item.orderId');
    throwsValidation(() => table.put({ orderId: '' }), 'item.orderId');
    throwsValidation(() => table.put({ orderId: { nested: true } }), 'item.orderId');
    throwsValidation(() => table.put({ orderId: Number.NaN }), 'item.orderId');
    throwsValidation(() => table.put({ orderId: 'o' }, { condition: 'exists' as never }), 'options.condition');
    assert.equal(table.size(), 0);
    assert.equal(table.writesInLastSecond(), 0);
    assert.equal(ctx.trace.length, 0);
  });

  it("conditional put 'attribute_not_exists' makes a consumer idempotent: the second put fails and changes nothing", () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'payments', key: 'paymentId' });
    table.put({ paymentId: 'p-1', amount: 10 }, { condition: 'attribute_not_exists', cause: 'msg-1' });
    throwsEngine(() => table.put({ paymentId: 'p-1', amount: 99 }, { condition: 'attribute_not_exists', cause: 'msg-1' }), 'ConditionalCheckFailed');
    assert.equal(table.get('p-1')?.amount, 10);
    // The trace tells a conditional write from a plain one, and the refused one says why.
    const writes = ctx.trace.records().filter((r) => r.resource === 'payments' && (r.kind === 'written' || r.kind === 'failed'));
    assert.deepEqual(writes.map((r) => [r.kind, r.detail?.condition, r.detail?.reason]), [['written', 'attribute_not_exists', undefined], ['failed', 'attribute_not_exists', 'ConditionalCheckFailed']]);
    // A failed conditional write still consumes write capacity, as in DynamoDB.
    assert.equal(table.writesInLastSecond(), 2);
    // Without a condition a put overwrites.
    table.put({ paymentId: 'p-1', amount: 11 });
    assert.equal(table.get('p-1')?.amount, 11);
  });

  it('capacity window: exactly capacity writes within a second are fine, one more is overloaded; the window is (now−1 s, now]', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'events', key: 'id', writeCapacityPerSecond: 2 });
    table.put({ id: 1 });
    table.put({ id: 2 });
    assert.equal(table.overloadCount(), 0);
    assert.equal(table.writesInLastSecond(), 2);
    ctx.clock.runUntil(999);
    table.put({ id: 3 }); // t=0 writes still in (−1, 999]
    assert.equal(table.overloadCount(), 1);
    assert.equal(table.size(), 3); // recorded, not rejected
    assert.equal(table.peakWritesPerSecond(), 3);
    ctx.clock.runUntil(1000);
    assert.equal(table.writesInLastSecond(), 1); // t=0 writes left the window at exactly 1000
    table.put({ id: 4 });
    assert.equal(table.overloadCount(), 1);
    assert.equal(table.writesInLastSecond(), 2);
    assert.equal(table.peakWritesPerSecond(), 3);
    const overloaded = ctx.trace.records().filter((r) => r.kind === 'overloaded');
    assert.equal(overloaded.length, 1);
    assert.equal(overloaded[0].id, '3');
    assert.equal(overloaded[0].t, 999);
  });

  it('a steady load exactly at capacity never overloads; a higher one does', () => {
    for (const [rate, expectOverload] of [
      [10, false],
      [20, true],
    ] as const) {
      const ctx = new EngineContext();
      const table = new Table(ctx, { name: 'steady', key: 'id', writeCapacityPerSecond: 10 });
      let n = 0;
      const tick = (): void => {
        table.put({ id: ++n });
        if (n < rate * 5) ctx.clock.schedule(1000 / rate, tick);
      };
      tick();
      ctx.clock.drain();
      assert.equal(table.overloadCount() > 0, expectOverload, `rate ${rate}`);
      assert.equal(table.peakWritesPerSecond(), rate);
    }
  });

  it('rejectOverload throttles like DynamoDB: ProvisionedThroughputExceeded, nothing written, no capacity consumed', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'strict', key: 'id', writeCapacityPerSecond: 1, rejectOverload: true });
    table.put({ id: 'a' });
    throwsEngine(() => table.put({ id: 'b' }), 'ProvisionedThroughputExceeded');
    throwsEngine(() => table.update('a', { n: 1 }), 'ProvisionedThroughputExceeded');
    throwsEngine(() => table.delete('a'), 'ProvisionedThroughputExceeded');
    assert.equal(table.get('b'), undefined);
    assert.deepEqual(table.get('a'), { id: 'a' });
    assert.equal(table.overloadCount(), 3);
    assert.equal(table.writesInLastSecond(), 1);
    assert.equal(table.peakWritesPerSecond(), 1);
    const rejected = ctx.trace.records().filter((r) => r.kind === 'overloaded');
    assert.equal(rejected.length, 3);
    assert.equal(rejected[0].detail?.rejected, true);
    ctx.clock.advance(1000);
    table.put({ id: 'b' });
    assert.equal(table.size(), 2);
  });

  it('without a capacity every write succeeds, and the peak is still measured', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'open', key: 'id' });
    for (let i = 0; i < 50; i++) table.put({ id: i });
    ctx.clock.advance(500);
    for (let i = 50; i < 60; i++) table.put({ id: i });
    assert.equal(table.overloadCount(), 0);
    assert.equal(table.peakWritesPerSecond(), 60);
    ctx.clock.advance(500);
    assert.equal(table.writesInLastSecond(), 10);
  });

  it('peakWritesPerSecond is the largest count of any 1 s window ending at a write (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (gaps, capacity) => {
        const ctx = new EngineContext();
        const table = new Table(ctx, { name: 'prop', key: 'id', writeCapacityPerSecond: capacity });
        const times: number[] = [];
        gaps.forEach((gap, i) => {
          ctx.clock.advance(gap);
          times.push(ctx.clock.now);
          table.put({ id: i });
        });
        let peak = 0;
        let overloads = 0;
        times.forEach((t, i) => {
          const before = times.slice(0, i).filter((u) => u > t - 1000).length;
          if (before >= capacity) overloads++;
          peak = Math.max(peak, before + 1);
        });
        assert.equal(table.peakWritesPerSecond(), peak);
        assert.equal(table.overloadCount(), overloads);
      }),
    );
  });

  it('update is an upsert, returns the new item, removes attributes set to undefined, and cannot change the key', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'users', key: 'id' });
    assert.deepEqual(table.update('u-1', { name: 'Ada' }), { id: 'u-1', name: 'Ada' });
    assert.deepEqual(table.update('u-1', { email: 'ada@example.com', name: undefined }), { id: 'u-1', email: 'ada@example.com' });
    throwsValidation(() => table.update('u-1', { id: 'u-2' }), 'patch.id');
    throwsValidation(() => table.update('', { a: 1 }), 'key');
    assert.deepEqual(table.get('u-1'), { id: 'u-1', email: 'ada@example.com' });
    assert.equal(table.writesInLastSecond(), 2);
  });

  it('delete consumes a write even for a missing item and says whether it existed', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'users', key: 'id' });
    table.put({ id: 'a' });
    assert.equal(table.delete('a'), true);
    assert.equal(table.delete('a'), false);
    assert.equal(table.writesInLastSecond(), 3);
    assert.equal(table.size(), 0);
  });

  it('scan returns copies of every item', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'users', key: 'id' });
    table.put({ id: 'a', n: 1 });
    table.put({ id: 'b', n: 2 });
    const all = table.scan();
    assert.deepEqual(
      all.map((i) => i.id).sort(),
      ['a', 'b'],
    );
    all[0].n = 100;
    assert.notEqual(table.get(all[0].id as string)?.n, 100);
  });

  it('an item above 400 KB is refused (ValidationException) and nothing changes', () => {
    const ctx = new EngineContext();
    const table = new Table(ctx, { name: 'blobs', key: 'id' });
    throwsEngine(() => table.put({ id: 'big', data: 'x'.repeat(401 * 1024) }), 'ValidationException');
    assert.equal(table.size(), 0);
    table.put({ id: 'ok', data: 'x'.repeat(399 * 1024) });
    assert.equal(table.size(), 1);
  });

  it('rejects bad options naming the field', () => {
    const ctx = new EngineContext();
    throwsValidation(() => new Table(ctx, { name: 'ab', key: 'id' }), 'name');
    throwsValidation(() => new Table(ctx, { name: 'has space', key: 'id' }), 'name');
    throwsValidation(() => new Table(ctx, { name: 'orders', key: '' }), 'key');
    throwsValidation(() => new Table(ctx, { name: 'orders', key: 'id', writeCapacityPerSecond: 0 }), 'writeCapacityPerSecond');
    throwsValidation(() => new Table(ctx, { name: 'orders', key: 'id', writeCapacityPerSecond: 2.5 }), 'writeCapacityPerSecond');
    throwsValidation(() => new Table(ctx, { name: 'orders', key: 'id', rejectOverload: 'yes' as never }), 'rejectOverload');
  });
});

describe('Gateway (API Gateway model)', () => {
  const ok =
    (body: string) =>
    (_req: unknown, respond: (res: HttpResponse) => void): void =>
      respond({ statusCode: 200, body });

  function call(gw: Gateway, method: string, path: string, extra: { headers?: Record<string, string>; body?: string } = {}) {
    const out: Array<HttpResponse & { route?: string; target?: string }> = [];
    gw.request({ method, path, ...extra }, (res) => out.push(res));
    return out;
  }

  it('the most specific route wins whatever the order routes were added in (AWS routing example)', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    // Added least specific first, to show order does not matter.
    gw.route({ method: '*', path: '/{proxy+}', target: 'legacy', handler: ok('legacy') });
    gw.route({ method: 'GET', path: '/pets/{proxy+}', target: 'pets-any', handler: ok('pets-proxy') });
    gw.route({ method: 'GET', path: '/pets/dog/{id}', target: 'dog-by-id', handler: ok('dog-id') });
    gw.route({ method: 'GET', path: '/pets/dog/1', target: 'dog-one', handler: ok('dog-1') });
    assert.equal(call(gw, 'GET', '/pets/dog/1')[0].body, 'dog-1');
    assert.equal(call(gw, 'GET', '/pets/dog/2')[0].body, 'dog-id');
    assert.equal(call(gw, 'GET', '/pets/cat/1')[0].body, 'pets-proxy');
    assert.equal(call(gw, 'POST', '/pets/dog/1')[0].body, 'legacy');
    const res = call(gw, 'GET', '/pets/dog/2')[0];
    assert.equal(res.route, 'GET /pets/dog/{id}');
    assert.equal(res.target, 'dog-by-id');
  });

  it('passes path parameters (decoded), the greedy remainder, the query and lower-cased headers', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    const seen: unknown[] = [];
    gw.route({
      method: 'GET',
      path: '/users/{id}',
      target: 'users',
      handler: (req, respond) => {
        seen.push({ params: req.pathParameters, query: req.query, headers: req.headers, path: req.path });
        respond({ statusCode: 200 });
      },
    });
    gw.route({
      path: '/files/{key+}',
      target: 'files',
      handler: (req, respond) => {
        seen.push(req.pathParameters);
        respond({ statusCode: 204 });
      },
    });
    call(gw, 'GET', '/users/a%20b?x=1&y=2&x=3', { headers: { 'X-Trace-Id': 't1' } });
    call(gw, 'PUT', '/files/a/b/c.txt');
    assert.deepEqual(seen, [
      { params: { id: 'a b' }, query: { x: '1,3', y: '2' }, headers: { 'x-trace-id': 't1' }, path: '/users/a%20b' },
      { key: 'a/b/c.txt' },
    ]);
  });

  it('a specific method beats ANY on the same path, and a literal beats a variable at the leftmost difference', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    gw.route({ method: 'ANY', path: '/orders', target: 'any', handler: ok('any') });
    gw.route({ method: 'POST', path: '/orders', target: 'create', handler: ok('create') });
    gw.route({ method: 'GET', path: '/{a}/b', target: 'var-first', handler: ok('var-first') });
    gw.route({ method: 'GET', path: '/a/{b}', target: 'lit-first', handler: ok('lit-first') });
    assert.equal(call(gw, 'POST', '/orders')[0].body, 'create');
    assert.equal(call(gw, 'DELETE', '/orders')[0].body, 'any');
    assert.equal(call(gw, 'GET', '/a/b')[0].body, 'lit-first');
    assert.equal(call(gw, 'GET', '/z/b')[0].body, 'var-first');
  });

  it('no matching route answers 404 {"message":"Not Found"}; a greedy variable does not match the root', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    gw.route({ method: 'GET', path: '/users', target: 'users', handler: ok('users') });
    gw.route({ method: 'GET', path: '/{proxy+}', target: 'legacy', handler: ok('legacy') });
    const notFound = call(gw, 'POST', '/users');
    assert.equal(notFound[0].statusCode, 404);
    assert.deepEqual(JSON.parse(notFound[0].body!), { message: 'Not Found' });
    assert.equal(notFound[0].route, undefined);
    assert.equal(call(gw, 'GET', '/')[0].statusCode, 404);
    assert.equal(call(gw, 'GET', '/anything/else')[0].body, 'legacy');
    const kinds = ctx.trace.records().filter((r) => r.id === ctx.trace.records()[0].id).map((r) => r.kind);
    assert.deepEqual(kinds, ['request', 'responded']);
  });

  it('handlers answer later in virtual time; the gateway traces request → routed → responded with the latency', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    gw.route({
      method: 'GET',
      path: '/slow',
      target: 'slow-fn',
      handler: (_req, respond) => ctx.clock.schedule(120, () => respond({ statusCode: 200, body: 'done' })),
    });
    const got: Array<{ t: number; status: number }> = [];
    ctx.clock.advance(5);
    const id = gw.request({ method: 'GET', path: '/slow', cause: 'user-1' }, (res) => got.push({ t: ctx.clock.now, status: res.statusCode }));
    assert.deepEqual(got, []);
    ctx.clock.drain();
    assert.deepEqual(got, [{ t: 125, status: 200 }]);
    const records = ctx.trace.records().filter((r) => r.id === id);
    assert.deepEqual(
      records.map((r) => [r.kind, r.t]),
      [
        ['request', 5],
        ['routed', 5],
        ['responded', 125],
      ],
    );
    assert.equal(records[0].cause, 'user-1');
    assert.deepEqual(records[1].detail, { target: 'slow-fn', route: 'GET /slow' });
    assert.deepEqual(records[2].detail, { statusCode: 200, latencyMs: 120, body: 'done' });
  });

  it('the responded record carries the headers and the body the client got (a long body cut, with its length)', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    const long = 'x'.repeat(RESPONSE_BODY_TRACED + 10);
    gw.route({ method: 'GET', path: '/json', target: 'fn', handler: (_r, respond) => respond({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"a":1}' }) });
    gw.route({ method: 'GET', path: '/long', target: 'fn', handler: (_r, respond) => respond({ statusCode: 200, body: long }) });
    gw.request({ method: 'GET', path: '/json' }, () => undefined);
    gw.request({ method: 'GET', path: '/long' }, () => undefined);
    ctx.clock.drain();
    const [json, cut] = ctx.trace.records().filter((r) => r.kind === 'responded');
    assert.deepEqual(json.detail, { statusCode: 200, latencyMs: 0, headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    assert.equal((cut.detail?.body as string).length, RESPONSE_BODY_TRACED);
    assert.equal(cut.detail?.bodyTruncated, long.length);
  });

  it('the request record carries the body the client sent (a long one cut, with its length), so a check can judge an answer by its question', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    gw.route({ method: 'POST', path: '/echo', target: 'fn', handler: (_r, respond) => respond({ statusCode: 200 }) });
    const long = 'y'.repeat(RESPONSE_BODY_TRACED + 5);
    gw.request({ method: 'POST', path: '/echo', body: '{"text":"hi"}' }, () => undefined);
    gw.request({ method: 'POST', path: '/echo', body: long }, () => undefined);
    gw.request({ method: 'POST', path: '/echo' }, () => undefined);
    ctx.clock.drain();
    const [small, cut, none] = ctx.trace.records().filter((r) => r.kind === 'request');
    assert.deepEqual(small.detail, { method: 'POST', path: '/echo', body: '{"text":"hi"}' });
    assert.equal((cut.detail?.body as string).length, RESPONSE_BODY_TRACED);
    assert.equal(cut.detail?.bodyTruncated, long.length);
    assert.deepEqual(none.detail, { method: 'POST', path: '/echo' });
  });

  it('no answer within 29 s gives 504 at exactly 29 s; the late answer is dropped; an answer just before is delivered', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    gw.route({ method: 'GET', path: '/late', target: 'late', handler: (_r, respond) => ctx.clock.schedule(30_000, () => respond({ statusCode: 200 })) });
    gw.route({ method: 'GET', path: '/just', target: 'just', handler: (_r, respond) => ctx.clock.schedule(28_999, () => respond({ statusCode: 200 })) });
    const got: Array<[string, number, number]> = [];
    gw.request({ method: 'GET', path: '/late' }, (res) => got.push(['late', res.statusCode, ctx.clock.now]));
    gw.request({ method: 'GET', path: '/just' }, (res) => got.push(['just', res.statusCode, ctx.clock.now]));
    ctx.clock.drain();
    assert.deepEqual(got, [
      ['just', 200, 28_999],
      ['late', 504, 29_000],
    ]);
    assert.equal(ctx.trace.count('dropped', 'api'), 1);
    assert.equal(ctx.trace.count('timed-out', 'api'), 1);
  });

  it('the timeout can be lowered per gateway or per route (50 ms to 29 s)', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api', timeoutMs: 1000 });
    const never = (): void => undefined;
    gw.route({ method: 'GET', path: '/a', target: 'a', handler: never });
    gw.route({ method: 'GET', path: '/b', target: 'b', handler: never, timeoutMs: 50 });
    const got: Array<[string, number]> = [];
    gw.request({ method: 'GET', path: '/a' }, () => got.push(['a', ctx.clock.now]));
    gw.request({ method: 'GET', path: '/b' }, () => got.push(['b', ctx.clock.now]));
    ctx.clock.drain();
    assert.deepEqual(got, [
      ['b', 50],
      ['a', 1000],
    ]);
  });

  it('a handler that throws or answers a malformed response gives 500; a second respond is ignored', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    gw.route({
      method: 'GET',
      path: '/throws',
      target: 't',
      handler: () => {
        throw new Error('bug');
      },
    });
    gw.route({ method: 'GET', path: '/bad', target: 'b', handler: (_r, respond) => respond({ statusCode: 42 }) });
    gw.route({
      method: 'GET',
      path: '/twice',
      target: 'w',
      handler: (_r, respond) => {
        respond({ statusCode: 201 });
        respond({ statusCode: 202 });
      },
    });
    assert.equal(call(gw, 'GET', '/throws')[0].statusCode, 500);
    assert.equal(call(gw, 'GET', '/bad')[0].statusCode, 500);
    const twice = call(gw, 'GET', '/twice');
    assert.deepEqual(
      twice.map((r) => r.statusCode),
      [201],
    );
    ctx.clock.drain(); // no leftover timeout fires for answered requests
    assert.equal(ctx.trace.count('responded', 'api'), 3);
  });

  it('a body above 10 MB is refused with 413 before any route runs', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    let ran = 0;
    gw.route({ path: '/{proxy+}', target: 'x', handler: (_r, respond) => (ran++, respond({ statusCode: 200 })) });
    assert.equal(call(gw, 'POST', '/upload', { body: 'x'.repeat(10 * 1024 * 1024 + 1) })[0].statusCode, 413);
    assert.equal(ran, 0);
  });

  it('backendHandler mounts a synchronous legacy backend with a latency (strangler fig)', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'edge' });
    gw.route({ path: '/{proxy+}', target: 'monolith', handler: backendHandler(ctx, (req) => ({ statusCode: 200, body: `legacy ${req.method} ${req.path}` }), 80) });
    gw.route({ method: 'GET', path: '/orders/{id}', target: 'orders-fn', handler: ok('new') });
    const got: string[] = [];
    gw.request({ method: 'GET', path: '/users/7' }, (res) => got.push(`${res.body}@${ctx.clock.now} via ${res.target}`));
    gw.request({ method: 'GET', path: '/orders/7' }, (res) => got.push(`${res.body}@${ctx.clock.now} via ${res.target}`));
    ctx.clock.drain();
    assert.deepEqual(got, ['new@0 via orders-fn', 'legacy GET /users/7@80 via monolith']);
  });

  it('conflicting routes are rejected; routes() lists what was added', () => {
    const ctx = new EngineContext();
    const gw = new Gateway(ctx, { name: 'api' });
    gw.route({ method: 'GET', path: '/users/{id}', target: 'a', handler: ok('a') });
    throwsEngine(() => gw.route({ method: 'GET', path: '/users/{name}', target: 'b', handler: ok('b') }), 'ConflictException');
    gw.route({ method: '*', path: '/users/{id}', target: 'c', handler: ok('c') });
    assert.deepEqual(gw.routes(), [
      { method: 'GET', path: '/users/{id}', target: 'a' },
      { method: '*', path: '/users/{id}', target: 'c' },
    ]);
  });

  it('rejects bad routes, options and requests naming the field', () => {
    const ctx = new EngineContext();
    throwsValidation(() => new Gateway(ctx, { name: '' }), 'name');
    throwsValidation(() => new Gateway(ctx, { name: 'api', timeoutMs: 30_000 }), 'timeoutMs');
    throwsValidation(() => new Gateway(ctx, { name: 'api', timeoutMs: 10 }), 'timeoutMs');
    const gw = new Gateway(ctx, { name: 'api' });
    const handler = ok('x');
    throwsValidation(() => gw.route({ path: 'users', target: 't', handler }), 'route.path');
    throwsValidation(() => gw.route({ path: '/{proxy+}/x', target: 't', handler }), 'route.path');
    throwsValidation(() => gw.route({ path: '/a//b', target: 't', handler }), 'route.path');
    throwsValidation(() => gw.route({ path: '/{id}/{id}', target: 't', handler }), 'route.path');
    throwsValidation(() => gw.route({ path: '/x{id}', target: 't', handler }), 'route.path');
    throwsValidation(() => gw.route({ method: 'FETCH', path: '/a', target: 't', handler }), 'route.method');
    throwsValidation(() => gw.route({ path: '/a', target: '', handler }), 'route.target');
    throwsValidation(() => gw.route({ path: '/a', target: 't', handler: 'nope' as never }), 'route.handler');
    throwsValidation(() => gw.route({ path: '/a', target: 't', handler, timeoutMs: 29_001 }), 'route.timeoutMs');
    assert.deepEqual(gw.routes(), []);
    throwsValidation(() => gw.request({ method: 'FETCH', path: '/' }, () => undefined), 'request.method');
    throwsValidation(() => gw.request({ method: 'GET', path: 'x' }, () => undefined), 'request.path');
    throwsValidation(() => gw.request({ method: 'GET', path: '/', headers: { a: 1 as never } }, () => undefined), 'request.headers.a');
    assert.equal(ctx.trace.length, 0);
  });
});
