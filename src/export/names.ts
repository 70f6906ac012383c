/**
 * Names in the exported template: CloudFormation logical ids (letters and digits, unique in the
 * template) and the physical names that must be fixed before the stack exists (buckets, whose
 * names are global; FIFO queues and topics, whose names must end in ".fifo").
 */
import type { YamlValue } from './yaml';

/** `charge-card-dlq` + `Queue` → `ChargeCardDlqQueue`; unique within one `LogicalIds`. */
export class LogicalIds {
  private readonly used = new Set<string>();
  private readonly byKey = new Map<string, string>();

  /** The id of the resource `name` of kind `suffix` (the same pair always gives the same id). */
  id(name: string, suffix: string): string {
    const k = `${suffix}\n${name}`;
    const known = this.byKey.get(k);
    if (known) return known;
    let base =
      name
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0].toUpperCase() + w.slice(1))
        .join('') || 'Resource';
    if (/^\d/.test(base)) base = `R${base}`;
    base = `${base.slice(0, 200)}${suffix}`;
    let id = base;
    for (let i = 2; this.used.has(id); i++) id = `${base}${i}`;
    this.used.add(id);
    this.byKey.set(k, id);
    return id;
  }
}

export const ref = (id: string): YamlValue => ({ Ref: id });
export const getAtt = (id: string, attr: string): YamlValue => ({ 'Fn::GetAtt': [id, attr] });
export const sub = (text: string, vars?: Record<string, YamlValue>): YamlValue => ({ 'Fn::Sub': vars ? [text, vars] : text });

/** The last group of the stack id's UUID: 12 lowercase hex digits, known before any resource exists. */
export const STACK_SUFFIX: YamlValue = {
  'Fn::Select': [4, { 'Fn::Split': ['-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }] }],
};

/** `slab-<name>-<stack suffix>`: an S3 bucket name (3–63 lowercase letters, digits, hyphens), unique per stack. */
export function bucketNameParts(labName: string, taken: Set<string>): string {
  let part =
    labName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'bucket';
  const base = part;
  for (let i = 2; taken.has(part); i++) part = `${base.slice(0, 38)}${i}`;
  taken.add(part);
  return part;
}

export function bucketName(part: string): YamlValue {
  return { 'Fn::Join': ['-', ['slab', part, STACK_SUFFIX]] };
}

/** `slab-<stack suffix>-<name>` for a FIFO queue or topic (≤ 80 characters for names up to 62). */
export function fifoName(labName: string): YamlValue {
  return { 'Fn::Join': ['-', ['slab', STACK_SUFFIX, labName]] };
}
