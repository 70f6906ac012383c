/**
 * A small YAML writer for CloudFormation templates: block mappings and sequences, plain scalars
 * where YAML reads them back as the same string, double-quoted (JSON-escaped) ones everywhere
 * else. Intrinsic functions are written in their long form (`Ref:`, `Fn::GetAtt:`, `Fn::Sub:`), so
 * no YAML tags are needed and the output parses as plain YAML too.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

/** Strings YAML 1.1/1.2 would read as something else (booleans, null, numbers) or that need quotes. */
function needsQuotes(s: string): boolean {
  if (s === '') return true;
  if (/^(true|false|yes|no|on|off|y|n|null|~)$/i.test(s)) return true;
  if (/^\d{4}-\d\d?-\d\d?/.test(s) || /^\d+:\d+/.test(s)) return true;
  if (/^[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?$/.test(s) || /^0x[0-9a-f]+$/i.test(s) || /^0o?[0-7]+$/.test(s) || /^[-+]?\.(inf|nan)$/i.test(s)) return true;
  if (/^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) || /\s$/.test(s)) return true;
  if (/: |\s#|[\n\r\t]/.test(s) || s.endsWith(':')) return true;
  return !/^[\x20-\x7e]*$/.test(s);
}

function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`yaml: cannot write ${v}`);
    return String(v);
  }
  return needsQuotes(v) ? JSON.stringify(v) : v;
}

function key(k: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_:.\-/]*$/.test(k) && !needsQuotes(k) ? k : JSON.stringify(k);
}

function isScalar(v: YamlValue): v is string | number | boolean | null {
  return v === null || typeof v !== 'object';
}

function isEmpty(v: YamlValue): boolean {
  return Array.isArray(v) ? v.length === 0 : v !== null && typeof v === 'object' && Object.values(v).every((x) => x === undefined);
}

function lines(value: YamlValue, indent: string): string[] {
  const out: string[] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      if (isScalar(item) || isEmpty(item)) out.push(`${indent}- ${isScalar(item) ? scalar(item) : Array.isArray(item) ? '[]' : '{}'}`);
      else {
        const inner = lines(item, `${indent}  `);
        out.push(`${indent}- ${inner[0].slice(indent.length + 2)}`, ...inner.slice(1));
      }
    }
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, YamlValue | undefined>)) {
    if (v === undefined) continue;
    if (isScalar(v)) out.push(`${indent}${key(k)}: ${scalar(v)}`);
    else if (isEmpty(v)) out.push(`${indent}${key(k)}: ${Array.isArray(v) ? '[]' : '{}'}`);
    else {
      out.push(`${indent}${key(k)}:`);
      out.push(...lines(v, `${indent}  `));
    }
  }
  return out;
}

/** The YAML text of a mapping (the template's top level), ending with a newline. */
export function toYaml(value: { [key: string]: YamlValue | undefined }, header = ''): string {
  return `${header}${lines(value, '').join('\n')}\n`;
}
