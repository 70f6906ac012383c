/**
 * Content-based filtering, as SNS subscription filter policies and EventBridge event patterns do it.
 *
 * Both services match with AWS's open-source matcher, aws/event-ruler, and this module follows its
 * model:
 *
 *   { "store": ["example_corp"],                       ← a field: an ARRAY of conditions, any may match (OR)
 *     "price": [{ "numeric": [">", 0, "<=", 5] }],     ← fields are combined with AND
 *     "detail": { "state": [{ "anything-but": "ok" }] },  ← nested objects follow the JSON structure
 *     "$or": [ { "a": ["x"] }, { "b": ["y"] } ] }      ← explicit OR between groups of fields
 *
 * 1. The pattern is compiled into *sub-rules*: flat maps from a field path (`detail.state`) to its
 *    conditions. Each `$or` branch forks every sub-rule so far, and a field set again later (beside
 *    or inside a branch) replaces the earlier condition in that sub-rule, in document order — so
 *    `{"a": ["1"], "$or": [{"a": ["2"]}, {"b": ["3"]}]}` means `a = 2 OR (a = 1 AND b = 3)`.
 * 2. The event (or SNS message body / attributes) is flattened into leaves: every string, number,
 *    boolean or null with its dotted path. Arrays, and arrays of arrays, contribute their elements
 *    at the same path; an object is not a leaf, and neither is an empty array.
 * 3. A sub-rule matches when each of its fields, taken in path order, is satisfied by a leaf — all
 *    the leaves chosen coming from the same element of any array they share ("array consistency":
 *    `items.sku` and `items.qty` must be read from one item) — or, for `{"exists": false}`, when
 *    no leaf at that path agrees with the elements chosen so far. The pattern matches when any
 *    sub-rule does.
 *
 * Conditions: exact values (type-sensitive: "5" ≠ 5, "" ≠ null; an IP address matches the same
 * address however it is written), `prefix`, `suffix` (each also `{"equals-ignore-case": …}` on
 * EventBridge), `equals-ignore-case`, `numeric` comparisons and ranges, `cidr` (IPv4 and IPv6),
 * `exists`, `anything-but` (a value, a list of strings or of numbers, or `{prefix | suffix |
 * equals-ignore-case | wildcard}` with one string or a list — SNS documents `prefix` only), and
 * `wildcard` (EventBridge only).
 *
 * Where the services differ (checked in `validate*`): SNS message-attribute policies are flat; SNS
 * limits a policy to 5 keys and 150 value combinations, counting each nested key's values times its
 * depth (the SNS developer guide, "Filter policy constraints"); SNS numbers lie within ±10^9; only
 * EventBridge has `wildcard`, case-insensitive `prefix`/`suffix` and the wider `anything-but`.
 */
import { ValidationError } from './errors';
import { inRange, IpRange, parseCidr, parseIp, sameIp } from './ipAddress';

/** A value a pattern can match exactly. */
export type PatternScalar = string | number | boolean | null;

type StringOrList = string | readonly string[];

/** One condition in a field's array: an exact value or an operator object. */
export type PatternCondition =
  | PatternScalar
  | { prefix: string | { 'equals-ignore-case': string } }
  | { suffix: string | { 'equals-ignore-case': string } }
  | { 'equals-ignore-case': string }
  | { wildcard: string }
  | { cidr: string }
  | { numeric: ReadonlyArray<string | number> }
  | {
      'anything-but':
        | string
        | number
        | ReadonlyArray<string>
        | ReadonlyArray<number>
        | { prefix: StringOrList }
        | { suffix: StringOrList }
        | { 'equals-ignore-case': StringOrList }
        | { wildcard: StringOrList };
    }
  | { exists: boolean };

/** A pattern object: fields → condition arrays, nested patterns, or `$or` → list of patterns. */
export interface PatternObject {
  readonly [field: string]: ReadonlyArray<PatternCondition> | PatternObject | ReadonlyArray<PatternObject>;
}

