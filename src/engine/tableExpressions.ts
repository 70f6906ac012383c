import { EngineError, fail, isPlainObject, show } from './errors';
import { didYouMean } from './scenario';

/**
 * DynamoDB's condition and update expressions, in the object form the lab's handler API uses (the
 * same shapes `serverless-lab export` turns into a ConditionExpression and an UpdateExpression on
 * AWS, in src/export/runtime/serverless-lab.ts), so a write behaves the same in the lab and on AWS.
 *
 * A condition names attributes, each with tests, and every test must hold (DynamoDB's `AND`):
 *
 *     { version: { equals: 3 }, lockedBy: { exists: false } }
 *     →  version = :v AND attribute_not_exists(lockedBy)
 *
 * The rules are DynamoDB's (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
 * and the Condition reference, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Condition.html):
 * - values have types, and values of different types are never equal: "6" ≠ 6, true ≠ 1, null ≠ 0;
 *   a map equals a map with the same attributes in any order, a list a list with the same elements in order;
 * - a comparison with an attribute the item does not have is false (there is no value to compare),
 *   except `notEquals`: a missing attribute is not equal to anything, so `notEquals` holds;
 * - an ordering test (`lessThan`, …) on an attribute of another type than its number is false;
 * - an item that does not exist has no attributes at all: `{ id: { exists: false } }` on the key
 *   attribute means "only if there is no such item".
 */

/** One attribute's tests. Every test given must hold; a test left undefined is no test. */
export interface TableConditionTest {
  /** true: the item has the attribute (any value, null included); false: it does not. */
  exists?: boolean;
  /** The attribute holds this value (same type, same value; maps and lists compared deeply). */
  equals?: unknown;
  /** The attribute is missing or holds anything else. */
  notEquals?: unknown;
  lessThan?: number;
  lessThanOrEqual?: number;
  greaterThan?: number;
  greaterThanOrEqual?: number;
}

/** A write's condition: attribute name → tests, all of which must hold. */
export type TableCondition = Record<string, TableConditionTest>;

/** UpdateItem's clauses: SET values, ADD numbers, REMOVE attributes. */
export interface TableChanges {
  /** Attributes to set to these values (a value left undefined is skipped, as the AWS runtime skips it). */
  set?: Record<string, unknown>;
  /** Numbers to add to attributes, atomically; a missing attribute counts as 0. */
  add?: Record<string, number>;
  /** Attributes to remove (removing one the item does not have is no error). */
  remove?: string[];
}

export const CONDITION_TESTS = ['exists', 'equals', 'notEquals', 'lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual'] as const;
export type ConditionTestName = (typeof CONDITION_TESTS)[number];

/** How each test reads in DynamoDB's expression language (for messages). */
const OPERATOR: Record<ConditionTestName, string> = {
  exists: 'attribute_exists',
  equals: '=',
  notEquals: '<>',
  lessThan: '<',
  lessThanOrEqual: '<=',
  greaterThan: '>',
  greaterThanOrEqual: '>=',
};

/** One test of a checked condition; `value` is the operand as the table stores data (JSON). */
export interface CheckedTest {
  attribute: string;
  test: ConditionTestName;
  value: unknown;
}

const CHANGE_CLAUSES = ['set', 'add', 'remove'] as const;

/** A value as the table stores it (JSON data), or a ValidationError at `path`. */
export function jsonValue(value: unknown, path: string): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    return fail(path, `must be JSON-like data (${(err as Error).message})`);
  }
  if (json === undefined) return fail(path, `must be JSON-like data, got ${typeof value}`);
  return JSON.parse(json);
}

function checkAttributeName(name: string, path: string): void {
  if (name.length === 0) fail(path, 'an attribute name must not be empty');
}

/**
 * Check a condition's shape: a plain object of attributes, each a plain object of known tests with
 * operands of the right type. Returns its tests in the order given, operands as stored data.
 */
