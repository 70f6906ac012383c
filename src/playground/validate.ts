/**
 * The shape of every playground command and query, checked before anything runs: the op is known,
 * every field is known, required fields are there and each has the right type. A mistake is a
 * `ValidationError` naming the field (`visibilityTimeoutS: must be a number, got "30"`), with a
 * did-you-mean for a misspelt op or field. Ranges and names are the engine's business (the queue
 * knows its visibility timeout is 0–43200 s) and references are the simulation's (it knows which
 * queues exist), so each rule lives in one place.
 */
import { isPlainObject, show, ValidationError } from '../engine/errors';
import { didYouMean } from '../engine/scenario';
import { SYSTEM_RESOURCE_KINDS, SYSTEM_SHAPES } from './systemTypes';
import type { PlaygroundCommand, PlaygroundOp, PlaygroundQuery } from './types';

type FieldKind =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'object'
  /** `{ name: string | number }` (message attributes). */
  | 'attributes'
  /** `{ name: string | number | array }` (SNS message attributes: an array is a String.Array). */
  | 'topicAttributes'
  /** `{ queue: string, maxReceiveCount: integer }`. */
  | 'deadLetter'
  /** `[{ queue?: string, function?: string }]`. */
  | 'targets'
  /** An array of commands (checked one by one when replayed). */
  | 'journal'
  /** `{ name: string | number | boolean }` (RabbitMQ headers). */
  | 'headers'
  /** `{ name: string }` (Pub/Sub attributes). */
  | 'stringMap'
  /** A non-empty array of strings (ack ids). */
  | 'strings'
  | readonly string[];

/** `name: kind` for optional fields, `name!: kind` for required ones. */
type Shape = Record<string, FieldKind>;

const RESOURCE_KINDS = ['queue', 'topic', 'stream', 'bus', 'function', ...SYSTEM_RESOURCE_KINDS] as const;

const COMMANDS = {
  createQueue: { 'name!': 'string', fifo: 'boolean', visibilityTimeoutS: 'number', delayS: 'number', retentionS: 'number', contentBasedDeduplication: 'boolean', deadLetter: 'deadLetter' },
  createTopic: { 'name!': 'string', fifo: 'boolean', contentBasedDeduplication: 'boolean' },
  subscribe: { 'topic!': 'string', queue: 'string', function: 'string', filterPolicy: 'object', filterPolicyScope: ['MessageAttributes', 'MessageBody'], rawDelivery: 'boolean' },
  unsubscribe: { 'topic!': 'string', 'subscription!': 'string' },
  createStream: { 'name!': 'string', partitions: 'integer', retentionHours: 'number', cleanupPolicy: ['delete', 'compact'], partitioner: ['sticky', 'round-robin'], segmentMs: 'number', deleteRetentionMs: 'number' },
  createBus: { 'name!': 'string' },
  putRule: { 'bus!': 'string', 'rule!': 'string', pattern: 'object', schedule: 'string', 'targets!': 'targets' },
  removeRule: { 'bus!': 'string', 'rule!': 'string' },
  delete: { 'kind!': RESOURCE_KINDS, 'name!': 'string' },
  send: { 'queue!': 'string', 'body!': 'string', groupId: 'string', deduplicationId: 'string', delayS: 'number', attributes: 'attributes' },
  receive: { 'queue!': 'string', max: 'integer', visibilityTimeoutS: 'number' },
  deleteMessage: { 'queue!': 'string', 'receiptHandle!': 'string' },
  changeVisibility: { 'queue!': 'string', 'receiptHandle!': 'string', 'visibilityTimeoutS!': 'number' },
  purge: { 'queue!': 'string' },
  publish: { 'topic!': 'string', 'body!': 'string', attributes: 'topicAttributes', groupId: 'string', deduplicationId: 'string' },
  putEvent: { 'bus!': 'string', 'source!': 'string', 'detailType!': 'string', 'detail!': 'object' },
  produce: { 'stream!': 'string', value: 'string', tombstone: 'boolean', key: 'string', partition: 'integer' },
  consume: { 'stream!': 'string', 'group!': 'string', partition: 'integer', offset: 'integer', max: 'integer' },
  replay: { 'stream!': 'string', 'group!': 'string', partition: 'integer', offset: 'integer' },
  attachHandler: {
    'function!': 'string',
    'file!': 'string',
    exportName: 'string',
    queue: 'string',
    topic: 'string',
    stream: 'string',
    rabbitQueue: 'string',
    pubsubTopic: 'string',
    pubsubSubscription: 'string',
    kinesisStream: 'string',
    batchSize: 'integer',
    prefetch: 'integer',
    parallelizationFactor: 'integer',
    platform: 'string',
    concurrency: 'integer',
    minInstances: 'integer',
    environment: 'stringMap',
  },
  detachHandler: { 'function!': 'string' },
  advance: { 'seconds!': 'number' },
  reset: {},
  ...(SYSTEM_SHAPES as Record<keyof typeof SYSTEM_SHAPES, Shape>),
} satisfies Record<PlaygroundOp, Shape>;

const QUERIES: Record<PlaygroundQuery['op'], Shape> = {
  snapshot: {},
  inspect: { queue: 'string', stream: 'string', messageId: 'string', partition: 'integer', offset: 'integer' },
  journal: {},
  restore: { 'journal!': 'journal' },
};

/** Is this op a read-only query (or `restore`) rather than a journaled command? */
export function isQuery(op: string): op is PlaygroundQuery['op'] {
  return Object.hasOwn(QUERIES, op);
}

