/**
 * Content-based filtering, as SNS subscription filter policies and EventBridge event patterns do it.
 *
 * Both services share one matching language (AWS's open-source "event ruler"):
 *
 *   { "store": ["example_corp"],                       ← a field: an ARRAY of conditions, any may match (OR)
 *     "price": [{ "numeric": [">", 0, "<=", 5] }],     ← fields are combined with AND
 *     "detail": { "state": [{ "anything-but": "ok" }] },  ← nested objects follow the JSON structure
 *     "$or": [ { "a": ["x"] }, { "b": ["y"] } ] }      ← explicit OR between groups of fields
 *
 * Conditions: exact values (string, number, true/false, null: type-sensitive, so "5" ≠ 5 and "" ≠ null),
 * `prefix`, `suffix`, `equals-ignore-case`, `numeric` ranges, `anything-but` (a value, a list, or
 * `{prefix|suffix|equals-ignore-case}`), `exists: true|false`, and (EventBridge only) `wildcard`.
 *
 * Semantics worth learning (and that local emulators often get wrong):
 * - A field that is ABSENT matches nothing except `{ "exists": false }`; `anything-but` does not match
 *   an absent field.
 * - When the value in the event/body is an ARRAY, the condition matches if ANY element matches (also for
 *   `anything-but`: ["a","b"] is "anything but a" because "b" is).
 * - Conditions only apply to leaf values: an object is not a value, so `exists: true` does not match a
 *   field holding an object and `exists: false` does.
 * - `numeric` matches JSON numbers only (SNS: Number-typed attributes), never the string "5".
 */
import { ValidationError } from './errors';

/** A value a pattern can match exactly. */
export type PatternScalar = string | number | boolean | null;

/** One condition in a field's array: an exact value or an operator object. */
export type PatternCondition =
  | PatternScalar
  | { prefix: string }
  | { suffix: string }
  | { 'equals-ignore-case': string }
  | { wildcard: string }
  | { numeric: ReadonlyArray<string | number> }
  | { 'anything-but': PatternScalar | ReadonlyArray<string | number> | { prefix?: string; suffix?: string; 'equals-ignore-case'?: string | readonly string[]; wildcard?: string } }
  | { exists: boolean };

/** A pattern object: fields → condition arrays, nested patterns, or `$or` → list of patterns. */
export interface PatternObject {
  readonly [field: string]: ReadonlyArray<PatternCondition> | PatternObject | ReadonlyArray<PatternObject>;
}

/** An SNS subscription filter policy (attributes scope: flat; body scope: may nest). */
export type FilterPolicy = PatternObject;
/** An EventBridge event pattern (matches the whole event envelope, `detail` nested inside). */
export type EventPattern = PatternObject;

/** Operator names; an object with one of these keys is a condition, not a nested pattern. */
const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'numeric', 'anything-but', 'exists'] as const;
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

interface Dialect {
  service: 'SNS' | 'EventBridge';
  /** Nested objects allowed (SNS: body scope only). */
  nested: boolean;
  /** `wildcard` operator available (EventBridge only). */
  wildcard: boolean;
  /** Largest |number| in a numeric condition (SNS: 10^9). */
  numericLimit: number;
  /** Empty pattern `{}` accepted (SNS: "no filter"; EventBridge rejects it). */
  allowEmpty: boolean;
}

const SNS_ATTRIBUTES: Dialect = { service: 'SNS', nested: false, wildcard: false, numericLimit: 1e9, allowEmpty: true };
const SNS_BODY: Dialect = { ...SNS_ATTRIBUTES, nested: true };
const EVENTBRIDGE: Dialect = { service: 'EventBridge', nested: true, wildcard: true, numericLimit: Number.MAX_VALUE, allowEmpty: false };

/** SNS limits: at most 5 keys and at most 150 value combinations per policy. */
export const SNS_MAX_FILTER_KEYS = 5;
export const SNS_MAX_FILTER_COMBINATIONS = 150;

// ───────────────────────────── validation ─────────────────────────────

/**
 * Check an SNS filter policy; throws `ValidationError` naming the bad path, e.g.
 * `filterPolicy.price[0].numeric`. `scope` is the subscription's FilterPolicyScope: with the default
 * `MessageAttributes` policies are flat (SNS rejects nested policies on attributes); `MessageBody`
 * policies may nest to follow the JSON body. Also enforces SNS's 5-key / 150-combination limits.
 */
export function validateFilterPolicy(policy: unknown, path: string, scope: 'MessageAttributes' | 'MessageBody' = 'MessageAttributes'): void {
  const dialect = scope === 'MessageBody' ? SNS_BODY : SNS_ATTRIBUTES;
  validateObject(policy, path, dialect, true);
  const { keys, combinations } = complexity(policy as PatternObject);
  if (keys > SNS_MAX_FILTER_KEYS) throw new ValidationError(path, `a filter policy can have at most ${SNS_MAX_FILTER_KEYS} keys, got ${keys}`);
  if (combinations > SNS_MAX_FILTER_COMBINATIONS) {
    throw new ValidationError(path, `the total combination of values must not exceed ${SNS_MAX_FILTER_COMBINATIONS}, got ${combinations}`);
  }
}