export function checkCondition(condition: unknown, path: string): CheckedTest[] {
  if (!isPlainObject(condition)) fail(path, `must be an object of attribute tests, e.g. { version: { equals: 3 } }, got ${show(condition)}`);
  const tests: CheckedTest[] = [];
  const attributes = Object.keys(condition);
  if (attributes.length === 0) fail(path, 'must test at least one attribute, e.g. { version: { equals: 3 } } (for an unconditional write, leave the condition out)');
  for (const attribute of attributes) {
    const p = `${path}.${attribute}`;
    checkAttributeName(attribute, p);
    const spec = condition[attribute];
    if (!isPlainObject(spec)) fail(p, `must be an object of tests (${CONDITION_TESTS.join(', ')}), got ${show(spec)}`);
    let given = 0;
    for (const name of Object.keys(spec)) {
      if (!(CONDITION_TESTS as readonly string[]).includes(name)) {
        const hint = didYouMean(name, CONDITION_TESTS);
        fail(`${p}.${name}`, `unknown test${hint ? ` (did you mean "${hint}"?)` : ''}; the tests are ${CONDITION_TESTS.join(', ')}`);
      }
      const test = name as ConditionTestName;
      const operand = spec[name];
      if (operand === undefined) continue;
      given++;
      if (test === 'exists') {
        if (typeof operand !== 'boolean') fail(`${p}.exists`, `must be true or false, got ${show(operand)}`);
        tests.push({ attribute, test, value: operand });
      } else if (test === 'equals' || test === 'notEquals') {
        tests.push({ attribute, test, value: jsonValue(operand, `${p}.${test}`) });
      } else {
        if (typeof operand !== 'number') fail(`${p}.${test}`, `must be a number, got ${show(operand)}`);
        if (!Number.isFinite(operand)) fail(`${p}.${test}`, `must be a finite number, got ${operand}`);
        tests.push({ attribute, test, value: operand });
      }
    }
    if (given === 0) fail(p, `has no test: give at least one of ${CONDITION_TESTS.join(', ')} (a test set to undefined is no test)`);
  }
  return tests;
}

/** A checked condition as an object again (operands as stored data), for trace records. */
export function conditionObject(tests: readonly CheckedTest[]): TableCondition {
  const out: Record<string, Record<string, unknown>> = {};
  for (const t of tests) {
    let spec = Object.prototype.hasOwnProperty.call(out, t.attribute) ? out[t.attribute] : undefined;
    if (!spec) {
      spec = {};
      // defineProperty: an attribute may be named `__proto__`, which plain assignment would not create.
      Object.defineProperty(out, t.attribute, { value: spec, writable: true, enumerable: true, configurable: true });
    }
    spec[t.test] = t.value;
  }
  return out as TableCondition;
}

/**
 * DynamoDB's equality: same type and same value. Numbers compare by value, strings by their
 * characters, maps attribute by attribute in any order, lists element by element in order; values of
 * different types (a string and a number, a boolean and a number, null and anything but null) differ.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a !== typeof b) return false;
  if (typeof a !== 'object') return a === b;
  const aList = Array.isArray(a);
  if (aList !== Array.isArray(b)) return false;
  if (aList) {
    const x = a as unknown[];
    const y = b as unknown[];
    return x.length === y.length && x.every((v, i) => sameValue(v, y[i]));
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const keys = Object.keys(x);
  if (keys.length !== Object.keys(y).length) return false;
  return keys.every((k) => Object.prototype.hasOwnProperty.call(y, k) && sameValue(x[k], y[k]));
}

function has(item: Record<string, unknown> | undefined, attribute: string): boolean {
  return item !== undefined && Object.prototype.hasOwnProperty.call(item, attribute);
}

/** Whether one test holds for the item (undefined: no item with that key). */
export function testHolds(t: CheckedTest, item: Record<string, unknown> | undefined): boolean {
  const present = has(item, t.attribute);
  const actual = present ? item![t.attribute] : undefined;
  switch (t.test) {
    case 'exists':
      return present === t.value;
    case 'equals':
      return present && sameValue(actual, t.value);
    case 'notEquals':
      return !present || !sameValue(actual, t.value);
    default: {
      if (!present || typeof actual !== 'number') return false;
      const v = t.value as number;
      if (t.test === 'lessThan') return actual < v;
      if (t.test === 'lessThanOrEqual') return actual <= v;
      if (t.test === 'greaterThan') return actual > v;
      return actual >= v;
    }
  }
}

