/**
 * Scenario files: a whole simulated system (queues, topics, streams, buses, functions, buckets,
 * tables, gateways, traffic and faults) declared in one JSON document, written by hand.
 *
 * `validateScenario` checks a parsed file in three passes and reports EVERY problem with the path of
 * the field, never just the first:
 * 1. structure, by walking the published JSON Schema (`schemas/scenario.schema.json`): types, ranges,
 *    required and unknown fields (with a did-you-mean for near misses);
 * 2. meaning: duplicate names, references between resources (`unknown queue "ordrs" (known: …)`),
 *    FIFO naming, filter policies and event patterns, payload templates, traffic and faults;
 * 3. a dry build of every resource on a scratch engine, so whatever a resource constructor would
 *    reject (reserved concurrency beyond the account, overlapping bucket notifications, …) is reported
 *    with its scenario path too.
 * A `Simulation` refuses a scenario with problems: nothing ever runs half-configured.
 */
import type { InstanceSettings } from './instanceConcurrency';
import type { LatencySettings } from './latency';
import schemaJson from '../../schemas/scenario.schema.json';
import { show, ValidationError } from './errors';
import type { QueueOptions } from './queue';
import type { RunLimits } from './runBounds';
import { validateEventPattern, validateFilterPolicy } from './pattern';
import { parseSchedule } from './schedule';
import { compileTargetInput, TargetInputError, type TargetInputSpec } from './targetInput';
import { compileTemplate, validateFault, validateTraffic } from './traffic';
import { environmentProblems } from './environmentVariables';
import { checkSystems, poisonTargets, systemNameEntries, type SystemEventSpec, type SystemsScenario } from './systemsSpec';

// ------------------------------------------------------------------------------------------------
// Types (mirroring the schema)

/** A queue as a scenario declares it: the engine's options, with the dead-letter queue by name. */
export interface QueueSpec extends Omit<QueueOptions, 'deadLetter'> {
  deadLetter?: { queue: string; maxReceiveCount: number };
}

export interface SubscriptionSpec {
  queue?: string;
  function?: string;
  filterPolicy?: Record<string, unknown>;
  filterPolicyScope?: 'MessageAttributes' | 'MessageBody';
  rawDelivery?: boolean;
  deadLetterQueue?: string;
}

export interface TopicSpec {
  name: string;
  fifo?: boolean;
  /** FIFO topics: deduplicate by the SHA-256 of the body when a publish gives no deduplication id. */
  contentBasedDeduplication?: boolean;
  subscriptions?: SubscriptionSpec[];
}

export interface StreamSpec {
  name: string;
  partitions?: number;
  retentionMs?: number;
  retentionHours?: number;
  cleanupPolicy?: 'delete' | 'compact';
  /** Keyless records: `sticky` (Kafka's default) or `round-robin`. */
  partitioner?: 'sticky' | 'round-robin';
  /** Kafka's segment.ms / segment.bytes / delete.retention.ms. */
  segmentMs?: number;
  segmentBytes?: number;
  deleteRetentionMs?: number;
}

export interface BusTargetSpec {
  function?: string;
  queue?: string;
  deadLetterQueue?: string;
  maxRetries?: number;
  maxEventAgeS?: number;
  messageGroupId?: string;
  /** What the target receives instead of the event (one of the three; see targetInput.ts). */
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
}

export interface RuleSpec {
  name: string;
  /** The event pattern; a rule has a pattern, a schedule or both. */
  pattern?: Record<string, unknown>;
  /** `rate(…)` or `cron(…)` (default bus only). */
  schedule?: string;
  enabled?: boolean;
  targets?: BusTargetSpec[];
}

export interface BusSpec {
  name: string;
  rules?: RuleSpec[];
  archives?: Array<{ name: string; pattern?: Record<string, unknown>; retentionDays?: number }>;
}

export interface QueueEventSpec {
  queue: string;
  batchSize?: number;
  batchingWindowS?: number;
  reportBatchItemFailures?: boolean;
  maxConcurrency?: number;
}

export interface StreamEventSpec {
  stream: string;
  batchSize?: number;
  startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  bisectOnError?: boolean;
  maxRetryAttempts?: number;
  maxRecordAgeS?: number;
  onFailure?: { queue: string };
}

/** An event source: SQS, Kafka, or one of the other systems (Kinesis, RabbitMQ, Pub/Sub: systemsSpec.ts). */
export type EventSpec = QueueEventSpec | StreamEventSpec | SystemEventSpec;