/** Check an EventBridge event pattern; throws `ValidationError` naming the bad path. */
export function validateEventPattern(pattern: unknown, path: string): void {
  validateObject(pattern, path, EVENTBRIDGE, true);
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * `$or` is the OR operator when its value is a list of at least two objects, none of which uses an
 * operator name as a field (SNS treats any other `$or` as an ordinary field name).
 */
function isOrList(value: unknown): value is readonly PatternObject[] {
  if (!Array.isArray(value) || value.length < 2) return false;
  for (const branch of value) {
    if (!isPlainObject(branch)) return false;
    for (const k in branch) if (OPERATOR_SET.has(k)) return false;
  }
  return true;
}

function validateObject(value: unknown, path: string, d: Dialect, top: boolean): void {
  if (!isPlainObject(value)) throw new ValidationError(path, `must be a JSON object, got ${describe(value)}`);
  const keys = Object.keys(value);
  if (keys.length === 0 && !(top && d.allowEmpty)) {
    throw new ValidationError(path, top ? 'an event pattern must not be empty' : 'a nested pattern must not be empty');
  }
  for (const key of keys) {
    const v = value[key];
    const p = join(path, key);
    if (key === '$or' && isOrList(v)) {
      v.forEach((branch, i) => validateObject(branch, `${p}[${i}]`, d, false));
    } else if (Array.isArray(v)) {
      validateConditions(v, p, d);
    } else if (isPlainObject(v)) {
      if (!d.nested) throw new ValidationError(p, 'nested policies are only allowed with filterPolicyScope MessageBody; use an array of values');
      validateObject(v, p, d, false);
    } else {
      throw new ValidationError(p, `must be an array of values (e.g. ["x"]) or a nested object, got ${describe(v)}`);
    }
  }
}

function validateConditions(conditions: readonly unknown[], path: string, d: Dialect): void {
  if (conditions.length === 0) throw new ValidationError(path, 'must list at least one value');
  conditions.forEach((c, i) => validateCondition(c, `${path}[${i}]`, d));
}

function validateCondition(c: unknown, path: string, d: Dialect): void {
  if (c === null || typeof c === 'string' || typeof c === 'boolean') return;
  if (typeof c === 'number') {
    if (!Number.isFinite(c)) throw new ValidationError(path, `must be a finite number, got ${c}`);
    return;
  }
  if (!isPlainObject(c)) throw new ValidationError(path, `must be a string, number, true/false, null or an operator object, got ${describe(c)}`);
  const keys = Object.keys(c);
  if (keys.length !== 1) throw new ValidationError(path, `an operator object must have exactly one key, got ${keys.length} (${keys.join(', ') || 'none'})`);
  const op = keys[0];
  const arg = c[op];
  const p = `${path}.${op}`;
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new ValidationError(p, `must be a string, got ${describe(arg)}`);
      return;
    case 'wildcard':
      if (!d.wildcard) throw new ValidationError(p, `${d.service} does not support wildcard matching`);
      validateWildcard(arg, p);
      return;
    case 'exists':
      if (typeof arg !== 'boolean') throw new ValidationError(p, `must be true or false, got ${describe(arg)}`);
      return;
    case 'numeric':
      validateNumeric(arg, p, d);
      return;
    case 'anything-but':
      validateAnythingBut(arg, p, d);
      return;
    default:
      throw new ValidationError(p, `unknown operator '${op}' (supported: ${OPERATORS.filter((o) => d.wildcard || o !== 'wildcard').join(', ')})`);
  }
}

function validateWildcard(arg: unknown, path: string): void {
  if (typeof arg !== 'string') throw new ValidationError(path, `must be a string, got ${describe(arg)}`);
  if (arg.includes('**')) throw new ValidationError(path, 'consecutive wildcard characters are not allowed');
}

/**
 * `numeric` takes one comparison (`["=", 5]`, `[">", 0]`, `["<=", 9]`) or a range: a lower bound
 * (`>`/`>=`) then an upper bound (`<`/`<=`), lower < upper: `[">", 0, "<=", 5]`.
 */
