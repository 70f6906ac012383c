// Small inline-SVG charts drawn by hand (no chart library): what the lessons' pages ask the learner
// to watch — queue depth and concurrency over time, cold starts per bucket, GB-s billed, table writes
// per second, consumer lag, gateway response times (p95 / p99), Kinesis puts per shard — and the
// cumulative cost. Colours come from VS Code's chart CSS variables.
import type { Series, SeriesPoint } from '../../diagram/overlay';

const SVG = 'http://www.w3.org/2000/svg';
const W = 220;
const H = 56;
const PALETTE = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'];
const MAX_LINES = 6;
export const MAX_POINTS = 240;

interface Chart {
  title: string;
  unit: string;
  /** Named lines: values per point (NaN: nothing to plot in that bucket, the line has a gap). */
  lines: (points: SeriesPoint[]) => Array<{ name: string; values: number[] }>;
  bars?: boolean;
  /** What the caption says after the title: each line's latest value by default. */
  summary?: (values: number[], unit: string) => string;
  /** Node kinds that make the chart worth showing (a queue-depth chart needs a queue). */
  needs: string[];
}

const FUNCTIONS = ['function'];
const CHARTS: Chart[] = [
  { title: 'Queue depth', unit: 'messages', lines: (pts) => perKey(pts, (p) => p.queueDepth), needs: ['queue', 'fifo-queue', 'dlq', 'rabbit-queue', 'pubsub-subscription'] },
  {
    title: 'Response time',
    unit: 'ms',
    lines: (pts) => perKey(pts, (p) => p.responseMs ?? {}, Number.NaN),
    needs: ['gateway'],
  },
  { title: 'Concurrency', unit: 'running', lines: (pts) => perKey(pts, (p) => p.concurrency), needs: FUNCTIONS },
  {
    title: 'Cold starts',
    unit: 'per bucket',
    lines: (pts) => [{ name: 'cold starts', values: pts.map((p) => p.coldStarts) }],
    bars: true,
    summary: (values) => `${values.reduce((a, b) => a + b, 0)} in view`,
    needs: FUNCTIONS,
  },
  {
    title: 'Compute billed',
    unit: 'GB-s',
    lines: (pts) => [{ name: 'GB-seconds', values: pts.map((p) => p.gbSeconds ?? 0) }],
    summary: (values) => `${(values[values.length - 1] ?? 0).toFixed(2)} GB-s so far`,
    needs: FUNCTIONS,
  },
  {
    title: 'Table writes',
    unit: 'writes/s',
    lines: (pts) => perKey(pts, (p) => p.writesPerS ?? {}),
    summary: (values) => `peak ${Math.max(0, ...values).toFixed(1)}/s`,
    needs: ['table'],
  },
  { title: 'Consumer lag', unit: 'records behind', lines: (pts) => perKey(pts, (p) => p.lag ?? {}), needs: ['stream'] },
  { title: 'Puts per shard', unit: 'records/s', lines: (pts) => perKey(pts, (p) => p.shardPutsPerS ?? {}), needs: ['kinesis-stream'] },
  { title: 'Cost', unit: 'USD (estimate)', lines: (pts) => [{ name: 'cost', values: pts.map((p) => p.cost) }], summary: (values, unit) => `${fmt(values[values.length - 1] ?? 0, unit)} so far`, needs: FUNCTIONS },
];

const colourOf = (line: number): string => `var(${PALETTE[line % PALETTE.length]}, currentColor)`;

/** One line per key seen; a point without the key is `missing` (0, or NaN for a gap). */
function perKey(points: SeriesPoint[], pick: (p: SeriesPoint) => Record<string, number>, missing = 0): Array<{ name: string; values: number[] }> {
  const names = new Set<string>();
  for (const p of points) for (const k of Object.keys(pick(p))) names.add(k);
  return [...names].slice(0, MAX_LINES).map((name) => ({ name, values: points.map((p) => pick(p)[name] ?? missing) }));
}

/** The last value that is a number (a gap at the end shows the last one plotted). */
function lastValue(values: number[]): number {
  for (let i = values.length - 1; i >= 0; i--) if (!Number.isNaN(values[i])) return values[i];
  return 0;
}

