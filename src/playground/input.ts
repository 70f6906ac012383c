/**
 * What a learner types into the playground's prompts, checked as they type. Each `check…` returns
 * `undefined` for good input or one sentence naming the problem (VS Code's `validateInput` shows it
 * under the box); each `parse…` turns good input into the value a `PlaygroundCommand` carries.
 * The runtime validates every command again (it is the authority); these checks only make the
 * problem visible before Enter. Pure TypeScript: never imports `vscode`.
 */
import type { Attributes, ResourceKind } from './types';

/** `undefined` when the text is acceptable, else what is wrong with it. */
export type Check = (text: string) => string | undefined;

/** Ranges the prompts enforce (the engine's own limits, as AWS documents them). */
export const LIMITS = {
  visibilityTimeoutS: { min: 0, max: 43_200, unit: 'seconds' },
  maxReceiveCount: { min: 1, max: 1_000, unit: 'receives' },
  partitions: { min: 1, max: 1_000, unit: 'partitions' },
  retentionHours: { min: 1, max: 8_760, unit: 'hours' },
  receiveMax: { min: 1, max: 10, unit: 'messages' },
  consumeMax: { min: 1, max: 100, unit: 'records' },
  advanceSeconds: { min: 1, max: 86_400, unit: 'seconds' },
  offset: { min: 0, max: Number.MAX_SAFE_INTEGER, unit: '' },
} as const;

/** A range a prompt enforces. */
export type Limit = { readonly min: number; readonly max: number; readonly unit: string };

const BASE_NAME = /^[A-Za-z0-9_-]+$/;
const MAX_NAME = 80;
const FIFO_SUFFIX = '.fifo';

/**
 * A resource name: 1 to 80 letters, digits, `-` or `_`; a FIFO queue or topic ends in `.fifo`
 * (and only those do). `taken` lists the names already used by that kind.
 */
export function checkName(kind: ResourceKind | 'rule', text: string, options: { fifo?: boolean; taken?: readonly string[] } = {}): string | undefined {
  const name = text.trim();
  if (!name) return `A ${kind} name is required.`;
  if (name.length > MAX_NAME) return `A ${kind} name is at most ${MAX_NAME} characters (this one is ${name.length}).`;
  const fifoCapable = kind === 'queue' || kind === 'topic';
  const endsFifo = name.endsWith(FIFO_SUFFIX);
  if (options.fifo && !endsFifo) return `A FIFO ${kind} name must end in "${FIFO_SUFFIX}" (e.g. ${name.replace(/\.$/, '')}${FIFO_SUFFIX}).`;
  if (endsFifo && !(fifoCapable && options.fifo)) return fifoCapable ? `Only FIFO ${kind}s end in "${FIFO_SUFFIX}": choose FIFO or drop the suffix.` : `"${FIFO_SUFFIX}" is only for FIFO queues and topics.`;
  const base = endsFifo ? name.slice(0, -FIFO_SUFFIX.length) : name;
  if (!BASE_NAME.test(base)) {
    const bad = [...base].find((c) => !/[A-Za-z0-9_-]/.test(c));
    return `Use letters, digits, "-" or "_" only (${bad === ' ' ? 'a space' : `"${bad}"`} is not allowed).`;
  }
  if (options.taken?.includes(name)) return `A ${kind} named "${name}" already exists.`;
  return undefined;
}

/** An integer within `limit`; empty text is fine when `optional`. */
export function checkInteger(text: string, limit: Limit, options: { optional?: boolean } = {}): string | undefined {
  const t = text.trim();
  if (!t) return options.optional ? undefined : 'A number is required.';
  if (!/^[+-]?\d+$/.test(t)) return `"${t}" is not a whole number.`;
  const n = Number(t);
  const unit = limit.unit ? ` ${limit.unit}` : '';
  if (limit.max === Number.MAX_SAFE_INTEGER) return n < limit.min ? `Must be ${limit.min} or more.` : undefined;
  if (n < limit.min || n > limit.max) return `Must be between ${limit.min} and ${limit.max}${unit} (got ${n}).`;
  return undefined;
}

/** The integer in `text`, or `undefined` for empty text (call after `checkInteger` passed). */
export function parseInteger(text: string): number | undefined {
  const t = text.trim();
  return t ? Number(t) : undefined;
}

