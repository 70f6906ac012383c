/**
 * Source-map lookup for the sandbox: turns `file:///…bundle.js:12:7` stack frames back into the
 * learner's own `handler.ts:5:3`.
 *
 * A version-3 source map stores, per generated line, segments of base64 VLQ numbers: generated
 * column, source index, original line, original column (and an optional name index). All but the
 * generated column are deltas carried across lines; the generated column restarts every line.
 * This is a small decoder for exactly that (a stand-in for `@jridgewell/trace-mapping`).
 */
import type { RawSourceMap } from './compile';

/** A position in the learner's source: `line` and `column` are 1-based, as editors show them. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < BASE64.length; i++) DIGIT[BASE64.charCodeAt(i)] = i;

/** Per generated line: flat [genCol, source, origLine, origCol, …] quadruples, sorted by genCol (0-based). */
type Line = number[];

function decodeMappings(mappings: string): Line[] {
  const lines: Line[] = [];
  let line: Line = [];
  let source = 0;
  let origLine = 0;
  let origCol = 0;
  let genCol = 0;
  const fields: number[] = [];
  let value = 0;
  let shift = 0;
  const flushSegment = () => {
    if (fields.length >= 4) {
      genCol += fields[0];
      source += fields[1];
      origLine += fields[2];
      origCol += fields[3];
      line.push(genCol, source, origLine, origCol);
    } else if (fields.length >= 1) {
      genCol += fields[0];
    }
    fields.length = 0;
  };
  for (let i = 0; i < mappings.length; i++) {
    const ch = mappings.charCodeAt(i);
    if (ch === 59 /* ; */) {
      flushSegment();
      lines.push(line);
      line = [];
      genCol = 0;
      continue;
    }
    if (ch === 44 /* , */) {
      flushSegment();
      continue;
    }
    const digit = ch < 128 ? DIGIT[ch] : -1;
    if (digit < 0) throw new Error(`invalid source map: bad character at ${i}`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    fields.push(value % 2 === 1 ? -(value - 1) / 2 : value / 2);
    value = 0;
    shift = 0;
  }
  flushSegment();
  lines.push(line);
  for (const l of lines) sortSegments(l);
  return lines;
}

function sortSegments(line: Line): void {
  for (let i = 4; i < line.length; i += 4) {
    if (line[i] >= line[i - 4]) continue;
    const quads: number[][] = [];
    for (let j = 0; j < line.length; j += 4) quads.push(line.slice(j, j + 4));
    quads.sort((a, b) => a[0] - b[0]);
    line.length = 0;
    for (const q of quads) line.push(...q);
    return;
  }
}

/** Looks generated positions up in one source map (decoded on first use). */
export class SourceMapper {
  private lines: Line[] | undefined;

  constructor(private readonly map: RawSourceMap) {}

  /**
   * The original position of generated `line`:`column` (both 1-based, as in V8 stack frames), or
   * undefined when that code came from no learner file (bundler glue).
   */
  lookup(line: number, column: number): SourcePosition | undefined {
    this.lines ??= decodeMappings(this.map.mappings);
    const segments = this.lines[line - 1];
    if (!segments || segments.length === 0) return undefined;
    const col = column - 1;
    // Last segment starting at or before `col`.
    let lo = 0;
    let hi = segments.length / 4 - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid * 4] <= col) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) found = 0;
    const at = found * 4;
    const file = this.map.sources[segments[at + 1]];
    if (file === undefined) return undefined;
    return { file, line: segments[at + 2] + 1, column: segments[at + 3] + 1 };
  }
}

export interface MappedStack {
  /** The stack with bundle frames rewritten to learner positions and sandbox frames removed. */
  stack: string;
  /** The first frame in the learner's code: where the error was thrown. */
  location?: SourcePosition;
}

const MAX_FRAMES = 50;

/**
 * Rewrite a V8 stack string. Frames in `bundleUrl` are mapped through `mapper` (frames of bundler
 * glue are dropped); frames in any of `hiddenUrls` (the sandbox's own bootstrap) are dropped; other
 * lines (the `Name: message` header, `<anonymous>` built-in frames) are kept as they are.
 */
export function mapStack(stack: string, bundleUrl: string, mapper: SourceMapper, hiddenUrls: readonly string[] = []): MappedStack {
  const out: string[] = [];
  let location: SourcePosition | undefined;
  let frames = 0;
  for (const raw of stack.split('\n')) {
    const isFrame = /^\s+at /.test(raw);
    if (isFrame && hiddenUrls.some((u) => raw.includes(u))) continue;
    if (isFrame && raw.includes(bundleUrl)) {
      let mappedAny = false;
      let dropped = false;
      const line = replaceAll(raw, bundleUrl, (l, c) => {
        const pos = mapper.lookup(l, c);
        if (!pos) {
          dropped = true;
          return '';
        }
        mappedAny = true;
        location ??= pos;
        return `${pos.file}:${pos.line}:${pos.column}`;
      });
      if (dropped && !mappedAny) continue;
      if (++frames > MAX_FRAMES) continue;
      out.push(line);
      continue;
    }
    if (isFrame && ++frames > MAX_FRAMES) continue;
    out.push(raw);
  }
  return location ? { stack: out.join('\n'), location } : { stack: out.join('\n') };
}

/** Replace each `url:line:col` in `text` by `map(line, col)` (plain scanning, no backtracking regex). */
function replaceAll(text: string, url: string, map: (line: number, col: number) => string): string {
  let result = '';
  let from = 0;
  for (;;) {
    const at = text.indexOf(url, from);
    if (at < 0) break;
    let i = at + url.length;
    const nums: number[] = [];
    let start = i;
    while (nums.length < 2 && text.charCodeAt(i) === 58 /* : */) {
      start = ++i;
      while (i < text.length && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      if (i === start) break;
      nums.push(Number(text.slice(start, i)));
    }
    if (nums.length < 2) {
      result += text.slice(from, at + url.length);
      from = at + url.length;
      continue;
    }
    result += text.slice(from, at) + map(nums[0], nums[1]);
    from = i;
  }
  return result + text.slice(from);
}