/** An SNS subscription filter policy (attributes scope: flat; body scope: may nest). */
export type FilterPolicy = PatternObject;
/** An EventBridge event pattern (matches the whole event envelope, `detail` nested inside). */
export type EventPattern = PatternObject;

/** Operator names: an object in a condition array is one of these. */
const OPERATORS = ['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'numeric', 'anything-but', 'exists', 'cidr'] as const;
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

/**
 * Words aws/event-ruler reserves: none may be a field name inside a `$or` branch (its
 * RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP, which also holds names kept for future operators).
 */
const RESERVED_IN_OR: ReadonlySet<string> = new Set([
  'exact', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case',
  'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range',
]);

type AnythingButOp = 'prefix' | 'suffix' | 'equals-ignore-case' | 'wildcard';

interface Dialect {
  service: 'SNS' | 'EventBridge';
  /** Nested objects allowed (SNS: body scope only). */
  nested: boolean;
  /** `wildcard` operator available (EventBridge only). */
  wildcard: boolean;
  /** `prefix`/`suffix` may take `{"equals-ignore-case": "…"}` (EventBridge). */
  caseInsensitiveAffix: boolean;
  /** What `anything-but` may wrap in an object, and whether each takes a list of strings. */
  anythingBut: ReadonlySet<AnythingButOp>;
  anythingButLists: boolean;
  /** Largest |number| in a numeric condition (SNS: 10^9). */
  numericLimit: number;
  /** Empty pattern `{}` accepted (SNS: "no filter"; EventBridge rejects it). */
  allowEmpty: boolean;
}

const SNS_ATTRIBUTES: Dialect = {
  service: 'SNS',
  nested: false,
  wildcard: false,
  caseInsensitiveAffix: false,
  anythingBut: new Set(['prefix']),
  anythingButLists: false,
  numericLimit: 1e9,
  allowEmpty: true,
};
const SNS_BODY: Dialect = { ...SNS_ATTRIBUTES, nested: true };
const EVENTBRIDGE: Dialect = {
  service: 'EventBridge',
  nested: true,
  wildcard: true,
  caseInsensitiveAffix: true,
  anythingBut: new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard']),
  anythingButLists: true,
  numericLimit: Number.MAX_VALUE,
  allowEmpty: false,
};
/** Matching accepts every form either service has (validation is where they differ). */
const ANY: Dialect = { ...EVENTBRIDGE, allowEmpty: true };

/** SNS limits: at most 5 keys and at most 150 value combinations per policy. */
export const SNS_MAX_FILTER_KEYS = 5;
export const SNS_MAX_FILTER_COMBINATIONS = 150;
/** How many alternatives `$or` branches may multiply out to (a lab limit that keeps matching fast). */
export const PATTERN_MAX_ALTERNATIVES = 1000;

// ───────────────────────────── compiled form ─────────────────────────────

type Leaf = Exclude<PatternScalar, undefined>;

/** One compiled condition: a test on a leaf value. */
type Cond =
  | { kind: 'exact'; value: Leaf; ip?: Uint8Array }
  | { kind: 'prefix' | 'suffix'; text: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; text: string }
  | { kind: 'wildcard'; re: RegExp }
  | { kind: 'numeric'; tests: ReadonlyArray<readonly [string, number]> }
  | { kind: 'cidr'; range: IpRange }
  | { kind: 'exists' }
  | { kind: 'anything-but'; excludes: (v: Leaf) => boolean };

interface Field {
  /** Dotted path, as aws/event-ruler names fields (`detail.state`). */
  path: string;
  /** How deeply the field is nested in the pattern (a top-level key is 1). */
  depth: number;
  /** Top-level key the field sits under (SNS counts keys by it). */
  top: string;
  /** Values in the field's array (SNS complexity counts them). */
  values: number;
  conds: Cond[];
  /** The array holds `{"exists": false}`: the field may also be absent. */
  absent: boolean;
}

/** A flat AND of fields, sorted by path. */
type SubRule = readonly Field[];

interface Compiled {
  subRules: readonly SubRule[];
}

// ───────────────────────────── validation ─────────────────────────────

/**
 * Check an SNS filter policy; throws `ValidationError` naming the bad path, e.g.
 * `filterPolicy.price[0].numeric`. `scope` is the subscription's FilterPolicyScope: with the default
 * `MessageAttributes` policies are flat (SNS rejects nested policies on attributes); `MessageBody`
 * policies may nest to follow the JSON body. Also enforces SNS's 5-key / 150-combination limits.
 */
export function validateFilterPolicy(policy: unknown, path: string, scope: 'MessageAttributes' | 'MessageBody' = 'MessageAttributes'): void {
  const compiled = compile(policy, path, scope === 'MessageBody' ? SNS_BODY : SNS_ATTRIBUTES);
  checkSnsLimits(compiled, path);
}

/** Check an EventBridge event pattern; throws `ValidationError` naming the bad path. */
export function validateEventPattern(pattern: unknown, path: string): void {
  compile(pattern, path, EVENTBRIDGE);
}

/**
 * SNS's limits, as its developer guide states them and as SNS answers (InvalidParameter "Filter
 * policy can not have more than 5 keys" / "Filter policy is too complex"):
 * - keys: at most 5 per policy; with `$or`, per alternative; in body policies only top-level keys
 *   count, nested keys do not.
 * - combinations: the product of the number of values in each array, a nested key's values counted
 *   times its depth (3 values three levels down count 9); `$or` alternatives add up.
 */
function checkSnsLimits(compiled: Compiled, path: string): void {
  let total = 0;
  let worst: { rule: SubRule; product: number } | undefined;
  for (const rule of compiled.subRules) {
    const keys = new Set(rule.map((f) => f.top));
    if (keys.size > SNS_MAX_FILTER_KEYS) {
      throw new ValidationError(path, `Filter policy can not have more than ${SNS_MAX_FILTER_KEYS} keys: got ${keys.size} (${[...keys].join(', ')})`);
    }
    let product = 1;
    for (const f of rule) product *= f.values * f.depth;
    total += product;
    if (!worst || product > worst.product) worst = { rule, product };
  }
  if (total > SNS_MAX_FILTER_COMBINATIONS && worst) {
    const terms = worst.rule.map((f) => (f.depth > 1 ? `${f.path} ${f.values}×${f.depth}` : `${f.path} ${f.values}`)).join(' · ');
    const alt = compiled.subRules.length > 1 ? ` over ${compiled.subRules.length} $or alternatives (the largest: ${terms} = ${worst.product})` : ` (${terms})`;
    throw new ValidationError(path, `Filter policy is too complex: ${total} combinations of values${alt}; SNS allows at most ${SNS_MAX_FILTER_COMBINATIONS} (a nested key's values count times its depth)`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

// ───────────────────────────── compiling ─────────────────────────────

/** A sub-rule being built: path → field, in insertion order (a later set replaces). */
type Building = Map<string, Field>;

/**
 * Is this `$or` value meant as the OR operator? aws/event-ruler reads it as one when it is an array
 * holding objects; when the objects are all operator objects (`[{"prefix": "a"}]`) it falls back to
 * reading `$or` as an ordinary field name with those conditions, as the SNS guide describes.
 */
function looksLikeOr(value: unknown): value is readonly unknown[] {
  if (!Array.isArray(value)) return false;
  return value.some((b) => isPlainObject(b) && Object.keys(b).some((k) => !OPERATOR_SET.has(k)));
}

function compile(pattern: unknown, path: string, d: Dialect): Compiled {
  if (!isPlainObject(pattern)) throw new ValidationError(path, `must be a JSON object, got ${describe(pattern)}`);
  if (Object.keys(pattern).length === 0) {
    if (d.allowEmpty) return { subRules: [] };
    throw new ValidationError(path, 'an event pattern must not be empty');
  }
  const rules = compileObject(pattern, path, [], [], d, false);
  const subRules = rules.map((r) => [...r.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
  return { subRules };
}

/**
 * Add the fields of `obj` (at pattern path `segments`) to every sub-rule in `rules`; returns the
 * sub-rules afterwards (`$or` replaces the list with one copy per branch).
 */
function compileObject(obj: Record<string, unknown>, path: string, segments: readonly string[], rulesIn: Building[], d: Dialect, inOr: boolean): Building[] {
  let rules = rulesIn;
  const keys = Object.keys(obj);
  if (keys.length === 0) throw new ValidationError(path, 'a nested pattern must not be empty');
  for (const key of keys) {
    const v = obj[key];
    const p = join(path, key);
    if (key === '$or' && looksLikeOr(v)) {
      if (v.length < 2) throw new ValidationError(p, `$or needs at least 2 objects to choose between, got ${v.length}`);
      const forked: Building[] = [];
      v.forEach((branch, i) => {
        const bp = `${p}[${i}]`;
        if (!isPlainObject(branch)) throw new ValidationError(bp, `each $or branch must be a JSON object, got ${describe(branch)}`);
        const copies = rules.length === 0 ? [new Map<string, Field>()] : rules.map((r) => new Map(r));
        forked.push(...compileObject(branch, bp, segments, copies, d, true));
        if (forked.length > PATTERN_MAX_ALTERNATIVES) {
          throw new ValidationError(p, `the $or branches multiply out to more than ${PATTERN_MAX_ALTERNATIVES} alternatives; the lab stops there (simplify the pattern)`);
        }
      });
      rules = forked;
      continue;
    }
    if (inOr && RESERVED_IN_OR.has(key)) {
      throw new ValidationError(p, `'${key}' is a reserved word: it cannot be a field name inside $or`);
    }
    if (Array.isArray(v)) {
      const fieldSegments = [...segments, key];
      const field = compileField(v, p, fieldSegments, d);
      if (rules.length === 0) rules = [new Map()];
      for (const r of rules) {
        r.delete(field.path); // a field set again moves to the end, replacing the earlier one
        r.set(field.path, field);
      }
    } else if (isPlainObject(v)) {
      if (!d.nested) {
        throw new ValidationError(p, 'nested policies are only allowed with filterPolicyScope MessageBody (SNS: "Filter policy scope MessageAttributes does not support nested filter policy"); use an array of values');
      }
      rules = compileObject(v, p, [...segments, key], rules, d, inOr);
    } else {
      throw new ValidationError(p, `must be an array of values (e.g. ["x"]) or a nested object, got ${describe(v)}`);
    }
  }
  return rules;
}

function compileField(values: readonly unknown[], path: string, segments: readonly string[], d: Dialect): Field {
  if (values.length === 0) throw new ValidationError(path, 'must list at least one value (empty arrays are not allowed)');
  const conds: Cond[] = [];
  let absent = false;
  values.forEach((c, i) => {
    const compiled = compileCondition(c, `${path}[${i}]`, d);
    if (compiled === 'absent') absent = true;
    else conds.push(compiled);
  });
  return { path: segments.join('.'), depth: segments.length, top: segments[0], values: values.length, conds, absent };
}

function compileCondition(c: unknown, path: string, d: Dialect): Cond | 'absent' {
  if (c === null || typeof c === 'string' || typeof c === 'boolean') {
    const cond: Cond = { kind: 'exact', value: c };
    if (typeof c === 'string') {
      const ip = parseIp(c);
      if (ip) cond.ip = ip;
    }
    return cond;
  }
  if (typeof c === 'number') {
    if (!Number.isFinite(c)) throw new ValidationError(path, `must be a finite number, got ${c}`);
    return { kind: 'exact', value: c };
  }
  if (!isPlainObject(c)) throw new ValidationError(path, `must be a string, number, true/false, null or an operator object (match values must be String, number, true, false, or null), got ${describe(c)}`);
  const keys = Object.keys(c);
  if (keys.length !== 1) throw new ValidationError(path, `an operator object must have exactly one key, got ${keys.length} (${keys.join(', ') || 'none'})`);
  const op = keys[0];
  const arg = c[op];
  const p = `${path}.${op}`;
  switch (op) {
    case 'prefix':
    case 'suffix':
      return compileAffix(op, arg, p, d);
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new ValidationError(p, `must be a string (equals-ignore-case match pattern must be a string), got ${describe(arg)}`);
      return { kind: 'equals-ignore-case', text: arg };
    case 'wildcard':
      if (!d.wildcard) throw new ValidationError(p, `${d.service} does not support wildcard matching (EventBridge does)`);
      return { kind: 'wildcard', re: wildcardRegExp(arg, p) };
    case 'cidr':
      if (typeof arg !== 'string') throw new ValidationError(p, `must be a string like "10.0.0.0/24", got ${describe(arg)}`);
      try {
        return { kind: 'cidr', range: parseCidr(arg) };
      } catch (err) {
        throw new ValidationError(p, (err as Error).message);
      }
    case 'exists':
      if (typeof arg !== 'boolean') throw new ValidationError(p, `must be true or false (exists match pattern must be either true or false), got ${describe(arg)}`);
      return arg ? { kind: 'exists' } : 'absent';
    case 'numeric':
      return { kind: 'numeric', tests: compileNumeric(arg, p, d) };
    case 'anything-but':
      return { kind: 'anything-but', excludes: compileAnythingBut(arg, p, d) };
    default: {
      const known = OPERATORS.filter((o) => d.wildcard || o !== 'wildcard');
      throw new ValidationError(p, `unknown operator '${op}' (supported: ${known.join(', ')})`);
    }
  }
}

function compileAffix(op: 'prefix' | 'suffix', arg: unknown, p: string, d: Dialect): Cond {
  if (typeof arg === 'string') return { kind: op, text: arg, ignoreCase: false };
  if (isPlainObject(arg) && d.caseInsensitiveAffix) {
    const keys = Object.keys(arg);
    if (keys.length !== 1 || keys[0] !== 'equals-ignore-case') {
      throw new ValidationError(p, `${op} takes a string or {"equals-ignore-case": "…"}, got ${describe(arg)}`);
    }
    const text = arg['equals-ignore-case'];
    if (typeof text !== 'string') throw new ValidationError(`${p}.equals-ignore-case`, `must be a string, got ${describe(text)}`);
    return { kind: op, text, ignoreCase: true };
  }
  if (isPlainObject(arg)) {
    throw new ValidationError(p, `${d.service} takes a plain string here (${op} match pattern must be a string); case-insensitive ${op} ({"equals-ignore-case": …}) is EventBridge's, got ${describe(arg)}`);
  }
  throw new ValidationError(p, `must be a string (${op} match pattern must be a string), got ${describe(arg)}`);
}

/**
 * `numeric` takes one comparison (`["=", 5]`, `[">", 0]`, `["<=", 9]`) or a range: a lower bound
 * (`>`/`>=`) then an upper bound (`<`/`<=`), lower < upper: `[">", 0, "<=", 5]`.
 */
function compileNumeric(arg: unknown, path: string, d: Dialect): Array<readonly [string, number]> {
  if (!Array.isArray(arg) || (arg.length !== 2 && arg.length !== 4)) {
    throw new ValidationError(path, `must be [op, number] or [lowerOp, number, upperOp, number], got ${describe(arg)}`);
  }
  const tests: Array<readonly [string, number]> = [];
  for (let i = 0; i < arg.length; i += 2) {
    const op = arg[i];
    const n = arg[i + 1];
    if (op !== '=' && op !== '<' && op !== '<=' && op !== '>' && op !== '>=') {
      throw new ValidationError(path, `unknown comparison ${describe(op)} (use =, <, <=, >, >=)`);
    }
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new ValidationError(path, `the value after '${op}' must be a finite number (value of ${op} must be numeric), got ${describe(n)}`);
    if (Math.abs(n) > d.numericLimit) throw new ValidationError(path, `${d.service} numeric values must be between -${d.numericLimit} and ${d.numericLimit}, got ${n}`);
    tests.push([op, n]);
  }
  if (tests.length === 2) {
    const [[lowOp, low], [highOp, high]] = tests;
    if ((lowOp !== '>' && lowOp !== '>=') || (highOp !== '<' && highOp !== '<=')) {
      throw new ValidationError(path, `a range is a lower bound (> or >=) followed by an upper bound (< or <=), got '${lowOp}' then '${highOp}'`);
    }
    if (!(low < high)) throw new ValidationError(path, `the lower bound ${low} must be below the upper bound ${high} (bottom must be less than top)`);
  }
  return tests;
}

/** Returns the test of what an `anything-but` excludes. */
function compileAnythingBut(arg: unknown, path: string, d: Dialect): (v: Leaf) => boolean {
  if (typeof arg === 'string') return (v) => v === arg;
  if (typeof arg === 'number') {
    if (!Number.isFinite(arg)) throw new ValidationError(path, `must be a finite number, got ${arg}`);
    return (v) => v === arg;
  }
  if (Array.isArray(arg)) {
    if (arg.length === 0) throw new ValidationError(path, 'the list must not be empty');
    arg.forEach((v, i) => {
      if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) {
        throw new ValidationError(`${path}[${i}]`, `anything-but lists hold strings or numbers only, got ${describe(v)}`);
      }
    });
    const kinds = new Set(arg.map((v) => typeof v));
    if (kinds.size > 1) throw new ValidationError(path, 'an anything-but list holds all strings or all numbers, not both');
    const set = new Set<unknown>(arg);
    return (v) => set.has(v);
  }
  if (isPlainObject(arg)) {
    const keys = Object.keys(arg);
    const allowed = [...d.anythingBut];
    if (keys.length !== 1) throw new ValidationError(path, `must have exactly one of ${allowed.join(', ')}, got ${keys.length} keys`);
    const op = keys[0];
    const p = `${path}.${op}`;
    if (!(d.anythingBut as ReadonlySet<string>).has(op)) {
      const where = EVENTBRIDGE.anythingBut.has(op as AnythingButOp) ? ` (EventBridge supports anything-but ${op}; ${d.service} supports ${allowed.join(', ')})` : ` (supported: ${allowed.join(', ')})`;
      throw new ValidationError(p, `unsupported anything-but pattern: ${op}${where}`);
    }
    const raw = arg[op];
    let list: readonly string[];
    if (typeof raw === 'string') list = [raw];
    else if (Array.isArray(raw) && d.anythingButLists) {
      raw.forEach((s, i) => {
        if (typeof s !== 'string') throw new ValidationError(`${p}[${i}]`, `must be a string, got ${describe(s)}`);
      });
      list = raw as string[];
    } else {
      throw new ValidationError(p, `must be a string${d.anythingButLists ? ' or a list of strings' : ''}, got ${describe(raw)}`);
    }
    if ((op === 'prefix' || op === 'suffix') && list.some((s) => s === '')) {
      throw new ValidationError(p, `an empty ${op} would exclude every string, so AWS refuses it (null prefix/suffix not allowed)`);
    }
    // String operators never exclude numbers, booleans or null.
    switch (op as AnythingButOp) {
      case 'prefix':
        return (v) => typeof v === 'string' && list.some((s) => v.startsWith(s));
      case 'suffix':
        return (v) => typeof v === 'string' && list.some((s) => v.endsWith(s));
      case 'equals-ignore-case': {
        const lower = new Set(list.map((s) => s.toLowerCase()));
        return (v) => typeof v === 'string' && lower.has(v.toLowerCase());
      }
      case 'wildcard': {
        const res = list.map((s, i) => wildcardRegExp(s, Array.isArray(raw) ? `${p}[${i}]` : p));
        return (v) => typeof v === 'string' && res.some((re) => re.test(v));
      }
    }
  }
  throw new ValidationError(path, `must be a string, a number, a list, or {${[...d.anythingBut].join('|')}}, got ${describe(arg)}`);
}

/**
 * A wildcard pattern: `*` matches any run of characters (none included) and the whole value must
 * match. `\*` is a literal star and `\\` one literal backslash; a backslash before anything else is
 * invalid, and so are two stars in a row (aws/event-ruler's WildcardParser).
 */
function wildcardRegExp(glob: unknown, path: string): RegExp {
  if (typeof glob !== 'string') throw new ValidationError(path, `must be a string (wildcard match pattern must be a string), got ${describe(glob)}`);
  let src = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '\\') {
      const next = glob[i + 1];
      if (next !== '*' && next !== '\\') {
        throw new ValidationError(path, `invalid escape at position ${i}: a backslash may only escape * or \\ (write \\\\ for one backslash)`);
      }
      src += next === '*' ? '\\*' : '\\\\';
      i++;
    } else if (ch === '*') {
      if (glob[i + 1] === '*') throw new ValidationError(path, `consecutive wildcard characters at position ${i} are not allowed`);
      src += '[\\s\\S]*';
    } else src += ch.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${src}$`);
}

// ───────────────────────────── matching ─────────────────────────────

/** Compiled patterns, by pattern object (patterns are validated once and kept by their owner). */
const compiledCache = new WeakMap<object, Compiled>();

function compiledFor(pattern: PatternObject): Compiled {
  let c = compiledCache.get(pattern);
  if (!c) {
    c = compile(pattern, 'pattern', ANY);
    compiledCache.set(pattern, c);
  }
  return c;
}

/**
 * A message or event flattened for matching once, so that one publish matched against many
 * subscriptions or rules flattens it once. It reads the input as it is when made.
 */
export class MatchInput {
  /** @internal */
  readonly flat: Flat;
  constructor(input: unknown) {
    this.flat = flatten(input);
  }
}

function inputOf(input: Record<string, unknown> | MatchInput): Flat {
  return input instanceof MatchInput ? input.flat : flatten(input);
}

/**
 * Does a message match an SNS filter policy? `input` is the message attributes (String attributes
 * as strings, Number attributes as numbers, String.Array attributes as arrays) for the
 * MessageAttributes scope, or the parsed JSON body for the MessageBody scope. An empty policy
 * matches every message.
 *
 * One difference from EventBridge's reading of arrays: on a String.Array attribute, `anything-but`
 * matches only when none of the elements is excluded (the SNS guide, "String value matching": "For
 * String.Array type attributes, it matches if none of the array elements are listed"). Every other
 * condition matches when any element does, as for arrays in a body or an event.
 */
export function matchesFilterPolicy(policy: FilterPolicy, input: Record<string, unknown> | MatchInput, scope: 'MessageAttributes' | 'MessageBody' = 'MessageAttributes'): boolean {
  const c = compiledFor(policy);
  if (c.subRules.length === 0) return true;
  return matchCompiled(c, inputOf(input), scope === 'MessageAttributes');
}

/** Does an event match an EventBridge event pattern? `event` is the full envelope (source, detail-type, detail, …). */
export function matchesEventPattern(pattern: EventPattern, event: Record<string, unknown> | MatchInput): boolean {
  return matchCompiled(compiledFor(pattern), inputOf(event), false);
}

function matchCompiled(c: Compiled, flat: Flat, exclusionOverAll: boolean): boolean {
  for (const rule of c.subRules) if (matchRule(rule, flat, exclusionOverAll)) return true;
  return false;
}

/**
 * The array elements a leaf sits in: pairs (array id, index), outermost first. Two leaves agree when
 * they name the same index for every array both sit in.
 */
type Membership = readonly number[];

interface FlatLeaf {
  value: Leaf;
  member: Membership;
}

type Flat = Map<string, FlatLeaf[]>;

function flatten(input: unknown): Flat {
  const out: Flat = new Map();
  let nextArray = 0;
  const add = (path: string, value: Leaf, member: Membership): void => {
    let list = out.get(path);
    if (!list) out.set(path, (list = []));
    list.push({ value, member });
  };
  const walk = (v: unknown, path: string, member: Membership): void => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) {
      add(path, v as Leaf, member);
    } else if (Array.isArray(v)) {
      const id = nextArray++;
      for (let i = 0; i < v.length; i++) walk(v[i], path, [...member, id, i]);
    } else if (isPlainObject(v)) {
      for (const key of Object.keys(v)) walk(v[key], path === '' ? key : `${path}.${key}`, member);
    }
  };
  if (isPlainObject(input)) for (const key of Object.keys(input)) walk(input[key], key, []);
  return out;
}

/** Array choices made so far: array id → element index. */
type Chosen = ReadonlyMap<number, number>;
const NONE: Chosen = new Map();

function agrees(chosen: Chosen, member: Membership): boolean {
  for (let i = 0; i < member.length; i += 2) {
    const at = chosen.get(member[i]);
    if (at !== undefined && at !== member[i + 1]) return false;
  }
  return true;
}

function choose(chosen: Chosen, member: Membership): Chosen {
  if (member.length === 0) return chosen;
  const next = new Map(chosen);
  for (let i = 0; i < member.length; i += 2) next.set(member[i], member[i + 1]);
  return next;
}

/**
 * `exclusionOverAll`: an `anything-but` must hold for every leaf at its path (SNS String.Array
 * attributes, which are flat: no array consistency to keep).
 */
function matchRule(rule: SubRule, flat: Flat, exclusionOverAll: boolean): boolean {
  const step = (i: number, chosen: Chosen): boolean => {
    if (i === rule.length) return true;
    const field = rule[i];
    const leaves = flat.get(field.path);
    if (field.absent && !(leaves && leaves.some((l) => agrees(chosen, l.member))) && step(i + 1, chosen)) return true;
    if (!leaves || field.conds.length === 0) return false;
    if (exclusionOverAll && field.conds.some((c) => c.kind === 'anything-but' && leaves.every((l) => test(c, l.value))) && step(i + 1, chosen)) return true;
    for (const leaf of leaves) {
      if (!agrees(chosen, leaf.member)) continue;
      if (!field.conds.some((c) => !(exclusionOverAll && c.kind === 'anything-but') && test(c, leaf.value))) continue;
      if (step(i + 1, choose(chosen, leaf.member))) return true;
    }
    return false;
  };
  return step(0, NONE);
}

function test(c: Cond, v: Leaf): boolean {
  switch (c.kind) {
    case 'exact':
      if (v === c.value) return true;
      if (c.ip && typeof v === 'string') {
        const ip = parseIp(v);
        return ip !== undefined && sameIp(ip, c.ip);
      }
      return false;
    case 'prefix':
      if (typeof v !== 'string') return false;
      return c.ignoreCase ? v.toLowerCase().startsWith(c.text.toLowerCase()) : v.startsWith(c.text);
    case 'suffix':
      if (typeof v !== 'string') return false;
      return c.ignoreCase ? v.toLowerCase().endsWith(c.text.toLowerCase()) : v.endsWith(c.text);
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === c.text.toLowerCase();
    case 'wildcard':
      return typeof v === 'string' && c.re.test(v);
    case 'numeric':
      return typeof v === 'number' && c.tests.every(([op, n]) => compareNumber(op, v, n));
    case 'cidr': {
      if (typeof v !== 'string') return false;
      const ip = parseIp(v);
      return ip !== undefined && inRange(ip, c.range);
    }
    case 'exists':
      return true;
    case 'anything-but':
      return !c.excludes(v);
  }
}

function compareNumber(op: string, v: number, n: number): boolean {
  switch (op) {
    case '=':
      return v === n;
    case '<':
      return v < n;
    case '<=':
      return v <= n;
    case '>':
      return v > n;
    case '>=':
      return v >= n;
    default:
      return false;
  }
}