function validateNumeric(arg: unknown, path: string, d: Dialect): void {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new ValidationError(path, `must be [op, number] or [lowerOp, number, upperOp, number], got ${describe(arg)}`);
  }
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    if (op !== '=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') {
      throw new ValidationError(path, `unknown comparison ${describe(op)} (use =, <, <=, >, >=)`);
    }
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new ValidationError(path, `the value after '${op}' must be a finite number, got ${describe(n)}`);
    if (Math.abs(n) > d.numericLimit) throw new ValidationError(path, `${d.service} numeric values must be between -${d.numericLimit} and ${d.numericLimit}, got ${n}`);
  }
  if (arg.length === 4) {
    const [lowOp, low, highOp, high] = arg as [string, number, string, number];
    if ((lowOp !== '>' && lowOp !== '>=') || (highOp !== '<' && highOp !== '<=')) {
      throw new ValidationError(path, `a range is a lower bound (> or >=) followed by an upper bound (< or <=), got '${lowOp}' then '${highOp}'`);
    }
    if (!(low < high)) throw new ValidationError(path, `the lower bound ${low} must be below the upper bound ${high}`);
  }
}

function validateAnythingBut(arg: unknown, path: string, d: Dialect): void {
  if (typeof arg === 'string') return;
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new ValidationError(path, `must be a finite number, got ${arg}`);
    return;
  }
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw new ValidationError(path, 'the list must not be empty');
    arg.forEach((v, i) => {
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
        throw new ValidationError(`${path}[${i}]`, `anything-but lists hold strings or numbers only, got ${describe(v)}`);
      }
    });
    return;
  }
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    if (keys.length !== 1) throw new ValidationError(path, `must have exactly one of prefix, suffix, equals-ignore-case${d.wildcard ? ', wildcard' : ''}`);
    const op = keys[0];
    const v = arg[op];
    const p = `${path}.${op}`;
    if (op === 'prefix' || op === 'suffix') {
      if (typeof v !== 'string') throw new ValidationError(p, `must be a string, got ${describe(v)}`);
    } else if (op === 'equals-ignore-case') {
      const ok = typeof v === 'string' || (Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string'));
      if (!ok) throw new ValidationError(p, `must be a string or a non-empty list of strings, got ${describe(v)}`);
    } else if (op === 'wildcard' && d.wildcard) {
      validateWildcard(v, p);
    } else {
      throw new ValidationError(p, `anything-but does not support '${op}' here`);
    }
    return;
  }
  throw new ValidationError(path, `must be a string, a number, a list, or {prefix|suffix|equals-ignore-case}, got ${describe(arg)}`);
}

/**
 * SNS counts keys (leaf fields; in `$or`, the largest branch) and value combinations (product of the
 * array lengths; `$or` branches add up, since each branch is a policy of its own).
 */
