import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ValidationError } from '../../src/engine/errors';
import { matchesEventPattern, matchesFilterPolicy, validateEventPattern, validateFilterPolicy } from '../../src/engine/pattern';
import { rejects } from './helpers';
import { ACCEPTED_AT_LIMIT, MATCH_CASES, REFUSAL_CASES } from './pattern.cases';

 
const sns = (policy: any, input: Record<string, unknown>) => matchesFilterPolicy(policy, input);
const eb = (pattern: any, event: Record<string, unknown>) => matchesEventPattern(pattern, event);


describe('Filter policies and event patterns: matching', () => {
  describe('exact values, AND across keys, OR within a key', () => {
    it('matches an exact string, case-sensitively', () => {
      assert.equal(sns({ store: ['example_corp'] }, { store: 'example_corp' }), true);
      assert.equal(sns({ store: ['example_corp'] }, { store: 'Example_Corp' }), false);
    });

    it('OR: any value in the array may match', () => {
      const p = { sport: ['rugby', 'football', 'baseball'] };
      assert.equal(sns(p, { sport: 'football' }), true);
      assert.equal(sns(p, { sport: 'tennis' }), false);
    });

    it('AND: every key must match', () => {
      const p = { sport: ['rugby'], price: [{ numeric: ['>', 100] }] };
      assert.equal(sns(p, { sport: 'rugby', price: 150 }), true);
      assert.equal(sns(p, { sport: 'rugby', price: 50 }), false);
      assert.equal(sns(p, { sport: 'rugby' }), false, 'a missing key fails the AND');
    });

    it('exact matching is type-sensitive: "5" is not 5 and "" is not null', () => {
      assert.equal(sns({ n: [5] }, { n: 5 }), true);
      assert.equal(sns({ n: [5] }, { n: '5' }), false);
      assert.equal(sns({ n: ['5'] }, { n: 5 }), false);
      assert.equal(eb({ detail: { v: [''] } }, { detail: { v: '' } }), true);
      assert.equal(eb({ detail: { v: [''] } }, { detail: { v: null } }), false);
      assert.equal(eb({ detail: { v: [null] } }, { detail: { v: null } }), true);
      assert.equal(eb({ detail: { v: [null] } }, { detail: {} }), false, 'null matches a null value, not an absent field');
    });

    it('matches booleans exactly', () => {
      assert.equal(eb({ detail: { ok: [true] } }, { detail: { ok: true } }), true);
      assert.equal(eb({ detail: { ok: [true] } }, { detail: { ok: 'true' } }), false);
    });

    it('an empty SNS policy matches every message', () => {
      assert.equal(sns({}, {}), true);
      assert.equal(sns({}, { a: 'x' }), true);
    });
  });

  describe('prefix, suffix, equals-ignore-case, wildcard', () => {
    it('prefix matches the start of a string only', () => {
      const p = { region: [{ prefix: 'us-' }] };
      assert.equal(sns(p, { region: 'us-east-1' }), true);
      assert.equal(sns(p, { region: 'eu-west-1' }), false);
      assert.equal(sns(p, { region: 'xus-' }), false);
      assert.equal(sns({ n: [{ prefix: '1' }] }, { n: 12 }), false, 'prefix never matches a number');
    });

    it('suffix matches the end of a string only', () => {
      const p = { file: [{ suffix: '.png' }] };
      assert.equal(sns(p, { file: 'cat.png' }), true);
      assert.equal(sns(p, { file: 'cat.PNG' }), false);
      assert.equal(sns(p, { file: 'png.jpg' }), false);
    });

    it('equals-ignore-case ignores case only', () => {
      const p = { name: [{ 'equals-ignore-case': 'Alice' }] };
      assert.equal(sns(p, { name: 'ALICE' }), true);
      assert.equal(sns(p, { name: 'alicia' }), false);
    });

    it('wildcard (EventBridge) matches the whole value with * as any run of characters', () => {
      const p = { detail: { path: [{ wildcard: 'dir/*/file.txt' }] } };
      assert.equal(eb(p, { detail: { path: 'dir/a/b/file.txt' } }), true);
      assert.equal(eb(p, { detail: { path: 'dir/file.txt' } }), false);
      assert.equal(eb(p, { detail: { path: 'dir/a/file.txt.bak' } }), false);
      assert.equal(eb({ detail: { v: [{ wildcard: 'a.c' }] } }, { detail: { v: 'abc' } }), false, '. is literal');
    });
  });

  describe('numeric', () => {
    it('matches single comparisons', () => {
      assert.equal(sns({ p: [{ numeric: ['=', 301.5] }] }, { p: 301.5 }), true);
      assert.equal(sns({ p: [{ numeric: ['=', 301.5] }] }, { p: 301.6 }), false);
      assert.equal(sns({ p: [{ numeric: ['>', 0] }] }, { p: 0 }), false);
      assert.equal(sns({ p: [{ numeric: ['>=', 0] }] }, { p: 0 }), true);
      assert.equal(sns({ p: [{ numeric: ['<', 0] }] }, { p: -0.5 }), true);
      assert.equal(sns({ p: [{ numeric: ['<=', 10] }] }, { p: 10.0001 }), false);
    });

    it('matches a range with open and closed bounds', () => {
      const p = { p: [{ numeric: ['>', 0, '<=', 5] }] };
      assert.equal(sns(p, { p: 0 }), false);
      assert.equal(sns(p, { p: 0.001 }), true);
      assert.equal(sns(p, { p: 5 }), true);
      assert.equal(sns(p, { p: 5.001 }), false);
    });

    it('never matches a numeric string or an absent value', () => {
      assert.equal(sns({ p: [{ numeric: ['>', 0] }] }, { p: '5' }), false);
      assert.equal(sns({ p: [{ numeric: ['>', 0] }] }, {}), false);
    });

    it('property: a range [lo, hi) matches exactly the numbers in it', () => {
      fc.assert(
        fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 500 }), fc.double({ min: -2000, max: 2000, noNaN: true }), (lo, width, v) => {
          const hi = lo + width;
          const policy = { p: [{ numeric: ['>=', lo, '<', hi] }] };
          assert.equal(sns(policy, { p: v }), v >= lo && v < hi);
        }),
      );
    });
  });

  describe('anything-but', () => {
    it('excludes one string, one number, or a list', () => {
      assert.equal(sns({ s: [{ 'anything-but': 'init' }] }, { s: 'running' }), true);
      assert.equal(sns({ s: [{ 'anything-but': 'init' }] }, { s: 'init' }), false);
      assert.equal(sns({ n: [{ 'anything-but': 123 }] }, { n: 124 }), true);
      assert.equal(sns({ n: [{ 'anything-but': 123 }] }, { n: 123 }), false);
      const list = { s: [{ 'anything-but': ['stopped', 'overloaded'] }] };
      assert.equal(sns(list, { s: 'overloaded' }), false);
      assert.equal(sns(list, { s: 'running' }), true);
      assert.equal(sns({ n: [{ 'anything-but': [100, 200] }] }, { n: 200 }), false);
    });

    it('excludes by prefix or suffix', () => {
      const p = { region: [{ 'anything-but': { prefix: 'us-' } }] };
      assert.equal(sns(p, { region: 'us-east-1' }), false);
      assert.equal(sns(p, { region: 'eu-west-1' }), true);
      const s = { file: [{ 'anything-but': { suffix: '.png' } }] };
      assert.equal(sns(s, { file: 'a.png' }), false);
      assert.equal(sns(s, { file: 'a.jpg' }), true);
      assert.equal(eb({ s: [{ 'anything-but': { 'equals-ignore-case': ['Init', 'DONE'] } }] }, { s: 'done' }), false);
    });

    it('does not match an absent field', () => {
      assert.equal(sns({ s: [{ 'anything-but': 'init' }] }, {}), false);
      assert.equal(sns({ s: [{ 'anything-but': { prefix: 'x' } }] }, { other: 'y' }), false);
    });

    it('property: for a present string, anything-but [list] is the negation of exact [list]', () => {
      const word = fc.constantFrom('a', 'b', 'c', 'd', 'e');
      fc.assert(
        fc.property(fc.uniqueArray(word, { minLength: 1, maxLength: 4 }), word, (list, v) => {
          assert.equal(sns({ k: [{ 'anything-but': list }] }, { k: v }), !sns({ k: list }, { k: v }));
        }),
      );
    });
  });

  describe('exists', () => {
    it('exists: true matches any present value, exists: false only an absent key', () => {
      assert.equal(sns({ k: [{ exists: true }] }, { k: 'x' }), true);
      assert.equal(sns({ k: [{ exists: true }] }, { k: 0 }), true);
      assert.equal(sns({ k: [{ exists: true }] }, {}), false);
      assert.equal(sns({ k: [{ exists: false }] }, {}), true);
      assert.equal(sns({ k: [{ exists: false }] }, { other: 1 }), true);
      assert.equal(sns({ k: [{ exists: false }] }, { k: 'x' }), false);
    });

    it('exists: false in an OR lets an absent key or a given value match', () => {
      const p = { k: [{ exists: false }, 'x'] };
      assert.equal(sns(p, {}), true);
      assert.equal(sns(p, { k: 'x' }), true);
      assert.equal(sns(p, { k: 'y' }), false);
    });

    it('only works on leaves: a field holding an object does not "exist" as a value', () => {
      assert.equal(eb({ detail: { a: [{ exists: true }] } }, { detail: { a: { b: 1 } } }), false);
      assert.equal(eb({ detail: { a: [{ exists: false }] } }, { detail: { a: { b: 1 } } }), true);
    });

    it('exists: false on a nested field matches when the parent object is missing', () => {
      assert.equal(eb({ detail: { error: { code: [{ exists: false }] } } }, { detail: {} }), true);
      assert.equal(eb({ detail: { error: { code: [{ exists: false }] } } }, { detail: { error: { code: 'E1' } } }), false);
    });

    it('property: exists true and exists false are complementary for any JSON value', () => {
      fc.assert(
        fc.property(fc.option(fc.jsonValue(), { nil: undefined }), (v) => {
          const input = v === undefined ? {} : { k: v };
          assert.notEqual(sns({ k: [{ exists: true }] }, input), sns({ k: [{ exists: false }] }, input));
        }),
      );
    });
  });

  describe('$or', () => {
    it('matches when any branch matches, combined with AND at its level', () => {
      const p = { source: ['shop'], $or: [{ kind: ['order'] }, { price: [{ numeric: ['>', 100] }] }] };
      assert.equal(eb(p, { source: 'shop', kind: 'order' }), true);
      assert.equal(eb(p, { source: 'shop', kind: 'refund', price: 150 }), true);
      assert.equal(eb(p, { source: 'shop', kind: 'refund', price: 50 }), false);
      assert.equal(eb(p, { source: 'other', kind: 'order' }), false);
    });

    it('works inside nested objects', () => {
      const p = { detail: { $or: [{ a: ['1'] }, { b: ['2'] }] } };
      assert.equal(eb(p, { detail: { b: '2' } }), true);
      assert.equal(eb(p, { detail: { c: '3' } }), false);
    });

    it('property: $or equals the OR of matching each branch', () => {
      const v = fc.constantFrom('x', 'y', 'z');
      fc.assert(
        fc.property(v, v, fc.record({ a: v, b: v }, { requiredKeys: [] }), (va, vb, input) => {
          const both = sns({ $or: [{ a: [va] }, { b: [vb] }] }, input);
          assert.equal(both, sns({ a: [va] }, input) || sns({ b: [vb] }, input));
        }),
      );
    });
  });

  describe('arrays and nesting in the event / body', () => {
    it('a value that is an array matches if any element matches', () => {
      const p = { resources: ['arn:a'] };
      assert.equal(eb(p, { resources: ['arn:x', 'arn:a'] }), true);
      assert.equal(eb(p, { resources: ['arn:x', 'arn:y'] }), false);
      assert.equal(eb(p, { resources: [] }), false);
      assert.equal(eb({ detail: { n: [{ numeric: ['>', 10] }] } }, { detail: { n: [1, 2, 30] } }), true);
      assert.equal(eb({ detail: { n: [{ prefix: 'ab' }] } }, { detail: { n: ['x', 'abc'] } }), true);
    });

    it('anything-but on an array matches when some element is not excluded', () => {
      assert.equal(eb({ tags: [{ 'anything-but': 'a' }] }, { tags: ['a', 'b'] }), true);
      assert.equal(eb({ tags: [{ 'anything-but': 'a' }] }, { tags: ['a', 'a'] }), false);
    });

    it('an empty array holds no value: exists is false for it', () => {
      assert.equal(eb({ tags: [{ exists: true }] }, { tags: [] }), false);
      assert.equal(eb({ tags: [{ exists: false }] }, { tags: [] }), true);
    });

    it('nested patterns follow the JSON structure', () => {
      const p = { source: ['shop'], detail: { order: { status: ['paid'], total: [{ numeric: ['>=', 10] }] } } };
      assert.equal(eb(p, { source: 'shop', detail: { order: { status: 'paid', total: 12 } } }), true);
      assert.equal(eb(p, { source: 'shop', detail: { order: { status: 'paid', total: 5 } } }), false);
      assert.equal(eb(p, { source: 'shop', detail: { status: 'paid', total: 12 } }), false, 'same names at the wrong level do not match');
      assert.equal(eb(p, { source: 'shop', detail: 'paid' }), false);
    });

    it('a nested pattern matches an array of objects when one element matches it all', () => {
      const p = { detail: { items: { sku: ['A'], qty: [{ numeric: ['>', 1] }] } } };
      assert.equal(eb(p, { detail: { items: [{ sku: 'B', qty: 5 }, { sku: 'A', qty: 2 }] } }), true);
      assert.equal(eb(p, { detail: { items: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 5 }] } }), false);
    });

    it('SNS body scope: nested body properties', () => {
      const p = { customer: { tier: ['gold'] }, price_usd: [{ numeric: ['>', 100] }] };
      assert.equal(sns(p, { customer: { tier: 'gold' }, price_usd: 150 }), true);
      assert.equal(sns(p, { customer: { tier: 'silver' }, price_usd: 150 }), false);
    });
  });
});

