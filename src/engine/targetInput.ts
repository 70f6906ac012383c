/**
 * What an EventBridge rule target receives: the event (default), or what `input`, `inputPath` or an
 * input transformer makes of it (EventBridge User Guide, "Amazon EventBridge input transformation";
 * API reference, `Target` and `InputTransformer`). The three are mutually exclusive.
 *
 * - `input`: constant JSON text, sent whatever the event.
 * - `inputPath`: a JSON path (`$.detail`): the part of the event it selects, as JSON.
 * - `inputTransformer`: up to 100 variables, each a JSON path into the event (`inputPathsMap`), put
 *   into `inputTemplate` as `<name>`. Outside a JSON string a variable is its JSON value (a string
 *   gets its quotes: `{"state": <state>}` → `{"state": "RUNNING"}`); inside a string it is the raw
 *   text, not escaped (`"is in <state>"`). Predefined, reserved variables: `<aws.events.rule-arn>`,
 *   `<aws.events.rule-name>`, `<aws.events.event>` (the event), `<aws.events.event.json>` (the event
 *   as JSON text) and `<aws.events.event.ingestion-time>`. A path that matches nothing gives `null`
 *   outside a string and nothing inside one. The template may be plain text; a placeholder may not
 *   be an object key.
 *
 * JSON paths: `$`, then `.name` steps (letters, digits, `_`, `-`, `/`), `[n]` array indices and `*`
 * wildcards (which collect every match into an array).
 */

/** The event as the transformer reads it. */
export interface TransformInput {
  event: unknown;
  ruleName: string;
  ruleArn: string;
  /** When EventBridge received the event (ISO 8601). */
  ingestionTime: string;
}

/** The payload for a target: its JSON text and the value a function receives. */
export interface TargetPayload {
  text: string;
  /** The text parsed as JSON, or the text itself when it is not JSON (a plain-text template). */
  value: unknown;
}

export interface TargetInputSpec {
  input?: string;
  inputPath?: string;
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
}

/** Thrown by `compileTargetInput`: `field` is the bad field relative to the target (`inputTransformer.inputTemplate`). */
export class TargetInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const RESERVED = ['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event', 'aws.events.event.json', 'aws.events.event.ingestion-time'];
const MAX_VARIABLES = 100;
const MAX_TEMPLATE = 8192;
const MAX_INPUT = 8192;

/** Compile a target's input settings; `undefined` when the target gets the event as it is. */
export function compileTargetInput(spec: TargetInputSpec): ((e: TransformInput) => TargetPayload) | undefined {
  const set = (['input', 'inputPath', 'inputTransformer'] as const).filter((k) => spec[k] !== undefined);
  if (set.length > 1) throw new TargetInputError(set[1], `input, inputPath and inputTransformer are mutually exclusive (EventBridge takes one), got ${set.join(' and ')}`);
  if (spec.input !== undefined) {
    const input = spec.input;
    if (typeof input !== 'string' || input.length < 1 || input.length > MAX_INPUT) throw new TargetInputError('input', `must be JSON text of 1–${MAX_INPUT} characters, got ${JSON.stringify(input)?.slice(0, 60)}`);
    let value: unknown;
    try {
      value = JSON.parse(input);
    } catch {
      throw new TargetInputError('input', `must be valid JSON text (what the target receives as is), got ${JSON.stringify(input.slice(0, 60))}`);
    }
    return () => ({ text: input, value });
  }
  if (spec.inputPath !== undefined) {
    const path = compilePath(spec.inputPath, 'inputPath');
    return (e) => {
      const v = path(e.event);
      const value = v === undefined ? null : v;
      return { text: JSON.stringify(value), value };
    };
  }
  if (spec.inputTransformer !== undefined) return compileTransformer(spec.inputTransformer);
  return undefined;
}