export interface FunctionSpec {
  name: string;
  /** `path/relative/to/scenario.js#exportName` (export defaults to `handler`). */
  handler: string;
  runtime?: 'nodejs' | 'python' | 'java' | 'go';
  memoryMb?: number;
  timeoutS?: number;
  reservedConcurrency?: number;
  provisionedConcurrency?: number;
  initMs?: number;
  durationMs?: number;
  /** Latency of this function's service calls, per service (over the scenario's; see latency.ts). */
  latency?: LatencySettings;
  idleTimeoutS?: number;
  /** Lambda's RecursiveLoop: Terminate (default) stops a chain's 17th invocation of the function; Allow lets it loop (recursion.ts). */
  recursiveLoop?: 'Terminate' | 'Allow';
  async?: { maxRetries?: number; maxEventAgeS?: number; onFailure?: { queue: string }; onSuccess?: { queue: string } };
  /** Many requests per instance (Cloud Run, Cloud Run functions, Azure Flex): see instanceConcurrency.ts. */
  instances?: InstanceSettings;
  /** Environment variables the handler reads from `process.env` (Lambda's rules: environmentVariables.ts). */
  environment?: Record<string, string>;
  events?: EventSpec[];
}

export interface NotificationSpec {
  function?: string;
  queue?: string;
  topic?: string;
  prefix?: string;
  suffix?: string;
}

export interface BucketSpec {
  name: string;
  notifications?: NotificationSpec[];
}

export interface TableSpec {
  name: string;
  key: string;
  writeCapacityPerSecond?: number;
  rejectOverload?: boolean;
}

export interface RouteSpecJson {
  method?: string;
  path: string;
  function?: string;
  legacy?: { latencyMs: number; status?: number; body?: string };
  timeoutMs?: number;
}

export interface GatewaySpec {
  name: string;
  timeoutMs?: number;
  routes?: RouteSpecJson[];
}

export interface TrafficTarget {
  queue?: string;
  topic?: string;
  stream?: string;
  bus?: string;
  function?: string;
  gateway?: string;
  bucket?: string;
  kinesisStream?: string;
  exchange?: string;
  rabbitQueue?: string;
  pubsubTopic?: string;
  key?: string;
  groupId?: string;
  routingKey?: string;
  orderingKey?: string;
  attributes?: Record<string, string | number>;
  source?: string;
  detailType?: string;
  method?: string;
  path?: string;
}

export interface TrafficSpecJson {
  name: string;
  target: TrafficTarget;
  ratePerSecond: number;
  startS?: number;
  durationS?: number;
  arrival?: 'uniform' | 'poisson';
  spikes?: Array<{ atS: number; durationS: number; ratePerSecond: number }>;
  payload?: unknown;
}

export interface FaultSpecJson {
  kind: 'poison' | 'duplicate' | 'throttle' | 'crash' | 'latency';
  target: string;
  atS?: number;
  payload?: unknown;
  rate?: number;
  fromS?: number;
  toS?: number;
  concurrency?: number;
  addMs?: number;
}

/** A validated scenario: every list present (possibly empty); the other systems' parts optional. */
export interface Scenario extends SystemsScenario {
  $schema?: string;
  name: string;
  description?: string;
  seed?: number;
  durationS?: number;
  /** Bounds on the run (runBounds.ts): events, messages held, trace memory. */
  limits?: RunLimits;
  /** Latency of every function's service calls, per service (over the defaults; see latency.ts). */
  latency?: LatencySettings;
  queues: QueueSpec[];
  topics: TopicSpec[];
  streams: StreamSpec[];
  buses: BusSpec[];
  functions: FunctionSpec[];
  buckets: BucketSpec[];
  tables: TableSpec[];
  gateways: GatewaySpec[];
  traffic: TrafficSpecJson[];
  faults: FaultSpecJson[];
}

export interface ScenarioProblem {
  /** Path of the bad field, e.g. `functions[1].events[0].queue`. */
  path: string;
  message: string;
}