function fmt(v: number, unit: string): string {
  if (unit.startsWith('USD')) return v < 0.01 ? `$${v.toFixed(6)}` : `$${v.toFixed(2)}`;
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

export class Charts {
  private points: SeriesPoint[] = [];
  private bucketMs = 1000;
  private dirty = false;
  private readonly svgs: SVGSVGElement[] = [];
  private readonly captions: HTMLElement[] = [];
  private readonly figures: HTMLElement[] = [];

  constructor(host: HTMLElement) {
    host.textContent = '';
    for (const c of CHARTS) {
      const fig = document.createElement('figure');
      fig.className = 'sl-chart';
      const cap = document.createElement('figcaption');
      cap.textContent = c.title;
      const svg = document.createElementNS(SVG, 'svg');
      svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
      svg.setAttribute('role', 'img');
      svg.setAttribute('aria-label', c.title);
      fig.append(cap, svg);
      host.append(fig);
      this.svgs.push(svg);
      this.captions.push(cap);
      this.figures.push(fig);
    }
  }

  /** Shows only the charts the diagram's node kinds can fill (no queue: no queue-depth chart). */
  setKinds(kinds: Iterable<string>): void {
    const present = new Set(kinds);
    CHARTS.forEach((c, i) => (this.figures[i].hidden = !c.needs.some((k) => present.has(k))));
  }

  /** Titles of the charts shown (tests read them). */
  shown(): string[] {
    return CHARTS.filter((_, i) => !this.figures[i].hidden).map((c) => c.title);
  }

  reset(): void {
    this.points = [];
    this.dirty = true;
  }

  replace(series: Series): void {
    this.points = series.points.slice(-MAX_POINTS);
    this.bucketMs = series.bucketMs;
    this.dirty = true;
  }

  append(points: SeriesPoint[]): void {
    if (!points.length) return;
    this.points.push(...points);
    if (this.points.length > MAX_POINTS) this.points.splice(0, this.points.length - MAX_POINTS);
    this.dirty = true;
  }

  /** Redraw if anything changed (call at a low rate, e.g. 4 per second). */
  draw(): void {
    if (!this.dirty) return;
    this.dirty = false;
    CHARTS.forEach((c, i) => this.drawOne(c, this.svgs[i], this.captions[i]));
  }

  private drawOne(c: Chart, svg: SVGSVGElement, cap: HTMLElement): void {
    const lines = c.lines(this.points);
    let max = 0;
    for (const l of lines) for (const v of l.values) if (v > max) max = v;
    const n = this.points.length;
    const latest = (l: { values: number[] }) => `${fmt(lastValue(l.values), c.unit)}${c.unit === 'ms' ? ' ms' : ''}`;
    const said = c.summary ? (n ? c.summary(lines[0]?.values ?? [], c.unit) : '') : lines.map((l) => `${l.name} ${latest(l)}`).join(', ');
    // The caption: the title, then each line's name and value after a swatch of its colour.
    cap.textContent = c.title;
    if (n && c.summary) cap.append(` — ${said}`);
    else if (n) {
      cap.append(' — ');
      lines.forEach((l, li) => {
        const key = document.createElement('span');
        key.className = 'sl-chart-key';
        key.style.background = colourOf(li);
        cap.append(...(li ? [', '] : []), key, `${l.name} ${latest(l)}`);
      });
    }
    cap.title = cap.textContent ?? '';
    svg.setAttribute('aria-label', `${c.title} over the last ${n} buckets of ${this.bucketMs} ms; max ${fmt(max, c.unit)} ${c.unit}${n ? `; now ${said}` : ''}`);
    const parts: string[] = [];
    const x = (i: number): number => (n <= 1 ? W : (i / (n - 1)) * (W - 2) + 1);
    const y = (v: number): number => H - 2 - (max > 0 ? (v / max) * (H - 14) : 0);
    parts.push(`<line class="sl-axis" x1="0" y1="${H - 1.5}" x2="${W}" y2="${H - 1.5}"/>`);
    parts.push(`<text class="sl-chart-max" x="2" y="10">${fmt(max, c.unit)}</text>`);
    lines.forEach((l, li) => {
      const colour = colourOf(li);
      if (c.bars) {
        const bw = Math.max(1, (W - 2) / Math.max(n, 1) - 0.5);
        l.values.forEach((v, i) => {
          if (v > 0) parts.push(`<rect x="${((i / Math.max(n, 1)) * (W - 2) + 1).toFixed(1)}" y="${y(v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(H - 2 - y(v)).toFixed(1)}" style="fill:${colour}"/>`);
        });
      } else if (n > 0) {
        // A gap (NaN) lifts the pen; a lone point between gaps is drawn as a dot-sized segment.
        let d = '';
        let pen = false;
        l.values.forEach((v, i) => {
          if (Number.isNaN(v)) return void (pen = false);
          const next = l.values[i + 1];
          d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(v).toFixed(1)}`;
          if (!pen && (next === undefined || Number.isNaN(next))) d += `h0.5`;
          pen = true;
        });
        if (d) parts.push(`<path class="sl-line" d="${d}" style="stroke:${colour}"/>`);
      }
    });
    // Only numbers and fixed strings go into this markup (series names are set as text below).
    svg.innerHTML = parts.join('');
    lines.forEach((l) => {
      const t = document.createElementNS(SVG, 'title');
      t.textContent = l.name;
      svg.append(t);
    });
  }
}