function complexity(policy: PatternObject): { keys: number; combinations: number } {
  let keys = 0;
  let combinations = 1;
  for (const key in policy) {
    const v = policy[key];
    if (key === '$or' && isOrList(v)) {
      let maxKeys = 0;
      let sum = 0;
      for (const branch of v) {
        const c = complexity(branch);
        maxKeys = Math.max(maxKeys, c.keys);
        sum += c.combinations;
      }
      keys += maxKeys;
      combinations *= sum;
    } else if (Array.isArray(v)) {
      keys++;
      combinations *= v.length;
    } else {
      const c = complexity(v as PatternObject);
      keys += c.keys;
      combinations *= c.combinations;
    }
  }
  return { keys, combinations };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return `array ${truncate(JSON.stringify(v))}`;
  if (typeof v === 'object' && v !== null) return `object ${truncate(JSON.stringify(v))}`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

function truncate(s: string | undefined): string {
  if (s === undefined) return '?';
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ───────────────────────────── matching ─────────────────────────────

/**
 * Does a message match an SNS filter policy? `input` is the message attributes (String attributes
 * as strings, Number attributes as numbers) for the MessageAttributes scope, or the parsed JSON body
 * for the MessageBody scope. An empty policy matches every message.
 */
export function matchesFilterPolicy(policy: FilterPolicy, input: Record<string, unknown>): boolean {
  return matchObject(policy, input);
}

/** Does an event match an EventBridge event pattern? `event` is the full envelope (source, detail-type, detail, …). */
export function matchesEventPattern(pattern: EventPattern, event: Record<string, unknown>): boolean {
  return matchObject(pattern, event);
}

/** All fields (AND) of `pattern` match `value`; a value that is not an object has every field absent. */
function matchObject(pattern: PatternObject, value: unknown): boolean {
  const obj = isPlainObject(value) ? value : undefined;
  for (const key in pattern) {
    const spec = pattern[key];
    if (key === '$or' && isOrList(spec)) {
      let any = false;
      for (const branch of spec) {
        if (matchObject(branch, value)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
      continue;
    }
    const field = obj === undefined ? undefined : obj[key];
    if (Array.isArray(spec)) {
      if (!matchConditions(spec as readonly PatternCondition[], field)) return false;
    } else if (!matchNested(spec as PatternObject, field)) return false;
  }
  return true;
}

/** A nested pattern against a field: an object, or an array of objects (any element may match). */
function matchNested(pattern: PatternObject, field: unknown): boolean {
  if (Array.isArray(field)) {
    let sawObject = false;
    for (const el of field) {
      if (isPlainObject(el)) {
        sawObject = true;
        if (matchObject(pattern, el)) return true;
      } else if (Array.isArray(el) && matchNested(pattern, el)) return true;
    }
    // No object inside: the nested fields are absent (so only `exists: false` can match).
    return sawObject ? false : matchObject(pattern, undefined);
  }
  return matchObject(pattern, field);
}

/** OR over the conditions of one field. */
function matchConditions(conditions: readonly PatternCondition[], field: unknown): boolean {
  for (let i = 0; i < conditions.length; i++) if (matchCondition(conditions[i], field)) return true;
  return false;
}

/** True when the field holds at least one leaf value (objects are not leaves; an empty array holds none). */
function hasLeafValue(v: unknown): boolean {
  if (v === undefined) return false;
  if (Array.isArray(v)) {
    for (const el of v) if (hasLeafValue(el)) return true;
    return false;
  }
  return !isPlainObject(v);
}

function matchCondition(c: PatternCondition, v: unknown): boolean {
  if (c !== null && typeof c === 'object') {
    const op = c as Record<string, unknown>;
    if (op.exists !== undefined) return op.exists === hasLeafValue(v);
    if (v === undefined) return false;
    if (Array.isArray(v)) {
      for (const el of v) if (matchCondition(c, el)) return true;
      return false;
    }
    if (typeof v === 'object' && v !== null) return false; // an object is not a leaf value
    return matchOperator(op, v as PatternScalar);
  }
  if (Array.isArray(v)) {
    for (const el of v) if (matchCondition(c, el)) return true;
    return false;
  }
  return v === c; // exact and type-sensitive: "5" ≠ 5, "" ≠ null
}

function matchOperator(op: Record<string, unknown>, v: PatternScalar): boolean {
  let arg: unknown;
  if ((arg = op.prefix) !== undefined) return typeof v === 'string' && v.startsWith(arg as string);
  if ((arg = op.suffix) !== undefined) return typeof v === 'string' && v.endsWith(arg as string);
  if ((arg = op['equals-ignore-case']) !== undefined) return typeof v === 'string' && v.toLowerCase() === (arg as string).toLowerCase();
  if ((arg = op.numeric) !== undefined) return typeof v === 'number' && matchNumeric(arg as ReadonlyArray<string | number>, v);
  if ((arg = op.wildcard) !== undefined) return typeof v === 'string' && wildcardRegExp(arg as string).test(v);
  if ((arg = op['anything-but']) !== undefined) return !anythingButExcludes(arg, v);
  return false;
}

function matchNumeric(spec: ReadonlyArray<string | number>, v: number): boolean {
  for (let i = 0; i < spec.length; i += 2) {
    const n = spec[i + 1] as number;
    switch (spec[i]) {
      case '=':
        if (!(v === n)) return false;
        break;
      case '<':
        if (!(v < n)) return false;
        break;
      case '<=':
        if (!(v <= n)) return false;
        break;
      case '>':
        if (!(v > n)) return false;
        break;
      case '>=':
        if (!(v >= n)) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Is `v` one of the values an `anything-but` excludes? */
function anythingButExcludes(spec: unknown, v: PatternScalar): boolean {
  if (Array.isArray(spec)) return spec.includes(v);
  if (!isPlainObject(spec)) return spec === v;
  if (typeof v !== 'string') return false; // string operators never exclude numbers, booleans or null
  if (spec.prefix !== undefined) return v.startsWith(spec.prefix as string);
  if (spec.suffix !== undefined) return v.endsWith(spec.suffix as string);
  const eic = spec['equals-ignore-case'];
  if (eic !== undefined) {
    const lower = v.toLowerCase();
    return Array.isArray(eic) ? eic.some((s: string) => s.toLowerCase() === lower) : (eic as string).toLowerCase() === lower;
  }
  if (spec.wildcard !== undefined) return wildcardRegExp(spec.wildcard as string).test(v);
  return false;
}

const wildcardCache = new Map<string, RegExp>();

/** `*` matches any run of characters (`\*` is a literal star); the whole value must match. */
function wildcardRegExp(glob: string): RegExp {
  let re = wildcardCache.get(glob);
  if (!re) {
    let src = '';
    for (let i = 0; i < glob.length; i++) {
      const ch = glob[i];
      if (ch === '\\' && glob[i + 1] === '*') {
        src += '\\*';
        i++;
      } else if (ch === '*') src += '[\\s\\S]*';
      else src += ch.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`);
    if (wildcardCache.size > 1000) wildcardCache.clear();
    wildcardCache.set(glob, re);
  }
  return re;
}