/** Thrown by `Simulation` for a scenario with problems; the message lists every one. */
export class ScenarioError extends Error {
  constructor(readonly problems: ScenarioProblem[]) {
    super(`the scenario has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

export function formatProblem(p: ScenarioProblem): string {
  return p.path ? `${p.path}: ${p.message}` : p.message;
}

export const RESOURCE_LISTS = ['queues', 'topics', 'streams', 'buses', 'functions', 'buckets', 'tables', 'gateways'] as const;
export type ResourceList = (typeof RESOURCE_LISTS)[number];
const ALL_LISTS = [...RESOURCE_LISTS, 'traffic', 'faults'] as const;
const SINGULAR: Record<ResourceList, string> = {
  queues: 'queue',
  topics: 'topic',
  streams: 'stream',
  buses: 'bus',
  functions: 'function',
  buckets: 'bucket',
  tables: 'table',
  gateways: 'gateway',
};

/** The handler reference split in module path and export name (`handler` by default). */
export function parseHandlerRef(ref: string): { file: string; exportName: string } {
  const hash = ref.lastIndexOf('#');
  return hash < 0 ? { file: ref, exportName: 'handler' } : { file: ref.slice(0, hash), exportName: ref.slice(hash + 1) || 'handler' };
}

// ------------------------------------------------------------------------------------------------
// Pass 1: structure, by walking the JSON Schema

/** The subset of draft-07 the published schema uses. */
export interface SchemaNode {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  if?: SchemaNode;
  then?: SchemaNode;
  else?: SchemaNode;
  not?: SchemaNode;
  dependencies?: Record<string, string[]>;
  description?: string;
  default?: unknown;
  definitions?: Record<string, SchemaNode>;
}

export const scenarioSchema = schemaJson as unknown as SchemaNode;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function typeMatches(value: unknown, type: string): boolean {
  const t = typeOf(value);
  return t === type || (type === 'number' && t === 'integer');
}

/** Edit distance, for did-you-mean hints on misspelt field names. */
export function editDistance(a: string, b: string): number {
  const la = a.length;
  const lb = b.length;
  let prev = Array.from({ length: lb + 1 }, (_, j) => j);
  for (let i = 1; i <= la; i++) {
    const cur = [i];
    for (let j = 1; j <= lb; j++) {
      const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[lb];
}

/** The closest candidate to `word`, when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function resolve(node: SchemaNode, root: SchemaNode): SchemaNode {
  let n = node;
  while (n.$ref) {
    const name = n.$ref.replace(/^#\/definitions\//, '');
    const target = root.definitions?.[name];
    if (!target) throw new Error(`schema: unresolved $ref ${n.$ref}`);
    n = target;
  }
  return n;
}

/** Does `value` satisfy a `required`-only schema (used by oneOf / if / not branches)? */
function hasAll(value: Record<string, unknown>, node: SchemaNode): boolean {
  return (node.required ?? []).every((k) => value[k] !== undefined);
}

function describeRange(node: SchemaNode, integer: boolean): string {
  const kind = integer ? 'an integer' : 'a number';
  const lo = node.minimum;
  const hi = node.maximum;
  if (lo !== undefined && hi !== undefined) return `${kind} between ${lo} and ${hi}`;
  if (lo !== undefined) return `${kind} ≥ ${lo}`;
  if (node.exclusiveMinimum !== undefined) return `${kind} > ${node.exclusiveMinimum}`;
  if (hi !== undefined) return `${kind} ≤ ${hi}`;
  return kind;
}

/**
 * Check `value` against a schema node, pushing one problem per bad field. Returns false when the
 * value itself is unusable (wrong type), so callers can skip deeper checks of it.
 */
export function walkSchema(value: unknown, node: SchemaNode, path: string, problems: ScenarioProblem[], root: SchemaNode = scenarioSchema): boolean {
  const n = resolve(node, root);
  const add = (p: string, message: string): void => {
    problems.push({ path: p, message });
  };
  if (n.type !== undefined) {
    const types = Array.isArray(n.type) ? n.type : [n.type];
    if (!types.some((t) => typeMatches(value, t))) {
      if (types.length === 1 && (types[0] === 'number' || types[0] === 'integer') && typeof value === 'number') add(path, `must be ${describeRange(n, true)}, got ${show(value)}`);
      else add(path, `must be ${types.map((t) => (t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : `a ${t}`)).join(' or ')}, got ${show(value)}`);
      return false;
    }
  }
  if (n.enum && !n.enum.some((e) => e === value)) {
    add(path, `must be one of ${n.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${show(value)}`);
    return false;
  }
  if (n.const !== undefined && n.const !== value) add(path, `must be ${JSON.stringify(n.const)}, got ${show(value)}`);
  if (typeof value === 'number') {
    const bad =
      (n.minimum !== undefined && value < n.minimum) || (n.maximum !== undefined && value > n.maximum) || (n.exclusiveMinimum !== undefined && value <= n.exclusiveMinimum);
    if (bad) add(path, `must be ${describeRange(n, n.type === 'integer')}, got ${show(value)}`);
  }
  if (typeof value === 'string') {
    if (n.minLength !== undefined && value.length < n.minLength) add(path, n.minLength === 1 ? 'must not be empty' : `must be at least ${n.minLength} characters`);
    else if (n.pattern !== undefined && !new RegExp(n.pattern, 'u').test(value)) add(path, `${show(value)} is not valid: ${n.description ?? `must match ${n.pattern}`}`);
  }
  if (Array.isArray(value)) {
    if (n.minItems !== undefined && value.length < n.minItems) add(path, `must have at least ${n.minItems} item${n.minItems === 1 ? '' : 's'}`);
    if (n.maxItems !== undefined && value.length > n.maxItems) add(path, `must have at most ${n.maxItems} items, got ${value.length}`);
    if (n.items) value.forEach((item, i) => walkSchema(item, n.items!, `${path}[${i}]`, problems, root));
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = n.properties ?? {};
    for (const key of n.required ?? []) {
      if (obj[key] === undefined) add(join(path, key), 'is required');
    }
    for (const key of Object.keys(obj)) {
      const sub = props[key];
      if (sub) {
        if (obj[key] !== undefined) walkSchema(obj[key], sub, join(path, key), problems, root);
      } else if (n.additionalProperties === false) {
        const hint = didYouMean(key, Object.keys(props));
        add(join(path, key), `unknown field${hint ? ` (did you mean "${hint}"?)` : ''} (expected one of ${Object.keys(props).join(', ')})`);
      } else if (typeof n.additionalProperties === 'object') {
        walkSchema(obj[key], n.additionalProperties, join(path, key), problems, root);
      }
    }
    if (n.oneOf) {
      const matching = n.oneOf.filter((b) => hasAll(obj, b));
      if (matching.length !== 1) {
        const keys = n.oneOf.map((b) => (b.required ?? []).join('+'));
        add(path, matching.length === 0 ? `needs one of ${keys.join(', ')}` : `has ${matching.map((b) => (b.required ?? []).join('+')).join(' and ')}: give exactly one of ${keys.join(', ')}`);
      } else if (n.if) {
        const branch = hasAll(obj, n.if) ? n.then : n.else;
        if (branch) walkSchema(value, branch, path, problems, root);
      }
    } else if (n.if) {
      const branch = hasAll(obj, n.if) ? n.then : n.else;
      if (branch) walkSchema(value, branch, path, problems, root);
    }
    if (n.anyOf && !n.anyOf.some((b) => hasAll(obj, b))) add(path, `needs ${n.anyOf.map((b) => (b.required ?? []).join('+')).join(' or ')} (or both)`);
    if (n.not?.required && hasAll(obj, n.not)) add(path, `give only one of ${n.not.required.join(', ')}`);
    if (n.dependencies) {
      for (const [key, needs] of Object.entries(n.dependencies)) {
        if (obj[key] === undefined) continue;
        for (const need of needs) if (obj[need] === undefined) add(join(path, need), `is required with ${key}`);
      }
    }
  }
  return true;
}

// ------------------------------------------------------------------------------------------------
// Pass 2: meaning

type Names = Record<ResourceList, string[]>;

function list(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((v): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)) : [];
}

function checkSemantics(doc: Record<string, unknown>, problems: ScenarioProblem[]): void {
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };
  // Names: unique across the whole scenario (the trace, the diagram and faults refer to them alone).
  const names: Names = { queues: [], topics: [], streams: [], buses: [], functions: [], buckets: [], tables: [], gateways: [] };
  const owner = new Map<string, string>();
  for (const listName of ALL_LISTS) {
    const items = Array.isArray(doc[listName]) ? (doc[listName] as unknown[]) : [];
    items.forEach((item, i) => {
      const name = (item as { name?: unknown } | null)?.name;
      if (typeof name !== 'string' || name === '') return;
      const here = `${listName}[${i}]`;
      const first = owner.get(name);
      if (first !== undefined) add(`${here}.name`, `"${name}" is already used by ${first} (names must be unique across the scenario)`);
      else owner.set(name, here);
      if ((RESOURCE_LISTS as readonly string[]).includes(listName)) names[listName as ResourceList].push(name);
    });
  }
  for (const { name, path } of systemNameEntries(doc)) {
    const first = owner.get(name);
    if (first !== undefined) add(path, `"${name}" is already used by ${first} (names must be unique across the scenario)`);
    else owner.set(name, path.replace(/\.name$/, ''));
  }
  const fifoQueues = new Set(list(doc.queues).filter((q) => q.fifo === true).map((q) => q.name as string));

  /** A reference to a resource of kind `listName`: unknown names are problems. */
  const ref = (value: unknown, path: string, listName: ResourceList): boolean => {
    if (typeof value !== 'string' || value === '') return false;
    if (names[listName].includes(value)) return true;
    const known = names[listName];
    const kind = SINGULAR[listName];
    let elsewhere = '';
    for (const other of RESOURCE_LISTS) if (other !== listName && names[other].includes(value)) elsewhere = ` ("${value}" is a ${SINGULAR[other]})`;
    add(path, `unknown ${kind} "${value}"${elsewhere} (known: ${known.length ? known.join(', ') : `no ${listName} defined`})`);
    return false;
  };
  const tryValidate = (fn: () => void, prefix: string): void => {
    try {
      fn();
    } catch (err) {
      if (err instanceof ValidationError) add(!prefix ? err.path : err.path ? join(prefix, err.path) : prefix, err.reason);
      else throw err;
    }
  };

  list(doc.queues).forEach((q, i) => {
    const p = `queues[${i}]`;
    if (typeof q.name === 'string') {
      const fifoName = q.name.endsWith('.fifo');
      if (q.fifo === true && !fifoName) add(`${p}.name`, `a FIFO queue's name must end in ".fifo", got "${q.name}"`);
      if (q.fifo !== true && fifoName) add(`${p}.fifo`, `the name "${q.name}" ends in ".fifo": set "fifo": true (only FIFO queues may use it)`);
    }
    const dl = q.deadLetter as Record<string, unknown> | undefined;
    if (dl && typeof dl === 'object' && ref(dl.queue, `${p}.deadLetter.queue`, 'queues')) {
      if (dl.queue === q.name) add(`${p}.deadLetter.queue`, 'a queue cannot be its own dead-letter queue');
      else if (fifoQueues.has(dl.queue as string) !== (q.fifo === true)) add(`${p}.deadLetter.queue`, `the dead-letter queue of a ${q.fifo ? 'FIFO' : 'standard'} queue must be ${q.fifo ? 'FIFO' : 'standard'} too`);
    }
  });
  // Redrive chains must end (a queue is built after its dead-letter queue).
  const dlOf = new Map<string, string>();
  for (const q of list(doc.queues)) {
    const dl = (q.deadLetter as { queue?: unknown } | undefined)?.queue;
    if (typeof q.name === 'string' && typeof dl === 'string' && dl !== q.name) dlOf.set(q.name, dl);
  }
  list(doc.queues).forEach((q, i) => {
    const seen = new Set<string>();
    let cur = q.name as string;
    while (dlOf.has(cur)) {
      if (seen.has(cur)) {
        add(`queues[${i}].deadLetter.queue`, `dead-letter queues form a loop (${[...seen].join(' → ')} → ${cur})`);
        break;
      }
      seen.add(cur);
      cur = dlOf.get(cur)!;
    }
  });