/** The first test that does not hold for the item, or undefined when the condition holds. */
export function failingTest(tests: readonly CheckedTest[], item: Record<string, unknown> | undefined): CheckedTest | undefined {
  for (const t of tests) if (!testHolds(t, item)) return t;
  return undefined;
}

/** Characters of a value a message or trace record shows before cutting it. */
const SHOWN_CHARS = 120;

/** A value as a message shows it: its JSON, cut when long. */
export function shownValue(value: unknown): string {
  const json = JSON.stringify(value) ?? String(value);
  return json.length > SHOWN_CHARS ? `${json.slice(0, SHOWN_CHARS)}…` : json;
}

/** A value as a trace record keeps it: the value when its JSON is short, else the start of that JSON. */
export function tracedOperand(value: unknown): unknown {
  const json = JSON.stringify(value);
  if (json === undefined) return undefined;
  return json.length > SHOWN_CHARS ? `${json.slice(0, SHOWN_CHARS)}…` : value;
}

/** Why a test failed, as a learner reads it: what was required and what the item holds. */
export function explainFailure(t: CheckedTest, item: Record<string, unknown> | undefined): string {
  const required = t.test === 'exists' ? `${t.value ? 'attribute_exists' : 'attribute_not_exists'}(${t.attribute})` : `${t.attribute} ${OPERATOR[t.test]} ${shownValue(t.value)}`;
  let found: string;
  if (item === undefined) found = 'there is no such item';
  else if (!has(item, t.attribute)) found = `the item has no attribute ${t.attribute}`;
  else {
    const actual = item[t.attribute];
    found = `the item has ${t.attribute} = ${shownValue(actual)}`;
    const ordering = t.test !== 'exists' && t.test !== 'equals' && t.test !== 'notEquals';
    if (ordering && typeof actual !== 'number') found += ` (a ${typeName(actual)}, which is never ordered against a number)`;
    else if (t.test === 'equals' && typeName(actual) !== typeName(t.value)) found += ` (a ${typeName(actual)}: values of different types are never equal)`;
  }
  return `${required} does not hold: ${found}`;
}

/**
 * What a trace record says about a failed test: the attribute, the test and what the item held
 * (`actual`), or `missing: 'item'` (no such item) / `missing: 'attribute'` (the item lacks it).
 */
export function failureDetail(t: CheckedTest, item: Record<string, unknown> | undefined): Record<string, unknown> {
  const detail: Record<string, unknown> = { attribute: t.attribute, test: t.test };
  if (item === undefined) detail.missing = 'item';
  else if (!has(item, t.attribute)) detail.missing = 'attribute';
  else detail.actual = tracedOperand(item[t.attribute]);
  return detail;
}

/** A stored value's DynamoDB type, as messages name it. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'map';
  return typeof value; // string, number, boolean
}

/** UpdateItem's changes after their shape is checked: values as stored data, undefined `set` values dropped. */
export interface CheckedChanges {
  set: Array<[string, unknown]>;
  add: Array<[string, number]>;
  remove: string[];
}

/**
 * Check UpdateItem's changes: their shape (a ValidationError naming the field) and DynamoDB's own
 * rules (an EngineError ValidationException, as DynamoDB answers): the key attribute cannot be
 * changed, and one attribute cannot appear twice ("two document paths overlap").
 */
