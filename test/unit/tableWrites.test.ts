// The table's conditional writes: PutItem, UpdateItem and DeleteItem with conditions, as DynamoDB
// has them. Sources for the rules asserted here:
// - Comparison operators and functions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
// - Values of different types never match ({"S":"6"} does not equal {"N":"6"}), for EQ, NE and the
//   orderings: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Condition.html
// - `a <> :v` holds when the item has no `a` (a missing attribute is not equal to anything); every
//   other comparison with a missing attribute is false — verified against DynamoDB by DynamoDB
//   emulators fixing exactly this (e.g. ExtendDB pull request 5, dynoxide pull request 8).
// - UpdateItem: an upsert; ADD on a missing number starts from 0; "An operand in the update
//   expression has an incorrect data type"; "Cannot update attribute id. This attribute is part of
//   the key"; "Two document paths overlap with each other":
//   https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html,
//   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
// - A failed conditional write consumes write capacity:
//   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate
// - Numbers are decimals with up to 38 digits, from 1E-130 to 9.99…E+125:
//   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { EngineContext } from '../../src/engine/context';
import { EngineError, ValidationError } from '../../src/engine/errors';
import { Table, type TableCondition } from '../../src/engine/services';

const ITEM = { id: 'a', n: 5, neg: -2.5, s: 'x', b: true, z: null, l: [1, 'a'], m: { a: 1, b: [2] } };

function setup(options: { writeCapacityPerSecond?: number; rejectOverload?: boolean } = {}): { ctx: EngineContext; table: Table } {
  const ctx = new EngineContext();
  const table = new Table(ctx, { name: 'things', key: 'id', ...options });
  return { ctx, table };
}

/** Asserts `fn` throws a ValidationError at `path` whose message matches `message`. */
function throwsValidation(fn: () => unknown, path: string, message?: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof ValidationError, `expected a ValidationError, got ${String(err)}`);
      assert.equal(err.path, path);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

/** Asserts `fn` throws an EngineError with this code (and message). */
function throwsEngine(fn: () => unknown, code: string, message?: RegExp): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(err instanceof EngineError, `expected an EngineError, got ${String(err)}`);
      assert.equal(err.code, code);
      if (message) assert.match(err.message, message);
      return true;
    },
  );
}

/** Whether an update with this condition goes through on a table holding `item` (null: no item). */
function holds(condition: TableCondition, item: Record<string, unknown> | null = ITEM): boolean {
  const { table } = setup();
  if (item) table.put(item);
  try {
    table.updateItem('a', { set: { touched: true } }, { condition });
  } catch (err) {
    if (err instanceof EngineError && err.code === 'ConditionalCheckFailed') {
      assert.deepEqual(table.get('a'), item ? JSON.parse(JSON.stringify(item)) : undefined, 'a failed condition changes nothing (the item as stored: JSON)');
      return false;
    }
    throw err;
  }
  assert.equal(table.get('a')?.touched, true);
  return true;
}