/** Check a command or query's shape; throws a ValidationError naming the first bad field. */
export function checkShape(input: unknown): asserts input is PlaygroundCommand | PlaygroundQuery {
  if (!isPlainObject(input)) throw new ValidationError('', `a playground command must be an object with an "op", got ${show(input)}`);
  const op = input.op;
  const ops = [...Object.keys(COMMANDS), ...Object.keys(QUERIES)];
  if (typeof op !== 'string' || !ops.includes(op)) {
    const hint = typeof op === 'string' ? didYouMean(op, ops) : undefined;
    throw new ValidationError('op', `unknown operation ${show(op)}${hint ? ` (did you mean "${hint}"?)` : ''} (known: ${ops.join(', ')})`);
  }
  const shape: Shape = isQuery(op) ? QUERIES[op] : (COMMANDS as Record<PlaygroundOp, Shape>)[op as PlaygroundOp];
  const fields = new Map(Object.entries(shape).map(([key, kind]) => [key.replace(/!$/, ''), { kind, required: key.endsWith('!') }]));
  for (const key of Object.keys(input)) {
    if (key === 'op' || fields.has(key)) continue;
    const hint = didYouMean(key, [...fields.keys()]);
    throw new ValidationError(key, `unknown field for ${op}${hint ? ` (did you mean "${hint}"?)` : ''} (expected: ${[...fields.keys()].join(', ') || 'no fields'})`);
  }
  for (const [key, { kind, required }] of fields) {
    const value = input[key];
    if (value === undefined) {
      if (required) throw new ValidationError(key, `is required for ${op}`);
      continue;
    }
    checkField(key, value, kind);
  }
}

function checkField(path: string, value: unknown, kind: FieldKind): void {
  const bad = (expected: string): never => {
    throw new ValidationError(path, `must be ${expected}, got ${show(value)}`);
  };
  if (Array.isArray(kind)) {
    if (typeof value !== 'string' || !kind.includes(value)) bad(`one of ${kind.join(', ')}`);
    return;
  }
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') bad('a string');
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('a number');
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) bad('an integer');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') bad('true or false');
      return;
    case 'object':
      if (!isPlainObject(value)) bad('an object');
      return;
    case 'attributes':
      if (!isPlainObject(value)) bad('an object of string or number values');
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v))) checkField(`${path}.${name}`, v, 'string');
      }
      return;
    case 'topicAttributes':
      // Values are the topic's to check (String.Array elements included): here only the shape.
      if (!isPlainObject(value)) bad('an object of string, number or array (String.Array) values');
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isFinite(v)) && !Array.isArray(v)) checkField(`${path}.${name}`, v, 'string');
      }
      return;
    case 'deadLetter': {
      if (!isPlainObject(value)) bad('{ queue, maxReceiveCount }');
      const dl = value as Record<string, unknown>;
      for (const key of Object.keys(dl)) if (key !== 'queue' && key !== 'maxReceiveCount') throw new ValidationError(`${path}.${key}`, 'unknown field (expected: queue, maxReceiveCount)');
      if (dl.queue === undefined) throw new ValidationError(`${path}.queue`, 'is required');
      checkField(`${path}.queue`, dl.queue, 'string');
      if (dl.maxReceiveCount === undefined) throw new ValidationError(`${path}.maxReceiveCount`, 'is required (1 to 1000)');
      checkField(`${path}.maxReceiveCount`, dl.maxReceiveCount, 'integer');
      return;
    }
    case 'targets':
      if (!Array.isArray(value) || value.length === 0) bad('a non-empty array of { queue } or { function }');
      (value as unknown[]).forEach((t, i) => {
        const p = `${path}[${i}]`;
        if (!isPlainObject(t)) throw new ValidationError(p, `must be { queue } or { function }, got ${show(t)}`);
        const known = ['queue', 'function', 'input', 'inputPath', 'inputTransformer'];
        for (const key of Object.keys(t)) {
          if (!known.includes(key)) {
            const hint = didYouMean(key, known);
            throw new ValidationError(`${p}.${key}`, `unknown field${hint ? ` (did you mean "${hint}"?)` : ''} (expected: ${known.join(', ')})`);
          }
        }
        if ((t.queue === undefined) === (t.function === undefined)) throw new ValidationError(p, 'give exactly one of queue or function');
        checkField(`${p}.${t.queue !== undefined ? 'queue' : 'function'}`, t.queue ?? t.function, 'string');
        if (t.input !== undefined) checkField(`${p}.input`, t.input, 'string');
        if (t.inputPath !== undefined) checkField(`${p}.inputPath`, t.inputPath, 'string');
        if (t.inputTransformer !== undefined) checkField(`${p}.inputTransformer`, t.inputTransformer, 'object');
      });
      return;
    case 'journal':
      if (!Array.isArray(value)) bad('an array of commands');
      return;
    case 'headers':
      if (!isPlainObject(value)) bad('an object of string, number or boolean values');
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string' && typeof v !== 'boolean' && !(typeof v === 'number' && Number.isFinite(v))) checkField(`${path}.${name}`, v, 'string');
      }
      return;
    case 'stringMap':
      if (!isPlainObject(value)) bad('an object of string values');
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) checkField(`${path}.${name}`, v, 'string');
      return;
    case 'strings':
      if (!Array.isArray(value) || value.length === 0) bad('a non-empty array of strings');
      (value as unknown[]).forEach((v, i) => checkField(`${path}[${i}]`, v, 'string'));
      return;
  }
}