describe('Filter policies and event patterns: validation', () => {
  it('accepts the documented forms', () => {
    validateFilterPolicy({ a: ['x', 1, true, null], b: [{ prefix: 'p' }, { suffix: 's' }], c: [{ numeric: ['>', 0, '<=', 5] }], d: [{ exists: false }] }, 'filterPolicy');
    validateFilterPolicy({ a: [{ 'anything-but': ['x', 'y'] }], b: [{ 'anything-but': { prefix: 'p' } }], $or: [{ c: ['1'] }, { d: ['2'] }] }, 'filterPolicy');
    validateFilterPolicy({ body: { nested: ['x'] } }, 'filterPolicy', 'MessageBody');
    validateEventPattern({ source: ['s'], detail: { a: [{ wildcard: '*x' }], b: [{ 'anything-but': { suffix: '.tmp' } }] } }, 'rules.r.pattern');
  });

  it('rejects a non-object policy', () => {
    rejects(() => validateFilterPolicy('x', 'filterPolicy'), 'filterPolicy', /JSON object/);
    rejects(() => validateFilterPolicy([], 'filterPolicy'), 'filterPolicy');
    rejects(() => validateEventPattern(null, 'rules.r.pattern'), 'rules.r.pattern');
  });

  it('rejects an empty event pattern but not an empty SNS policy', () => {
    rejects(() => validateEventPattern({}, 'rules.r.pattern'), 'rules.r.pattern', /empty/);
    validateFilterPolicy({}, 'filterPolicy');
  });

  it('requires values to be arrays', () => {
    rejects(() => validateFilterPolicy({ store: 'x' }, 'filterPolicy'), 'filterPolicy.store', /array/);
    rejects(() => validateEventPattern({ source: 'aws.ec2' }, 'p'), 'p.source', /array/);
    rejects(() => validateEventPattern({ source: [] }, 'p'), 'p.source', /at least one/);
  });

  it('rejects nested policies in the attributes scope, accepts them for the body', () => {
    rejects(() => validateFilterPolicy({ a: { b: ['x'] } }, 'filterPolicy'), 'filterPolicy.a', /MessageBody/);
    validateFilterPolicy({ a: { b: ['x'] } }, 'filterPolicy', 'MessageBody');
  });

  it('names the bad numeric condition', () => {
    rejects(() => validateFilterPolicy({ price: [{ numeric: ['>', 'a'] }] }, 'filterPolicy'), 'filterPolicy.price[0].numeric');
    rejects(() => validateFilterPolicy({ price: ['x', { numeric: ['~', 1] }] }, 'filterPolicy'), 'filterPolicy.price[1].numeric', /comparison/);
    rejects(() => validateFilterPolicy({ price: [{ numeric: ['<', 5, '>', 1] }] }, 'filterPolicy'), 'filterPolicy.price[0].numeric', /lower bound/);
    rejects(() => validateFilterPolicy({ price: [{ numeric: ['>', 5, '<', 1] }] }, 'filterPolicy'), 'filterPolicy.price[0].numeric', /below/);
    rejects(() => validateFilterPolicy({ price: [{ numeric: ['=', 1, '<', 5] }] }, 'filterPolicy'), 'filterPolicy.price[0].numeric');
    rejects(() => validateFilterPolicy({ price: [{ numeric: ['>', 2e9] }] }, 'filterPolicy'), 'filterPolicy.price[0].numeric', /1000000000/);
    rejects(() => validateFilterPolicy({ price: [{ numeric: ['>'] }] }, 'filterPolicy'), 'filterPolicy.price[0].numeric');
  });

  it('names bad operators and operator arguments', () => {
    rejects(() => validateFilterPolicy({ a: [{ contains: 'x' }] }, 'filterPolicy'), 'filterPolicy.a[0].contains', /unknown operator/);
    rejects(() => validateFilterPolicy({ a: [{ prefix: 1 }] }, 'filterPolicy'), 'filterPolicy.a[0].prefix', /string/);
    rejects(() => validateFilterPolicy({ a: [{ exists: 'yes' }] }, 'filterPolicy'), 'filterPolicy.a[0].exists', /true or false/);
    rejects(() => validateFilterPolicy({ a: [{ prefix: 'x', suffix: 'y' }] }, 'filterPolicy'), 'filterPolicy.a[0]', /exactly one key/);
    rejects(() => validateFilterPolicy({ a: [{ 'anything-but': [] }] }, 'filterPolicy'), 'filterPolicy.a[0].anything-but', /empty/);
    rejects(() => validateFilterPolicy({ a: [{ 'anything-but': ['x', { prefix: 'y' }] }] }, 'filterPolicy'), 'filterPolicy.a[0].anything-but[1]');
    rejects(() => validateFilterPolicy({ a: [{ 'anything-but': { numeric: ['>', 1] } }] }, 'filterPolicy'), 'filterPolicy.a[0].anything-but.numeric');
    rejects(() => validateFilterPolicy({ a: [{ wildcard: '*x' }] }, 'filterPolicy'), 'filterPolicy.a[0].wildcard', /SNS/);
    rejects(() => validateEventPattern({ a: [{ wildcard: 'a**b' }] }, 'p'), 'p.a[0].wildcard', /consecutive/);
    rejects(() => validateEventPattern({ detail: { a: [[1]] } }, 'p'), 'p.detail.a[0]');
  });

  it('names the bad path inside $or branches', () => {
    rejects(() => validateEventPattern({ $or: [{ a: ['x'] }, { b: [{ numeric: ['>', 'z'] }] }] }, 'p'), 'p.$or[1].b[0].numeric');
  });

  it('enforces the SNS limits of 5 keys and 150 combinations', () => {
    rejects(() => validateFilterPolicy({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] }, 'filterPolicy'), 'filterPolicy', /5 keys/);
    const ten = Array.from({ length: 10 }, (_, i) => String(i));
    validateFilterPolicy({ a: ten, b: ten.slice(0, 5), c: ['x', 'y', 'z'] }, 'filterPolicy'); // 150
    rejects(() => validateFilterPolicy({ a: ten, b: ten, c: ['x', 'y'] }, 'filterPolicy'), 'filterPolicy', /150/);
  });

  it('property: validation never throws anything but ValidationError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        for (const check of [() => validateFilterPolicy(v, 'f'), () => validateFilterPolicy(v, 'f', 'MessageBody'), () => validateEventPattern(v, 'p')]) {
          try {
            check();
          } catch (err) {
            assert.ok(err instanceof ValidationError, String(err));
          }
        }
      }),
    );
  });
});