describe('Table: conditions (DynamoDB semantics)', () => {
  const cases: Array<[string, TableCondition, boolean]> = [
    // exists: any value counts, null included
    ['n exists', { n: { exists: true } }, true],
    ['null value exists', { z: { exists: true } }, true],
    ['missing attribute does not exist', { nope: { exists: true } }, false],
    ['missing attribute: exists false', { nope: { exists: false } }, true],
    ['present attribute: exists false', { n: { exists: false } }, false],
    // equals: same type, same value
    ['number equals', { n: { equals: 5 } }, true],
    ['number equals 5.0', { n: { equals: 5.0 } }, true],
    ['number vs string "5"', { n: { equals: '5' } }, false],
    ['string equals', { s: { equals: 'x' } }, true],
    ['strings are case-sensitive', { s: { equals: 'X' } }, false],
    ['boolean equals', { b: { equals: true } }, true],
    ['boolean vs 1', { b: { equals: 1 } }, false],
    ['null equals null', { z: { equals: null } }, true],
    ['null vs 0', { z: { equals: 0 } }, false],
    ['number vs null', { n: { equals: null } }, false],
    ['missing attribute vs null', { nope: { equals: null } }, false],
    ['missing attribute equals nothing', { nope: { equals: 'x' } }, false],
    ['list equals, in order', { l: { equals: [1, 'a'] } }, true],
    ['list in another order', { l: { equals: ['a', 1] } }, false],
    ['list vs a shorter one', { l: { equals: [1] } }, false],
    ['map equals, in any order', { m: { equals: { b: [2], a: 1 } } }, true],
    ['map vs a map missing one attribute', { m: { equals: { a: 1 } } }, false],
    ['map vs a map with a different value type', { m: { equals: { a: '1', b: [2] } } }, false],
    ['map vs list', { m: { equals: [1] } }, false],
    // notEquals: a missing attribute is not equal to anything
    ['number notEquals itself', { n: { notEquals: 5 } }, false],
    ['number notEquals another', { n: { notEquals: 6 } }, true],
    ['number notEquals its string', { n: { notEquals: '5' } }, true],
    ['missing attribute notEquals anything', { nope: { notEquals: 'x' } }, true],
    ['missing attribute notEquals null', { nope: { notEquals: null } }, true],
    ['null notEquals null', { z: { notEquals: null } }, false],
    ['map notEquals the same map reordered', { m: { notEquals: { b: [2], a: 1 } } }, false],
    // orderings: numbers only; a missing attribute or another type is never ordered
    ['5 < 6', { n: { lessThan: 6 } }, true],
    ['5 < 5', { n: { lessThan: 5 } }, false],
    ['5 <= 5', { n: { lessThanOrEqual: 5 } }, true],
    ['5 <= 4.999', { n: { lessThanOrEqual: 4.999 } }, false],
    ['5 > 4.999', { n: { greaterThan: 4.999 } }, true],
    ['5 > 5', { n: { greaterThan: 5 } }, false],
    ['5 >= 5', { n: { greaterThanOrEqual: 5 } }, true],
    ['5 >= 6', { n: { greaterThanOrEqual: 6 } }, false],
    ['-2.5 < -2', { neg: { lessThan: -2 } }, true],
    ['-2.5 > -3', { neg: { greaterThan: -3 } }, true],
    ['string is not ordered against a number', { s: { lessThan: 1e9 } }, false],
    ['string is not ordered against a number (>)', { s: { greaterThan: -1e9 } }, false],
    ['boolean is not ordered', { b: { greaterThan: 0 } }, false],
    ['null is not ordered', { z: { lessThan: 1 } }, false],
    ['list is not ordered', { l: { greaterThanOrEqual: 0 } }, false],
    ['missing attribute is not ordered (<)', { nope: { lessThan: 1e9 } }, false],
    ['missing attribute is not ordered (>=)', { nope: { greaterThanOrEqual: -1e9 } }, false],
    // every test must hold
    ['a range on one attribute', { n: { greaterThan: 1, lessThan: 10 } }, true],
    ['a range that excludes the value', { n: { greaterThan: 1, lessThan: 5 } }, false],
    ['two attributes, both hold', { n: { equals: 5 }, s: { notEquals: 'y' } }, true],
    ['two attributes, the second fails', { n: { equals: 5 }, s: { equals: 'y' } }, false],
    ['exists and a value', { n: { exists: true, equals: 5 } }, true],
    ['exists false with notEquals (redundant, holds)', { nope: { exists: false, notEquals: 1 } }, true],
    ['a test left undefined is no test', { n: { equals: 5, notEquals: undefined } }, true],
  ];
  for (const [label, condition, expected] of cases) {
    it(`${label}: ${expected ? 'holds' : 'fails'}`, () => assert.equal(holds(condition), expected));
  }

  it('against an item that does not exist, every attribute is missing', () => {
    assert.equal(holds({ id: { exists: false } }, null), true);
    assert.equal(holds({ id: { exists: true } }, null), false);
    assert.equal(holds({ n: { notEquals: 5 } }, null), true);
    assert.equal(holds({ n: { equals: 5 } }, null), false);
    assert.equal(holds({ n: { lessThan: 5 } }, null), false);
  });

  it('notEquals is exactly the negation of equals, for any stored value and operand (property)', () => {
    fc.assert(
      fc.property(fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), fc.jsonValue({ maxDepth: 2 }), (stored, operand) => {
        const item = stored === undefined ? { id: 'a' } : { id: 'a', v: stored };
        assert.notEqual(holds({ v: { equals: operand } }, item), holds({ v: { notEquals: operand } }, item));
        if (stored !== undefined) assert.equal(holds({ v: { equals: stored } }, item), true, 'a value equals itself (after JSON)');
      }),
      { numRuns: 200 },
    );
  });

  it('an ordering test and its opposite are both false unless the attribute is a number (property)', () => {
    fc.assert(
      fc.property(fc.option(fc.jsonValue({ maxDepth: 1 }), { nil: undefined }), fc.double({ noNaN: true, noDefaultInfinity: true }), (stored, operand) => {
        const item = stored === undefined ? { id: 'a' } : { id: 'a', v: stored };
        const lt = holds({ v: { lessThan: operand } }, item);
        const ge = holds({ v: { greaterThanOrEqual: operand } }, item);
        if (typeof stored === 'number') assert.notEqual(lt, ge);
        else assert.equal(lt || ge, false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('Table.updateItem (DynamoDB UpdateItem, ALL_NEW)', () => {
  it('sets, adds and removes in one atomic step and returns the whole new item', () => {
    const { table } = setup();
    table.put({ id: 'c-1', hits: 1, note: 'x', keep: true });
    const out = table.updateItem('c-1', { set: { seen: true, tags: ['a'] }, add: { hits: 2 }, remove: ['note', 'never-there'] });
    assert.deepEqual(out, { id: 'c-1', hits: 3, keep: true, seen: true, tags: ['a'] });
    assert.deepEqual(table.get('c-1'), out);
    out.hits = 100;
    assert.equal(table.get('c-1')?.hits, 3, 'the returned item is a copy');
  });

  it('is an upsert: a missing item is created with its key and the changes; ADD starts from 0', () => {
    const { table, ctx } = setup();
    assert.deepEqual(table.updateItem('c-2', { add: { hits: 5, debt: -1.5 } }), { id: 'c-2', hits: 5, debt: -1.5 });
    assert.deepEqual(table.updateItem(7, {}), { id: 7 }, 'no changes: the key alone (a number key stays a number)');
    assert.deepEqual(table.updateItem('c-3', { remove: ['x'] }), { id: 'c-3' });
    assert.equal(table.size(), 3);
    const written = ctx.trace.records().filter((r) => r.kind === 'written');
    assert.deepEqual(
      written.map((r) => r.detail?.created),
      [true, true, true],
    );
  });

  it('ADD is exact decimal arithmetic, as DynamoDB numbers are decimals', () => {
    const { table } = setup();
    table.put({ id: 'a', balance: 0.1 });
    assert.equal(table.updateItem('a', { add: { balance: 0.2 } }).balance, 0.3, '0.1 + 0.2 is 0.3 in DynamoDB');
    assert.equal(table.updateItem('a', { add: { balance: -0.3 } }).balance, 0);
    assert.equal(table.updateItem('a', { add: { balance: 1e21 } }).balance, 1e21);
    assert.equal(table.updateItem('a', { add: { balance: 1.5e-7 } }).balance, 1e21 + 1.5e-7);
    assert.equal(table.updateItem('a', { add: { small: 1.5e-7 } }).small, 1.5e-7);
    assert.equal(table.updateItem('a', { add: { small: 2.5e-7 } }).small, 4e-7);
  });

  it('concurrent increments never lose one: each ADD reads and writes in one step', () => {
    const { table } = setup();
    // Two invocations both read the counter first (read-modify-write loses one of the two updates)…
    table.put({ id: 'views', n: 0 });
    const seenByA = table.get('views')!.n as number;
    const seenByB = table.get('views')!.n as number;
    table.update('views', { n: seenByA + 1 });
    table.update('views', { n: seenByB + 1 });
    assert.equal(table.get('views')?.n, 1, 'read-modify-write: one increment lost');
    // …whereas ADD cannot lose one.
    table.put({ id: 'views', n: 0 });
    table.updateItem('views', { add: { n: 1 } });
    table.updateItem('views', { add: { n: 1 } });
    assert.equal(table.get('views')?.n, 2);
  });

  it('optimistic locking: the second writer holding a stale version is refused', () => {
    const { table } = setup();
    table.put({ id: 'doc', version: 1, body: 'v1' });
    const a = table.get('doc')!;
    const b = table.get('doc')!;
    table.updateItem('doc', { set: { body: 'A' }, add: { version: 1 } }, { condition: { version: { equals: a.version } } });
    throwsEngine(() => table.updateItem('doc', { set: { body: 'B' }, add: { version: 1 } }, { condition: { version: { equals: b.version } } }), 'ConditionalCheckFailed', /version = 1 does not hold: the item has version = 2/);
    assert.deepEqual(table.get('doc'), { id: 'doc', version: 2, body: 'A' });
  });

  it('ADD to anything but a number is a ValidationException, and nothing changes or is charged', () => {
    for (const [attribute, type] of [
      ['s', 'string'],
      ['z', 'null'],
      ['b', 'boolean'],
      ['l', 'list'],
      ['m', 'map'],
    ] as const) {
      const { table, ctx } = setup();
      table.put(ITEM);
      throwsEngine(() => table.updateItem('a', { add: { n: 1, [attribute]: 1 } }), 'ValidationException', new RegExp(`changes\\.add\\.${attribute}: An operand in the update expression has an incorrect data type: ${attribute} holds a ${type}`));
      assert.deepEqual(table.get('a'), ITEM, `${attribute}: the other changes are not applied either`);
      assert.equal(table.writesInLastSecond(), 1, 'only the put consumed capacity');
      assert.equal(ctx.trace.count('written', 'things'), 1);
    }
  });

  it('an ADD whose result leaves DynamoDB\'s number range is refused', () => {
    const { table } = setup();
    table.put({ id: 'a', big: 9e125, tiny: 2e-130 });
    throwsEngine(() => table.updateItem('a', { add: { big: 9e125 } }), 'ValidationException', /changes\.add\.big: Number overflow/);
    throwsEngine(() => table.updateItem('a', { add: { tiny: -1.5e-130 } }), 'ValidationException', /changes\.add\.tiny: Number underflow/);
    throwsEngine(() => table.updateItem('a', { add: { x: 1e300 } }), 'ValidationException', /changes\.add\.x: Number overflow/);
    assert.deepEqual(table.get('a'), { id: 'a', big: 9e125, tiny: 2e-130 });
    assert.equal(table.updateItem('a', { add: { tiny: -2e-130 } }).tiny, 0, 'zero is in range');
  });

  it('the key attribute cannot be set, added to or removed (ValidationException naming it)', () => {
    const { table, ctx } = setup();
    table.put({ id: 'a', n: 1 });
    throwsEngine(() => table.updateItem('a', { set: { id: 'b' } }), 'ValidationException', /^changes\.set\.id: .*Cannot update attribute id\. This attribute is part of the key/);
    throwsEngine(() => table.updateItem('a', { add: { id: 1 } }), 'ValidationException', /^changes\.add\.id: .*part of the key/);
    throwsEngine(() => table.updateItem('a', { remove: ['n', 'id'] }), 'ValidationException', /^changes\.remove\[1\]: .*part of the key/);
    assert.deepEqual(table.get('a'), { id: 'a', n: 1 });
    assert.equal(table.writesInLastSecond(), 1);
    assert.equal(ctx.trace.count('written', 'things'), 1);
    // A set value left undefined is skipped (as the AWS runtime skips it), so it names nothing.
    assert.deepEqual(table.updateItem('a', { set: { id: undefined, m: 2 } }), { id: 'a', n: 1, m: 2 });
  });

  it('an attribute in two clauses is refused: "Two document paths overlap"', () => {
    const { table } = setup();
    table.put({ id: 'a', n: 1 });
    const overlapping: Array<[Parameters<Table['updateItem']>[1], RegExp]> = [
      [{ set: { n: 2 }, add: { n: 1 } }, /^changes\.add\.n: Invalid UpdateExpression: Two document paths overlap .*path one: \[n\], path two: \[n\] \(changes\.set\.n and changes\.add\.n both change n\)/],
      [{ set: { n: 2 }, remove: ['n'] }, /^changes\.remove\[0\]: .*Two document paths overlap.*changes\.set\.n and changes\.remove\[0\]/],
      [{ add: { n: 2 }, remove: ['n'] }, /^changes\.remove\[0\]: .*Two document paths overlap/],
      [{ remove: ['x', 'n', 'n'] }, /^changes\.remove\[2\]: .*Two document paths overlap.*changes\.remove\[1\] and changes\.remove\[2\]/],
    ];
    for (const [changes, message] of overlapping) throwsEngine(() => table.updateItem('a', changes), 'ValidationException', message);
    assert.deepEqual(table.get('a'), { id: 'a', n: 1 });
    assert.equal(table.writesInLastSecond(), 1);
  });

  it('a failed condition changes nothing, creates nothing, still consumes a write unit, and says why', () => {
    const { table, ctx } = setup();
    table.put({ id: 'a', hits: 3, owner: 'ana' });
    throwsEngine(
      () => table.updateItem('a', { set: { owner: 'bo' } }, { cause: 'msg-7', condition: { hits: { greaterThan: 10 } } }),
      'ConditionalCheckFailed',
      /^The conditional request failed: update of things item id = "a": hits > 10 does not hold: the item has hits = 3$/,
    );
    throwsEngine(() => table.updateItem('new', { add: { hits: 1 } }, { condition: { id: { exists: true } } }), 'ConditionalCheckFailed', /attribute_exists\(id\) does not hold: there is no such item/);
    throwsEngine(() => table.updateItem('a', { add: { hits: 1 } }, { condition: { owner: { equals: 7 } } }), 'ConditionalCheckFailed', /owner = 7 does not hold: the item has owner = "ana" \(a string: values of different types are never equal\)/);
    throwsEngine(() => table.updateItem('a', { add: { hits: 1 } }, { condition: { owner: { lessThan: 7 } } }), 'ConditionalCheckFailed', /a string, which is never ordered against a number/);
    throwsEngine(() => table.updateItem('a', { add: { hits: 1 } }, { condition: { lock: { exists: true } } }), 'ConditionalCheckFailed', /the item has no attribute lock/);
    assert.deepEqual(table.get('a'), { id: 'a', hits: 3, owner: 'ana' });
    assert.equal(table.get('new'), undefined);
    assert.equal(table.size(), 1);
    assert.equal(table.writesInLastSecond(), 6, 'the put and five failed updates');
    const failed = ctx.trace.records().filter((r) => r.kind === 'failed');
    assert.equal(failed.length, 5);
    assert.equal(failed[0].cause, 'msg-7');
    assert.equal(failed[0].resource, 'things');
    assert.equal(failed[0].id, 'a');
    assert.deepEqual(failed[0].detail, { op: 'update', condition: { hits: { greaterThan: 10 } }, reason: 'ConditionalCheckFailed', attribute: 'hits', test: 'greaterThan', actual: 3 });
    assert.deepEqual(failed[1].detail, { op: 'update', condition: { id: { exists: true } }, reason: 'ConditionalCheckFailed', attribute: 'id', test: 'exists', missing: 'item' });
    assert.deepEqual(failed[4].detail?.missing, 'attribute');
  });

  it('a failed condition wins over a data error the update would have had', () => {
    const { table } = setup();
    table.put({ id: 'a', s: 'text' });
    throwsEngine(() => table.updateItem('a', { add: { s: 1 } }, { condition: { s: { equals: 'other' } } }), 'ConditionalCheckFailed');
    throwsEngine(() => table.updateItem('a', { add: { s: 1 } }, { condition: { s: { equals: 'text' } } }), 'ValidationException');
    assert.equal(table.writesInLastSecond(), 2, 'the put and the failed condition; the invalid ADD is not charged');
  });

  it('throttling comes first: an update over capacity with rejectOverload is ProvisionedThroughputExceeded', () => {
    const { table } = setup({ writeCapacityPerSecond: 1, rejectOverload: true });
    table.put({ id: 'a', n: 1 });
    throwsEngine(() => table.updateItem('a', { add: { n: 1 } }, { condition: { n: { equals: 99 } } }), 'ProvisionedThroughputExceeded');
    throwsEngine(() => table.deleteItem('a', { condition: { n: { equals: 99 } } }), 'ProvisionedThroughputExceeded');
    assert.deepEqual(table.get('a'), { id: 'a', n: 1 });
    assert.equal(table.overloadCount(), 2);
  });

  it('records what a later explanation needs: set values, the amounts added and the results, removals, the condition', () => {
    const { table, ctx } = setup();
    table.put({ id: 'a', hits: 1, note: 'x' });
    table.updateItem('a', { set: { seen: true, big: 'y'.repeat(500) }, add: { hits: 2 }, remove: ['note'] }, { cause: 'inv-3', condition: { hits: { lessThan: 10 } } });
    const r = ctx.trace.records().filter((x) => x.kind === 'written')[1];
    assert.equal(r.cause, 'inv-3');
    assert.equal(r.id, 'a');
    const { set, ...rest } = r.detail as { set: Record<string, unknown> };
    assert.deepEqual(rest, { op: 'update', created: false, added: { hits: 2 }, result: { hits: 3 }, removed: ['note'], condition: { hits: { lessThan: 10 } } });
    assert.equal(set.seen, true);
    assert.ok(typeof set.big === 'string' && set.big.length < 200, 'a long value is cut in the trace');
    assert.ok(JSON.stringify(r.detail).length < 400, 'the record stays small');
  });

  it('an update making the item larger than 400 KB is refused and changes nothing', () => {
    const { table } = setup();
    table.put({ id: 'a', data: 'x'.repeat(300 * 1024) });
    throwsEngine(() => table.updateItem('a', { set: { more: 'y'.repeat(200 * 1024) } }), 'ValidationException', /Item size to update has exceeded the maximum allowed size/);
    assert.equal(table.get('a')?.more, undefined);
    assert.equal(table.writesInLastSecond(), 1);
  });

  it('any attribute name is an attribute, __proto__ included', () => {
    const { table, ctx } = setup();
    const set = JSON.parse('{"__proto__": 1, "constructor": 2}') as Record<string, unknown>;
    const out = table.updateItem('a', { set });
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.deepEqual(Object.keys(out).sort(), ['__proto__', 'constructor', 'id']);
    assert.equal(holds(JSON.parse('{"__proto__": {"equals": 1}}') as TableCondition, table.get('a')!), true);
    assert.equal(table.updateItem('a', { add: JSON.parse('{"__proto__": 2}') as Record<string, number> }).__proto__ === 3, true);
    throwsEngine(() => table.deleteItem('a', { condition: JSON.parse('{"__proto__": {"equals": 9}}') as TableCondition }), 'ConditionalCheckFailed', /__proto__ = 9 does not hold: the item has __proto__ = 3/);
    const failed = ctx.trace.records().filter((r) => r.kind === 'failed')[0];
    assert.deepEqual(Object.keys(failed.detail?.condition as object), ['__proto__']);
    assert.equal(Object.getPrototypeOf(failed.detail?.condition), Object.prototype);
    assert.equal(({} as Record<string, unknown>).equals, undefined, 'nothing leaks into Object.prototype');
  });
});

describe('Table.deleteItem (DynamoDB DeleteItem, ALL_OLD) and put with a condition object', () => {
  it('deleteItem returns the old item, or undefined when there was none; each is a write unit', () => {
    const { table, ctx } = setup();
    table.put({ id: 'a', n: 1 });
    assert.deepEqual(table.deleteItem('a', { cause: 'm-1' }), { id: 'a', n: 1 });
    assert.equal(table.deleteItem('a'), undefined);
    assert.equal(table.size(), 0);
    assert.equal(table.writesInLastSecond(), 3);
    const deletes = ctx.trace.records().filter((r) => r.kind === 'written' && r.detail?.op === 'delete');
    assert.deepEqual(
      deletes.map((r) => [r.cause, r.detail?.existed]),
      [
        ['m-1', true],
        [undefined, false],
      ],
    );
    assert.equal(table.delete('nope'), false, 'delete(key) still answers whether it existed');
  });

  it('a conditional delete only removes the item when the condition holds', () => {
    const { table, ctx } = setup();
    table.put({ id: 'lease', owner: 'a', until: 1000 });
    throwsEngine(() => table.deleteItem('lease', { condition: { owner: { equals: 'b' } } }), 'ConditionalCheckFailed', /delete of things item id = "lease": owner = "b" does not hold: the item has owner = "a"/);
    throwsEngine(() => table.deleteItem('ghost', { condition: { id: { exists: true } } }), 'ConditionalCheckFailed', /there is no such item/);
    assert.deepEqual(table.get('lease'), { id: 'lease', owner: 'a', until: 1000 });
    assert.deepEqual(table.deleteItem('lease', { condition: { owner: { equals: 'a' }, until: { lessThanOrEqual: 1000 } } }), { id: 'lease', owner: 'a', until: 1000 });
    assert.equal(table.size(), 0);
    assert.equal(table.writesInLastSecond(), 4, 'the put, two failed deletes, the delete');
    const failed = ctx.trace.records().filter((r) => r.kind === 'failed');
    assert.deepEqual(failed[0].detail, { op: 'delete', condition: { owner: { equals: 'b' } }, reason: 'ConditionalCheckFailed', attribute: 'owner', test: 'equals', actual: 'a' });
    const last = ctx.trace.records().filter((r) => r.kind === 'written').at(-1);
    assert.deepEqual(last?.detail, { op: 'delete', existed: true, condition: { owner: { equals: 'a' }, until: { lessThanOrEqual: 1000 } } });
  });

  it('put takes a condition object (optimistic locking on a whole item) and keeps the attribute_not_exists form', () => {
    const { table, ctx } = setup();
    table.put({ id: 'doc', version: 1 }, { condition: { id: { exists: false } } });
    table.put({ id: 'doc', version: 2 }, { condition: { version: { equals: 1 } } });
    throwsEngine(() => table.put({ id: 'doc', version: 2, stale: true }, { condition: { version: { equals: 1 } } }), 'ConditionalCheckFailed', /put of things item id = "doc": version = 1 does not hold: the item has version = 2/);
    throwsEngine(() => table.put({ id: 'doc', version: 9 }, { condition: 'attribute_not_exists' }), 'ConditionalCheckFailed', /already exists/);
    assert.deepEqual(table.get('doc'), { id: 'doc', version: 2 });
    assert.equal(table.writesInLastSecond(), 4);
    const details = ctx.trace.records().filter((r) => r.kind === 'written' || r.kind === 'failed').map((r) => [r.kind, r.detail]);
    assert.deepEqual(details, [
      ['written', { op: 'put', condition: { id: { exists: false } } }],
      ['written', { op: 'put', condition: { version: { equals: 1 } } }],
      ['failed', { op: 'put', condition: { version: { equals: 1 } }, reason: 'ConditionalCheckFailed', attribute: 'version', test: 'equals', actual: 2 }],
      ['failed', { op: 'put', condition: 'attribute_not_exists', reason: 'ConditionalCheckFailed' }],
    ]);
  });
});

describe('Table writes: bad input names the field and changes nothing', () => {
  const bad: Array<[string, (t: Table) => unknown, string, RegExp]> = [
    ['an ordering operand that is not a number', (t) => t.updateItem('a', { set: { x: 1 } }, { condition: { version: { lessThan: '3' as never } } }), 'options.condition.version.lessThan', /must be a number, got "3"/],
    ['a NaN operand', (t) => t.updateItem('a', {}, { condition: { version: { greaterThan: NaN } } }), 'options.condition.version.greaterThan', /must be a finite number/],
    ['an unknown test, with a did-you-mean', (t) => t.updateItem('a', {}, { condition: { version: { equal: 3 } as never } }), 'options.condition.version.equal', /unknown test \(did you mean "equals"\?\); the tests are exists, equals, notEquals/],
    ['lessThen', (t) => t.deleteItem('a', { condition: { n: { lessThen: 3 } as never } }), 'options.condition.n.lessThen', /did you mean "lessThan"/],
    ['exists that is not a boolean', (t) => t.put({ id: 'a' }, { condition: { id: { exists: 'no' as never } } }), 'options.condition.id.exists', /must be true or false, got "no"/],
    ['a test that is a bare value', (t) => t.updateItem('a', {}, { condition: { version: 3 as never } }), 'options.condition.version', /must be an object of tests \(exists, equals/],
    ['an attribute with no test', (t) => t.updateItem('a', {}, { condition: { version: { equals: undefined } } }), 'options.condition.version', /has no test/],
    ['an empty condition', (t) => t.updateItem('a', {}, { condition: {} }), 'options.condition', /must test at least one attribute/],
    ['an equals operand that is not data', (t) => t.updateItem('a', {}, { condition: { f: { equals: () => 1 } } }), 'options.condition.f.equals', /must be JSON-like data/],
    ['a string condition on updateItem', (t) => t.updateItem('a', {}, { condition: 'attribute_not_exists' as never }), 'options.condition', /must be a condition object such as \{ id: \{ exists: true \} \}/],
    ['an unknown string condition on put', (t) => t.put({ id: 'a' }, { condition: 'attribute_exists' as never }), 'options.condition', /must be 'attribute_not_exists' or a condition object/],
    ['an unknown option', (t) => t.updateItem('a', {}, { conditon: { a: { exists: true } } } as never), 'options.conditon', /unknown option \(did you mean "condition"\?\)/],
    ['options that are not an object', (t) => t.deleteItem('a', 'x' as never), 'options', /must be an object/],
    ['a cause that is not a string', (t) => t.updateItem('a', {}, { cause: 7 as never }), 'options.cause', /must be a string/],
    ['changes that are not an object', (t) => t.updateItem('a', [] as never), 'changes', /must be an object with set, add and\/or remove, got an array/],
    ['an unknown clause, with a did-you-mean', (t) => t.updateItem('a', { sett: { n: 1 } } as never), 'changes.sett', /unknown clause \(did you mean "set"\?\)/],
    ['an ADD amount that is not a number', (t) => t.updateItem('a', { add: { n: '1' as never } }), 'changes.add.n', /must be a number, got "1"/],
    ['an infinite ADD amount', (t) => t.updateItem('a', { add: { n: Infinity } }), 'changes.add.n', /must be a finite number/],
    ['remove that is not an array', (t) => t.updateItem('a', { remove: 'n' as never }), 'changes.remove', /must be an array of attribute names, got "n"/],
    ['a remove entry that is not a name', (t) => t.updateItem('a', { remove: ['n', 3 as never] }), 'changes.remove[1]', /must be an attribute name/],
    ['an empty attribute name', (t) => t.updateItem('a', { set: { '': 1 } }), 'changes.set', /must not be empty/],
    ['a set value that is not data', (t) => t.updateItem('a', { set: { n: 10n as never } }), 'changes.set.n', /must be JSON-like data/],
    ['an empty key', (t) => t.updateItem('', { set: { n: 1 } }), 'key', /must not be empty/],
    ['a key that is not a string or number', (t) => t.deleteItem({} as never), 'key', /a partition key is a string or a finite number/],
  ];
  for (const [label, call, path, message] of bad) {
    it(`${label}: ${path}`, () => {
      const { table, ctx } = setup();
      table.put({ id: 'a', n: 1, version: 1 });
      const records = ctx.trace.length;
      throwsValidation(() => call(table), path, message);
      assert.deepEqual(table.get('a'), { id: 'a', n: 1, version: 1 });
      assert.equal(table.writesInLastSecond(), 1, 'no capacity consumed');
      assert.equal(ctx.trace.length, records + 1, 'no trace record but the get above');
    });
  }
});