export function checkChanges(changes: unknown, keyAttribute: string, path = 'changes'): CheckedChanges {
  if (!isPlainObject(changes)) fail(path, `must be an object with set, add and/or remove, got ${show(changes)}`);
  for (const clause of Object.keys(changes)) {
    if (!(CHANGE_CLAUSES as readonly string[]).includes(clause)) {
      const hint = didYouMean(clause, CHANGE_CLAUSES);
      fail(`${path}.${clause}`, `unknown clause${hint ? ` (did you mean "${hint}"?)` : ''}; the clauses are set, add and remove`);
    }
  }
  const out: CheckedChanges = { set: [], add: [], remove: [] };
  const { set, add, remove } = changes;
  if (set !== undefined) {
    if (!isPlainObject(set)) fail(`${path}.set`, `must be an object of attribute values, got ${show(set)}`);
    for (const [name, value] of Object.entries(set)) {
      checkAttributeName(name, `${path}.set`);
      if (value !== undefined) out.set.push([name, jsonValue(value, `${path}.set.${name}`)]);
    }
  }
  if (add !== undefined) {
    if (!isPlainObject(add)) fail(`${path}.add`, `must be an object of numbers to add, e.g. { count: 1 }, got ${show(add)}`);
    for (const [name, value] of Object.entries(add)) {
      checkAttributeName(name, `${path}.add`);
      if (typeof value !== 'number') fail(`${path}.add.${name}`, `must be a number, got ${show(value)}`);
      if (!Number.isFinite(value)) fail(`${path}.add.${name}`, `must be a finite number, got ${value}`);
      checkMagnitude(value, `${path}.add.${name}`);
      out.add.push([name, value]);
    }
  }
  if (remove !== undefined) {
    if (!Array.isArray(remove)) fail(`${path}.remove`, `must be an array of attribute names, got ${show(remove)}`);
    remove.forEach((name: unknown, i) => {
      if (typeof name !== 'string') fail(`${path}.remove[${i}]`, `must be an attribute name (a string), got ${show(name)}`);
      checkAttributeName(name, `${path}.remove[${i}]`);
      out.remove.push(name);
    });
  }

  const where = new Map<string, string>();
  const claim = (name: string, at: string): void => {
    if (name === keyAttribute) {
      throw new EngineError('ValidationException', `${at}: One or more parameter values were invalid: Cannot update attribute ${name}. This attribute is part of the key (it identifies the item; to move an item, put a new one and delete the old)`);
    }
    const first = where.get(name);
    if (first !== undefined) {
      throw new EngineError('ValidationException', `${at}: Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [${name}], path two: [${name}] (${first} and ${at} both change ${name})`);
    }
    where.set(name, at);
  };
  for (const [name] of out.set) claim(name, `${path}.set.${name}`);
  for (const [name] of out.add) claim(name, `${path}.add.${name}`);
  out.remove.forEach((name, i) => claim(name, `${path}.remove[${i}]`));
  return out;
}

/**
 * DynamoDB's number range: magnitudes from 1E-130 to 9.9999999999999999999999999999999999999E+125
 * (or zero). The largest is not a double; every double below 1E+126 is in range.
 */
const OVERFLOW_MAGNITUDE = 1e126;
const MIN_MAGNITUDE = 1e-130;

function checkMagnitude(n: number, path: string): void {
  if (n === 0) return;
  const m = Math.abs(n);
  if (m >= OVERFLOW_MAGNITUDE) throw new EngineError('ValidationException', `${path}: Number overflow. Attempting to store a number with magnitude larger than supported range (${n}; DynamoDB numbers go up to 9.99…E+125)`);
  if (m < MIN_MAGNITUDE) throw new EngineError('ValidationException', `${path}: Number underflow. Attempting to store a number with magnitude smaller than supported range (${n}; DynamoDB numbers go down to 1E-130)`);
}

/** A number's shortest decimal form as digits × 10^exponent. */
function decimal(n: number): { digits: bigint; exponent: number } {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(n));
  if (!m) throw new RangeError(`not a finite number: ${n}`);
  const fraction = m[3] ?? '';
  return { digits: BigInt(`${m[1]}${m[2]}${fraction}`), exponent: Number(m[4] ?? 0) - fraction.length };
}

/**
 * ADD as DynamoDB does it: DynamoDB numbers are decimals, so the sum is exact in decimal
 * (0.1 + 0.2 is 0.3, where JavaScript's floating point gives 0.30000000000000004); the result is read
 * back as the nearest JavaScript number, as the AWS SDK's reader does. A result out of DynamoDB's
 * range is refused as DynamoDB refuses it. Not modelled: DynamoDB's 38 significant digits (a sum
 * needing more digits than that, e.g. 1e20 + 1e-20, is kept here as the nearest JavaScript number).
 */
export function addNumbers(a: number, b: number, path: string): number {
  const x = decimal(a);
  const y = decimal(b);
  const exponent = Math.min(x.exponent, y.exponent);
  const sum = x.digits * 10n ** BigInt(x.exponent - exponent) + y.digits * 10n ** BigInt(y.exponent - exponent);
  const result = Number(`${sum}e${exponent}`);
  checkMagnitude(result, path); // an infinite sum is an overflow too
  return result;
}