describe('Filter policies and event patterns: the edges AWS documents', () => {
  for (const c of MATCH_CASES) {
    it(`${c.service}: ${c.name} (${c.doc})`, () => {
      const check = (input: Record<string, unknown>): boolean => {
        if (c.service === 'EventBridge') {
          validateEventPattern(c.pattern, 'p');
          return eb(c.pattern, { source: 'lab', 'detail-type': 'case', detail: input });
        }
        validateFilterPolicy(c.pattern, 'f', c.scope);
        return matchesFilterPolicy(c.pattern as never, input, c.scope);
      };
      for (const m of c.matches) assert.equal(check(m), true, `should match ${JSON.stringify(m)}`);
      for (const m of c.misses) assert.equal(check(m), false, `should not match ${JSON.stringify(m)}`);
    });
  }

  for (const c of REFUSAL_CASES) {
    it(`${c.service} refuses ${c.name} (${c.doc})`, () => {
      if (c.service === 'EventBridge') rejects(() => validateEventPattern(c.pattern, 'p'), c.path, c.message);
      else rejects(() => validateFilterPolicy(c.pattern, 'f', c.scope), c.path, c.message);
    });
  }

  for (const c of ACCEPTED_AT_LIMIT) {
    it(`SNS accepts ${c.name} (${c.doc})`, () => validateFilterPolicy(c.pattern, 'f', c.scope));
  }

  it('EventBridge accepts what SNS refuses: case-insensitive prefix/suffix, wildcard, anything-but lists', () => {
    const forms = [
      { a: [{ prefix: { 'equals-ignore-case': 'x' } }] },
      { a: [{ suffix: { 'equals-ignore-case': 'x' } }] },
      { a: [{ 'anything-but': { prefix: ['x', 'y'] } }] },
      { a: [{ 'anything-but': { 'equals-ignore-case': 'x' } }] },
      { a: [{ 'anything-but': { wildcard: 'x*' } }] },
    ];
    for (const f of forms) {
      validateEventPattern({ detail: f }, 'p');
      assert.throws(() => validateFilterPolicy(f, 'f'), ValidationError, JSON.stringify(f));
    }
    rejects(() => validateFilterPolicy({ a: [{ prefix: { 'equals-ignore-case': 'x' } }] }, 'f'), 'f.a[0].prefix', /EventBridge/);
  });

  it('the SNS key limit counts top-level keys of a body policy, and each $or alternative on its own', () => {
    // SNS constraints: in payload-based filtering only the top-level keys count toward the five.
    validateFilterPolicy({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: { f: ['1'], g: ['1'], h: ['1'] } }, 'f', 'MessageBody');
    rejects(() => validateFilterPolicy({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], e: ['1'], f: ['1'] }, 'f', 'MessageAttributes'), 'f', /more than 5 keys: got 6/);
    validateFilterPolicy({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], $or: [{ e: ['1'] }, { f: ['1'] }] }, 'f');
    rejects(() => validateFilterPolicy({ a: ['1'], b: ['1'], c: ['1'], d: ['1'], $or: [{ e: ['1'], f: ['2'] }, { g: ['1'] }] }, 'f'), 'f', /more than 5 keys/);
  });

  it('names the largest alternative when an SNS policy is too complex', () => {
    rejects(
      () => validateFilterPolicy({ a: { b: Array.from({ length: 76 }, (_, i) => `v${i}`) } }, 'filterPolicy', 'MessageBody'),
      'filterPolicy',
      /152 combinations of values \(a\.b 76×2\); SNS allows at most 150/,
    );
  });

  it('$or with operator objects only is an ordinary field named "$or" (the SNS guide: not parsed as OR)', () => {
    const p = { $or: [{ prefix: 'ab' }] };
    validateFilterPolicy(p, 'f');
    assert.equal(sns(p, { $or: 'abc' }), true);
    assert.equal(sns(p, { a: 'abc' }), false);
    rejects(() => validateFilterPolicy({ $or: [{ numeric: 123 }, { prefix: 'abc' }] }, 'f'), 'f.$or[0].numeric');
  });

  it('a plain IP value matches the same address however it is written; other strings stay exact', () => {
    const p = { detail: { ip: ['2001:db8::1'] } };
    assert.equal(eb(p, { detail: { ip: '2001:0DB8:0:0:0:0:0:1' } }), true);
    assert.equal(eb(p, { detail: { ip: '2001:db8::2' } }), false);
    assert.equal(eb({ detail: { ip: ['10.0.0.1'] } }, { detail: { ip: '::ffff:10.0.0.1' } }), true, 'an IPv4-mapped IPv6 address is the IPv4 address');
  });

  it('cidr follows the matcher: the block runs from the base as written, /32 and /128 are refused', () => {
    const p = { detail: { ip: [{ cidr: '10.0.0.5/24' }] } };
    validateEventPattern(p, 'p');
    assert.equal(eb(p, { detail: { ip: '10.0.0.200' } }), true);
    assert.equal(eb(p, { detail: { ip: '10.0.0.4' } }), false);
    rejects(() => validateEventPattern({ detail: { ip: [{ cidr: '10.0.0.1/32' }] } }, 'p'), 'p.detail.ip[0].cidr', /below 32/);
    rejects(() => validateEventPattern({ detail: { ip: [{ cidr: '::1/128' }] } }, 'p'), 'p.detail.ip[0].cidr', /below 128/);
    rejects(() => validateEventPattern({ detail: { ip: [{ cidr: '10.0.0.0/x' }] } }, 'p'), 'p.detail.ip[0].cidr', /integer/);
  });

  it('property: a $or key override equals matching the expanded alternatives', () => {
    const v = fc.constantFrom('1', '2', '3');
    fc.assert(
      fc.property(v, v, v, fc.record({ a: v, b: v }, { requiredKeys: [] }), (outer, inA, inB, detail) => {
        const pattern = { detail: { a: [outer], $or: [{ a: [inA] }, { b: [inB] }] } };
        const expanded = eb({ detail: { a: [inA] } }, { detail }) || eb({ detail: { a: [outer], b: [inB] } }, { detail });
        assert.equal(eb(pattern, { detail }), expanded);
      }),
    );
  });

  it('property: wrapping a value in arrays (of arrays) does not change what a condition sees', () => {
    const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 }), fc.boolean(), fc.constant(null));
    const cond = fc.constantFrom<unknown>('a', 1, null, { prefix: 'a' }, { numeric: ['>', 0] }, { 'anything-but': 'a' }, { exists: true }, { exists: false });
    fc.assert(
      fc.property(leaf, cond, fc.integer({ min: 1, max: 3 }), (value, c, depth) => {
        let wrapped: unknown = value;
        for (let i = 0; i < depth; i++) wrapped = [wrapped];
        const pattern = { detail: { k: [c] } };
        assert.equal(eb(pattern, { detail: { k: wrapped } }), eb(pattern, { detail: { k: value } }));
      }),
    );
  });
});