  list(doc.topics).forEach((t, i) => {
    const p = `topics[${i}]`;
    if (typeof t.name === 'string' && (t.fifo === true) !== t.name.endsWith('.fifo')) {
      add(`${p}.name`, t.fifo === true ? `a FIFO topic's name must end in ".fifo", got "${t.name}"` : `only a FIFO topic's name may end in ".fifo": set "fifo": true`);
    }
    if (t.contentBasedDeduplication === true && t.fifo !== true) add(`${p}.contentBasedDeduplication`, 'only FIFO topics deduplicate: set "fifo": true, or remove it');
    list(t.subscriptions).forEach((s, j) => {
      const sp = `${p}.subscriptions[${j}]`;
      if (s.queue !== undefined && ref(s.queue, `${sp}.queue`, 'queues') && fifoQueues.has(s.queue as string) && t.fifo !== true) {
        add(`${sp}.queue`, `a FIFO queue can only subscribe to a FIFO topic ("${t.name}" is standard)`);
      }
      if (s.function !== undefined) ref(s.function, `${sp}.function`, 'functions');
      if (s.deadLetterQueue !== undefined) ref(s.deadLetterQueue, `${sp}.deadLetterQueue`, 'queues');
      if (s.filterPolicy !== undefined && typeof s.filterPolicy === 'object') {
        const scope = s.filterPolicyScope === 'MessageBody' ? 'MessageBody' : 'MessageAttributes';
        tryValidate(() => validateFilterPolicy(s.filterPolicy, `${sp}.filterPolicy`, scope), '');
      }
    });
  });