function compileTransformer(t: { inputPathsMap?: Record<string, string>; inputTemplate: string }): (e: TransformInput) => TargetPayload {
  if (typeof t !== 'object' || t === null) throw new TargetInputError('inputTransformer', 'must be { inputPathsMap, inputTemplate }');
  const map = t.inputPathsMap ?? {};
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new TargetInputError('inputTransformer.inputPathsMap', 'must be an object of name → JSON path');
  const names = Object.keys(map);
  if (names.length > MAX_VARIABLES) throw new TargetInputError('inputTransformer.inputPathsMap', `at most ${MAX_VARIABLES} variables, got ${names.length}`);
  const paths = new Map<string, (event: unknown) => unknown>();
  for (const name of names) {
    const p = `inputTransformer.inputPathsMap.${name}`;
    if (!/^[A-Za-z0-9_.-]{1,256}$/.test(name)) throw new TargetInputError(p, 'variable names are letters, digits, _ - and .');
    if (RESERVED.includes(name)) throw new TargetInputError(p, `"${name}" is a predefined variable: use <${name}> without defining it`);
    if (name.toLowerCase().startsWith('aws.')) throw new TargetInputError(p, 'variable names cannot start with "AWS." (reserved)');
    paths.set(name, compilePath(map[name], p));
  }
  const template = t.inputTemplate;
  if (typeof template !== 'string' || template.length < 1 || template.length > MAX_TEMPLATE) {
    throw new TargetInputError('inputTransformer.inputTemplate', `must be a template of 1–${MAX_TEMPLATE} characters, got ${JSON.stringify(template)?.slice(0, 60)}`);
  }
  const parts = splitTemplate(template, (name) => paths.has(name) || RESERVED.includes(name));
  return (e) => {
    const vars = new Map<string, unknown>();
    for (const [name, path] of paths) vars.set(name, path(e.event));
    vars.set('aws.events.rule-arn', e.ruleArn);
    vars.set('aws.events.rule-name', e.ruleName);
    vars.set('aws.events.event', e.event);
    vars.set('aws.events.event.ingestion-time', e.ingestionTime);
    let text = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        text += part;
        continue;
      }
      const v = part.name === 'aws.events.event.json' ? JSON.stringify(e.event) : vars.get(part.name);
      if (part.inString) text += v === undefined || v === null ? (v === null ? 'null' : '') : typeof v === 'string' ? v : JSON.stringify(v);
      else if (part.name === 'aws.events.event.json') text += v as string;
      else text += v === undefined ? 'null' : JSON.stringify(v);
    }
    try {
      // EventBridge passes JSON minified.
      const value: unknown = JSON.parse(text);
      return { text: JSON.stringify(value), value };
    } catch {
      // A plain-text template: the target gets the text.
      return { text, value: text };
    }
  };
}

type Part = string | { name: string; inString: boolean };

/**
 * Split a template into text and placeholders, noting for each placeholder whether it sits inside a
 * JSON string. An undefined placeholder is refused, and so is one used as an object key.
 */
function splitTemplate(template: string, known: (name: string) => boolean): Part[] {
  const parts: Part[] = [];
  let text = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const ch = template[i];
    if (ch === '\\' && inString) {
      text += ch + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (ch === '"') {
      inString = !inString;
      text += ch;
      continue;
    }
    if (ch === '<') {
      const m = /^<([A-Za-z0-9_.-]+)>/.exec(template.slice(i));
      if (m) {
        const name = m[1];
        if (!known(name)) {
          throw new TargetInputError('inputTransformer.inputTemplate', `<${name}> is not a variable of inputPathsMap (nor a predefined one: ${RESERVED.map((r) => `<${r}>`).join(', ')})`);
        }
        if (!inString && /^\s*:/.test(template.slice(i + m[0].length))) {
          throw new TargetInputError('inputTransformer.inputTemplate', `a placeholder cannot be used as an object key (<${name}>)`);
        }
        if (text) parts.push(text);
        text = '';
        parts.push({ name, inString });
        i += m[0].length - 1;
        continue;
      }
    }
    text += ch;
  }
  if (text) parts.push(text);
  return parts;
}

/** Compile a JSON path (`$.detail.items[0].id`, `$.detail.*`); the function returns `undefined` when nothing matches. */
export function compilePath(path: unknown, field: string): (value: unknown) => unknown {
  if (typeof path !== 'string' || !path.startsWith('$')) throw new TargetInputError(field, `must be a JSON path starting with "$" (like $.detail.state), got ${JSON.stringify(path)}`);
  type Step = { key: string } | { index: number } | { wildcard: true };
  const steps: Step[] = [];
  let i = 1;
  while (i < path.length) {
    if (path[i] === '.') {
      const m = /^\.(\*|[A-Za-z0-9_\-/]+)/.exec(path.slice(i));
      if (!m) throw new TargetInputError(field, `unexpected text at position ${i} of ${JSON.stringify(path)} (a step is .name, [n] or *)`);
      steps.push(m[1] === '*' ? { wildcard: true } : { key: m[1] });
      i += m[0].length;
    } else if (path[i] === '[') {
      const m = /^\[(\*|[0-9]+)\]/.exec(path.slice(i));
      if (!m) throw new TargetInputError(field, `an index is [n] or [*], at position ${i} of ${JSON.stringify(path)}`);
      steps.push(m[1] === '*' ? { wildcard: true } : { index: Number(m[1]) });
      i += m[0].length;
    } else throw new TargetInputError(field, `unexpected ${JSON.stringify(path[i])} at position ${i} of ${JSON.stringify(path)} (a step is .name, [n] or *)`);
  }
  const hasWildcard = steps.some((s) => 'wildcard' in s);
  return (root) => {
    let current: unknown[] = [root];
    for (const s of steps) {
      const next: unknown[] = [];
      for (const v of current) {
        if ('key' in s) {
          if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, s.key)) next.push((v as Record<string, unknown>)[s.key]);
        } else if ('index' in s) {
          if (Array.isArray(v) && s.index < v.length) next.push(v[s.index]);
        } else if (Array.isArray(v)) next.push(...v);
        else if (typeof v === 'object' && v !== null) next.push(...Object.values(v));
      }
      current = next;
    }
    if (hasWildcard) return current.length ? current : undefined;
    return current.length ? current[0] : undefined;
  };
}