/** Text that must not be empty (a message body, a record value). */
export function checkRequired(what: string): Check {
  return (text) => (text.length === 0 ? `${what} is required.` : undefined);
}

/** 1 to 128 printable ASCII characters (a FIFO message group or deduplication id). */
export function checkToken(what: string, options: { optional?: boolean } = {}): Check {
  return (text) => {
    if (!text) return options.optional ? undefined : `${what} is required.`;
    if (text.length > 128) return `${what} is at most 128 characters.`;
    return /^[\x21-\x7e]+$/.test(text) ? undefined : `${what} uses printable ASCII without spaces only.`;
  };
}

/** Parses JSON that must be a plain object; says where it stops parsing or what it is instead. */
export function parseJsonObject(text: string): { value: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `Not valid JSON: ${(err as Error).message}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { error: `Must be a JSON object { … }, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`}.` };
  }
  return { value: value as Record<string, unknown> };
}

/** JSON object text; empty is fine when `optional`. */
export function checkJsonObject(options: { optional?: boolean } = {}): Check {
  return (text) => {
    if (!text.trim()) return options.optional ? undefined : 'A JSON object is required, e.g. {"type": ["order"]}.';
    const parsed = parseJsonObject(text);
    return 'error' in parsed ? parsed.error : undefined;
  };
}

/** Message attributes: a JSON object whose values are strings or finite numbers (at most 10). */
export function checkAttributes(text: string): string | undefined {
  return checkAttributeText(text, false);
}

/** SNS message attributes: as `checkAttributes`, and an array is a String.Array. */
export function checkTopicAttributes(text: string): string | undefined {
  return checkAttributeText(text, true);
}

function checkAttributeText(text: string, arrays: boolean): string | undefined {
  if (!text.trim()) return undefined;
  const parsed = parseJsonObject(text);
  if ('error' in parsed) return parsed.error;
  const entries = Object.entries(parsed.value);
  if (entries.length > 10) return `At most 10 attributes (got ${entries.length}).`;
  const scalar = (v: unknown): boolean => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
  for (const [name, value] of entries) {
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name)) return `Attribute name "${name}": letters, digits, "_", "-" or "." only.`;
    if (arrays && Array.isArray(value)) {
      if (!value.every((el) => scalar(el) || el === null || typeof el === 'boolean')) return `Attribute "${name}" is a String.Array: its elements must be strings, numbers, true/false or null.`;
      continue;
    }
    if (!scalar(value)) return arrays ? `Attribute "${name}" must be a string, a number or an array (String.Array).` : `Attribute "${name}" must be a string or a number (SQS has no String.Array).`;
  }
  return undefined;
}

/** Attributes from text that passed `checkAttributes`; `undefined` for empty text. */
export function parseAttributes(text: string): Attributes | undefined {
  if (!text.trim()) return undefined;
  const parsed = parseJsonObject(text);
  return 'value' in parsed ? (parsed.value as Attributes) : undefined;
}

/** An optional JSON object from text that passed `checkJsonObject`; `undefined` for empty text. */
export function parseOptionalObject(text: string): Record<string, unknown> | undefined {
  if (!text.trim()) return undefined;
  const parsed = parseJsonObject(text);
  return 'value' in parsed ? parsed.value : undefined;
}

/** A handler module the playground can attach: a .ts or .js file (not a declaration file). */
export function checkHandlerFile(file: string): string | undefined {
  if (file.endsWith('.d.ts')) return 'A declaration file (.d.ts) has no code to run; pick the handler module.';
  return /\.(ts|js|mjs|cjs)$/.test(file) ? undefined : 'A handler is a .ts or .js file.';
}

/** A function name suggested from a handler file: `src/order-handler.ts` → `order-handler`. */
export function functionNameFor(file: string): string {
  const base = file.split(/[\\/]/).pop() ?? 'handler';
  const stem = base.replace(/\.(d\.)?(ts|js|mjs|cjs)$/, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  return (stem || 'handler').slice(0, MAX_NAME);
}

/**
 * A plain object passed to a playground command instead of prompting (tests, links, other
 * commands): `{ name: 'orders' }`. Tree items and URIs are not argument objects.
 */
export function isArgumentObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && !('node' in value);
}