  list(doc.buses).forEach((b, i) => {
    const p = `buses[${i}]`;
    const ruleNames = new Set<string>();
    list(b.rules).forEach((r, j) => {
      const rp = `${p}.rules[${j}]`;
      if (typeof r.name === 'string') {
        if (ruleNames.has(r.name)) add(`${rp}.name`, `rule "${r.name}" is defined twice on bus "${b.name}"`);
        ruleNames.add(r.name);
      }
      if (r.pattern !== undefined && typeof r.pattern === 'object') tryValidate(() => validateEventPattern(r.pattern, `${rp}.pattern`), '');
      if (typeof r.schedule === 'string') {
        try {
          parseSchedule(r.schedule);
          if (b.name !== 'default') add(`${rp}.schedule`, `scheduled rules run on the default event bus only (EventBridge), not on "${b.name}": put this rule on a bus named "default"`);
        } catch (err) {
          add(`${rp}.schedule`, `is not a valid schedule expression: ${(err as Error).message}`);
        }
      }
      const targetIds = new Set<string>();
      list(r.targets).forEach((t, k) => {
        const tp = `${rp}.targets[${k}]`;
        if (t.function !== undefined) ref(t.function, `${tp}.function`, 'functions');
        if (t.queue !== undefined && ref(t.queue, `${tp}.queue`, 'queues') && fifoQueues.has(t.queue as string) && t.messageGroupId === undefined) {
          add(`${tp}.messageGroupId`, `is required for the FIFO queue target "${t.queue}"`);
        }
        if (t.deadLetterQueue !== undefined) ref(t.deadLetterQueue, `${tp}.deadLetterQueue`, 'queues');
        try {
          compileTargetInput(t as TargetInputSpec);
        } catch (err) {
          if (err instanceof TargetInputError) add(`${tp}.${err.field}`, err.message);
          else throw err;
        }
        const id = String(t.function ?? t.queue);
        if (targetIds.has(id)) add(tp, `targets "${id}" twice in one rule`);
        targetIds.add(id);
      });
    });
    const archiveNames = new Set<string>();
    list(b.archives).forEach((a, j) => {
      const ap = `${p}.archives[${j}]`;
      if (typeof a.name === 'string') {
        if (archiveNames.has(a.name)) add(`${ap}.name`, `archive "${a.name}" is defined twice`);
        archiveNames.add(a.name);
      }
      if (a.pattern !== undefined && typeof a.pattern === 'object') tryValidate(() => validateEventPattern(a.pattern, `${ap}.pattern`), '');
    });
  });

  list(doc.functions).forEach((f, i) => {
    const p = `functions[${i}]`;
    const onFailure = (f.async as { onFailure?: { queue?: unknown } } | undefined)?.onFailure;
    if (onFailure && typeof onFailure === 'object') ref(onFailure.queue, `${p}.async.onFailure.queue`, 'queues');
    const onSuccess = (f.async as { onSuccess?: { queue?: unknown } } | undefined)?.onSuccess;
    if (onSuccess && typeof onSuccess === 'object') ref(onSuccess.queue, `${p}.async.onSuccess.queue`, 'queues');
    // Cloud Run functions: 60 minutes for HTTP functions, 9 for event-driven ones (https://cloud.google.com/functions/docs/configuring/timeout).
    const inst = f.instances as { platform?: unknown } | undefined;
    if (inst && inst.platform === 'cloud-functions' && list(f.events).length > 0 && typeof f.timeoutS === 'number' && f.timeoutS > 540) {
      add(`${p}.timeoutS`, `is ${f.timeoutS} s: an event-driven Cloud Run function (this one has events) times out after at most 540 s (9 minutes); only HTTP functions get up to 3600 s`);
    }
    // Lambda's rules for the variables' names and their total size (the schema checked the values are strings).
    if (f.environment !== null && typeof f.environment === 'object' && !Array.isArray(f.environment)) {
      for (const e of environmentProblems(f.environment, `${p}.environment`)) if (!/must be a string/.test(e.message)) add(e.path, e.message);
    }
    if (typeof f.reservedConcurrency === 'number' && typeof f.provisionedConcurrency === 'number' && f.provisionedConcurrency > f.reservedConcurrency) {
      add(`${p}.provisionedConcurrency`, `${f.provisionedConcurrency} exceeds reservedConcurrency ${f.reservedConcurrency}`);
    }
    list(f.events).forEach((e, j) => {
      const ep = `${p}.events[${j}]`;
      if (e.queue !== undefined && ref(e.queue, `${ep}.queue`, 'queues')) {
        const size = typeof e.batchSize === 'number' ? e.batchSize : 10;
        if (fifoQueues.has(e.queue as string) && size > 10) add(`${ep}.batchSize`, `a FIFO queue source takes at most 10 messages per batch, got ${size}`);
        if (fifoQueues.has(e.queue as string) && typeof e.batchingWindowS === 'number' && e.batchingWindowS !== 0) {
          add(`${ep}.batchingWindowS`, `is not supported for a FIFO queue (${e.queue}): Lambda reads FIFO queues without a batching window`);
        }
        else if (size > 10 && !(typeof e.batchingWindowS === 'number' && e.batchingWindowS >= 1)) {
          add(`${ep}.batchingWindowS`, `must be at least 1 second when batchSize is above 10 (batchSize ${size})`);
        }
      }
      if (e.stream !== undefined) {
        ref(e.stream, `${ep}.stream`, 'streams');
        const of = e.onFailure as { queue?: unknown } | undefined;
        if (of && typeof of === 'object') ref(of.queue, `${ep}.onFailure.queue`, 'queues');
        if (typeof e.maxRecordAgeS === 'number' && e.maxRecordAgeS !== -1 && (e.maxRecordAgeS < 60 || !Number.isInteger(e.maxRecordAgeS))) {
          add(`${ep}.maxRecordAgeS`, `must be -1 (no limit) or an integer between 60 and 604800, got ${e.maxRecordAgeS}`);
        }
      }
    });
  });

  list(doc.buckets).forEach((b, i) => {
    const p = `buckets[${i}]`;
    const filters: Array<{ prefix: string; suffix: string; j: number }> = [];
    list(b.notifications).forEach((n, j) => {
      const np = `${p}.notifications[${j}]`;
      if (n.function !== undefined) ref(n.function, `${np}.function`, 'functions');
      if (n.queue !== undefined && ref(n.queue, `${np}.queue`, 'queues') && fifoQueues.has(n.queue as string)) add(`${np}.queue`, 'S3 cannot notify a FIFO queue');
      if (n.topic !== undefined) ref(n.topic, `${np}.topic`, 'topics');
      const prefix = typeof n.prefix === 'string' ? n.prefix : '';
      const suffix = typeof n.suffix === 'string' ? n.suffix : '';
      for (const o of filters) {
        if ((prefix.startsWith(o.prefix) || o.prefix.startsWith(prefix)) && (suffix.endsWith(o.suffix) || o.suffix.endsWith(suffix))) {
          add(np, `overlaps notifications[${o.j}] (S3 rejects overlapping prefix/suffix filters for one event type: fan out through a topic instead)`);
          break;
        }
      }
      filters.push({ prefix, suffix, j });
    });
  });

  list(doc.gateways).forEach((g, i) => {
    const seen = new Map<string, number>();
    list(g.routes).forEach((r, j) => {
      const rp = `gateways[${i}].routes[${j}]`;
      if (r.function !== undefined) ref(r.function, `${rp}.function`, 'functions');
      if (typeof r.path === 'string') {
        const method = typeof r.method === 'string' ? r.method.toUpperCase() : 'ANY';
        const shape = `${method} ${r.path.replace(/\{[^}]*\+\}/g, '{+}').replace(/\{[^}+]*\}/g, '{}')}`;
        if (seen.has(shape)) add(`${rp}.path`, `conflicts with routes[${seen.get(shape)}] (same method and path)`);
        else seen.set(shape, j);
      }
    });
  });

  list(doc.traffic).forEach((t, i) => {
    const p = `traffic[${i}]`;
    const { target, ...rest } = t;
    tryValidate(() => validateTraffic(rest, p), '');
    if (!target || typeof target !== 'object' || Array.isArray(target)) return;
    const tg = target as Record<string, unknown>;
    const tp = `${p}.target`;
    const kinds: Array<[keyof TrafficTarget, ResourceList]> = [
      ['queue', 'queues'],
      ['topic', 'topics'],
      ['stream', 'streams'],
      ['bus', 'buses'],
      ['function', 'functions'],
      ['gateway', 'gateways'],
      ['bucket', 'buckets'],
    ];
    for (const [field, listName] of kinds) if (tg[field] !== undefined) ref(tg[field], `${tp}.${field}`, listName);
    const allowed: Record<string, string[]> = {
      queue: ['groupId', 'attributes'],
      topic: ['groupId', 'attributes'],
      stream: ['key'],
      bus: ['source', 'detailType'],
      function: [],
      gateway: ['method', 'path'],
      bucket: ['key'],
    };
    const kind = kinds.find(([field]) => tg[field] !== undefined)?.[0];
    if (kind) {
      for (const extra of ['key', 'groupId', 'attributes', 'source', 'detailType', 'method', 'path']) {
        if (tg[extra] !== undefined && !allowed[kind].includes(extra)) add(`${tp}.${extra}`, `does not apply to a ${kind} target`);
      }
      if (kind === 'queue' && fifoQueues.has(tg.queue as string) && tg.groupId === undefined) add(`${tp}.groupId`, `is required for the FIFO queue "${tg.queue}"`);
      for (const tmpl of ['key', 'groupId', 'path'] as const) if (typeof tg[tmpl] === 'string') tryValidate(() => compileTemplate(tg[tmpl], `${tp}.${tmpl}`), '');
    }
  });

  checkSystems(doc, { add, ref: (value, path, l) => ref(value, path, l) });
  const poisonable = poisonTargets(doc);

  const faultTargets: Record<string, ResourceList[]> = {
    poison: ['queues', 'topics', 'streams', 'buses', 'functions'],
    duplicate: ['queues', 'topics'],
    throttle: ['functions'],
    crash: ['functions'],
    latency: ['functions'],
  };
  const generators = list(doc.traffic).flatMap((t) => (typeof t.name === 'string' ? [t.name] : []));
  list(doc.faults).forEach((f, i) => {
    const p = `faults[${i}]`;
    tryValidate(() => validateFault(f, p), '');
    const lists = faultTargets[f.kind as string];
    if (!lists || typeof f.target !== 'string' || f.target === '') return;
    // A duplicate fault on a traffic generator: a client that sends some requests twice.
    const extra = f.kind === 'poison' ? [...poisonable] : f.kind === 'duplicate' ? generators : [];
    if (!lists.some((l) => names[l].includes(f.target as string)) && !extra.includes(f.target)) {
      const known = [...lists.flatMap((l) => names[l]), ...extra];
      const kinds = [...lists.map((l) => SINGULAR[l]), ...(f.kind === 'duplicate' ? ['traffic generator'] : [])];
      add(`${p}.target`, `unknown ${kinds.join(' or ')} "${f.target}" for a ${f.kind} fault (known: ${known.length ? known.join(', ') : 'none defined'})`);
    }
  });
}

// ------------------------------------------------------------------------------------------------
// Pass 3 (dry build) lives in simulation.ts; it is loaded lazily to keep the module graph acyclic.

/** Fill in the lists a hand-written file may leave out. */
export function normalizeScenario(doc: Record<string, unknown>): Scenario {
  const out = { ...doc } as unknown as Scenario;
  for (const l of ALL_LISTS) if ((out as unknown as Record<string, unknown>)[l] === undefined) (out as unknown as Record<string, unknown>)[l] = [];
  return out;
}

/**
 * Check a parsed scenario file. Returns the scenario (lists filled in) when there are no problems;
 * otherwise `scenario` is undefined and `problems` names the path of every bad field.
 */
export function validateScenario(json: unknown): { scenario?: Scenario; problems: ScenarioProblem[] } {
  const problems: ScenarioProblem[] = [];
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { problems: [{ path: '', message: `a scenario must be a JSON object, got ${show(json)}` }] };
  }
  walkSchema(json, scenarioSchema, '', problems);
  checkSemantics(json as Record<string, unknown>, problems);
  if (problems.length === 0) {
    const scenario = normalizeScenario(json as Record<string, unknown>);
    const { dryBuildProblems } = require('./simulation') as typeof import('./simulation');
    problems.push(...dryBuildProblems(scenario));
    if (problems.length === 0) return { scenario, problems };
  }
  return { problems: dedupe(problems) };
}

/** One problem per path: the first (structural) report of a field wins over later passes. */
function dedupe(problems: ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    if (seen.has(p.path)) return false;
    seen.add(p.path);
    return true;
  });
}
