// Draws on top of the rendered Mermaid SVG without ever touching it again: counters in badges next
// to the nodes (never inside the labels, which are sized at render time), status classes on the node
// groups, and dots that travel along the edge paths in one requestAnimationFrame loop.
import type { EdgeEvent, NodeState } from '../../diagram/overlay';

const SVG = 'http://www.w3.org/2000/svg';
/** Most dots alive at once; more are dropped (and counted) rather than slowing the frame down. */
export const MAX_LIVE_DOTS = 400;
const STATUSES = ['idle', 'active', 'retrying', 'dead-lettered', 'throttled', 'error'];

const SHORT: Record<string, string> = {
  depth: 'depth',
  inFlight: 'in flight',
  delayed: 'delayed',
  deadLettered: 'DLQ',
  concurrency: 'running',
  warm: 'warm',
  coldStarts: 'cold',
  throttles: 'throttled',
  errors: 'errors',
  published: 'pub',
  delivered: 'delivered',
  retrying: 'retrying',
  failed: 'failed',
  lag: 'lag',
  produced: 'records',
  stored: 'objects',
  writes: 'writes',
  overloaded: 'overloaded',
  requests: 'requests',
};

/** The counters shown in a node's badge (the rest are in its tooltip). */
const BADGE: Record<string, { always: string[]; ifNonZero: string[] }> = {
  queue: { always: ['depth', 'inFlight'], ifNonZero: ['deadLettered'] },
  'fifo-queue': { always: ['depth', 'inFlight'], ifNonZero: ['deadLettered'] },
  dlq: { always: ['depth'], ifNonZero: [] },
  function: { always: ['concurrency', 'warm'], ifNonZero: ['coldStarts', 'throttles', 'errors'] },
  topic: { always: ['published'], ifNonZero: ['retrying', 'failed', 'deadLettered'] },
  bus: { always: ['published'], ifNonZero: ['retrying', 'failed', 'deadLettered'] },
  stream: { always: ['produced', 'lag'], ifNonZero: [] },
  bucket: { always: ['stored'], ifNonZero: [] },
  table: { always: ['writes'], ifNonZero: ['overloaded'] },
  gateway: { always: ['requests', 'inFlight'], ifNonZero: ['errors'] },
  legacy: { always: ['requests', 'inFlight'], ifNonZero: ['errors', 'overloaded'] },
  traffic: { always: ['requests'], ifNonZero: [] },
};

export function badgeText(state: NodeState): string {
  const spec = BADGE[state.kind] ?? { always: Object.keys(state.counters).slice(0, 2), ifNonZero: [] };
  const parts: string[] = [];
  for (const k of spec.always) parts.push(`${SHORT[k] ?? k} ${state.counters[k] ?? 0}`);
  for (const k of spec.ifNonZero) if ((state.counters[k] ?? 0) > 0) parts.push(`${SHORT[k] ?? k} ${state.counters[k]}`);
  return parts.join(' · ');
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

interface Badge {
  g: SVGGElement;
  rect: SVGRectElement;
  text: SVGTextElement;
  title: SVGTitleElement;
  box: Box;
  last: string;
}

interface EdgePath {
  /** Points along the path in overlay (SVG root) space, x0 y0 x1 y1 …, evenly spaced by length. */
  xy: Float32Array;
  /** Number of segments (points − 1). */
  segments: number;
}

interface Dot {
  el: SVGCircleElement;
  edge: EdgePath;
  start: number;
  duration: number;
  id: string;
}

function boxIn(root: SVGSVGElement, el: SVGGraphicsElement): Box {
  const b = el.getBBox();
  const rootM = root.getScreenCTM();
  const elM = el.getScreenCTM();
  if (!rootM || !elM) return { x: b.x, y: b.y, width: b.width, height: b.height };
  const m = rootM.inverse().multiply(elM);
  const p1 = new DOMPoint(b.x, b.y).matrixTransform(m);
  const p2 = new DOMPoint(b.x + b.width, b.y + b.height).matrixTransform(m);
  return { x: Math.min(p1.x, p2.x), y: Math.min(p1.y, p2.y), width: Math.abs(p2.x - p1.x), height: Math.abs(p2.y - p1.y) };
}

export interface FrameStats {
  /** Work time (ms) of recent frames, newest last. */
  frames: number[];
  dotsStarted: number;
  dotsDropped: number;
  live: number;
}

export class Animator {
  private readonly layer: SVGGElement;
  private readonly badgeLayer: SVGGElement;
  private readonly dotLayer: SVGGElement;
  private readonly badges = new Map<string, Badge>();
  private readonly nodeGroups = new Map<string, SVGGElement>();
  private readonly edges: (EdgePath | undefined)[] = [];
  private readonly edgePaths: (SVGPathElement | undefined)[] = [];
  private dots: Dot[] = [];
  private readonly pool: SVGCircleElement[] = [];
  private raf = 0;
  private pendingStates = new Map<string, NodeState>();
  readonly stats: FrameStats = { frames: [], dotsStarted: 0, dotsDropped: 0, live: 0 };
  /** Travel time of a dot along an edge (ms of wall time). */
  dotMs = 700;
  motion = true;

  constructor(
    private readonly svg: SVGSVGElement,
    /** Resource id → SVG element of its node (a `g.node`, or a cluster for a stream). */
    nodes: Map<string, SVGGElement>,
    /** Partition box id (`<resource>#<p>`) → SVG element. */
    partitions: Map<string, SVGGElement>,
    edgePaths: (SVGPathElement | undefined)[],
  ) {
    this.layer = document.createElementNS(SVG, 'g');
    this.layer.setAttribute('class', 'sl-overlay');
    this.badgeLayer = document.createElementNS(SVG, 'g');
    this.dotLayer = document.createElementNS(SVG, 'g');
    this.dotLayer.setAttribute('class', 'sl-dots');
    this.layer.append(this.badgeLayer, this.dotLayer);
    svg.append(this.layer);
    for (const [id, g] of nodes) {
      this.nodeGroups.set(id, g);
      this.badges.set(id, this.makeBadge(id, g));
    }
    for (const [id, g] of partitions) this.badges.set(id, this.makeBadge(id, g, true));
    this.edgePaths = edgePaths;
  }

  private makeBadge(id: string, el: SVGGElement, small = false): Badge {
    const box = boxIn(this.svg, el);
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('class', small ? 'sl-badge sl-badge-small' : 'sl-badge');
    g.dataset.node = id;
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('rx', '3');
    const text = document.createElementNS(SVG, 'text');
    const title = document.createElementNS(SVG, 'title');
    g.append(title, rect, text);
    // Above the node's top-right corner; partitions: to the right of the box.
    if (small) g.setAttribute('transform', `translate(${box.x + box.width + 3},${box.y + box.height / 2 + 4})`);
    else g.setAttribute('transform', `translate(${box.x + box.width - 2},${box.y - 3})`);
    text.setAttribute('text-anchor', small ? 'start' : 'end');
    g.style.display = 'none';
    this.badgeLayer.append(g);
    return { g, rect, text, title, box, last: '' };
  }

  /** Queue node states (applied on the next frame, last one per node wins). */
  setStates(states: NodeState[]): void {
    for (const s of states) this.pendingStates.set(s.id, s);
    this.kick();
  }

  /** Start dots for edge events (none when motion is off). Returns how many were dropped. */
  addDots(events: EdgeEvent[]): number {
    if (!this.motion) return 0;
    const now = performance.now();
    let dropped = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const edge = this.edge(e.edge);
      if (!edge) continue;
      if (this.dots.length >= MAX_LIVE_DOTS) {
        dropped++;
        continue;
      }
      const el = this.pool.pop() ?? document.createElementNS(SVG, 'circle');
      el.setAttribute('r', '4');
      el.setAttribute('class', `sl-dot sl-dot-${e.kind}`);
      el.dataset.id = e.id;
      this.dotLayer.append(el);
      // Spread a batch's dots a little so a burst reads as a stream, not one blob.
      this.dots.push({ el, edge, start: now + (i % 20) * 12, duration: this.dotMs, id: e.id });
      this.stats.dotsStarted++;
    }
    this.stats.dotsDropped += dropped;
    this.kick();
    return dropped;
  }

  private edge(i: number): EdgePath | undefined {
    let e = this.edges[i];
    if (e) return e;
    const path = this.edgePaths[i];
    if (!path) return undefined;
    const rootM = this.svg.getScreenCTM();
    const pM = path.getScreenCTM();
    const m = rootM && pM ? rootM.inverse().multiply(pM) : new DOMMatrix();
    // getPointAtLength is slow (tens of µs); sample the path once and interpolate per frame.
    const length = path.getTotalLength();
    const segments = Math.max(8, Math.min(256, Math.ceil(length / 4)));
    const xy = new Float32Array((segments + 1) * 2);
    for (let s = 0; s <= segments; s++) {
      const p = path.getPointAtLength((s / segments) * length);
      xy[2 * s] = m.a * p.x + m.c * p.y + m.e;
      xy[2 * s + 1] = m.b * p.x + m.d * p.y + m.f;
    }
    e = { xy, segments };
    this.edges[i] = e;
    return e;
  }

  clearDots(): void {
    for (const d of this.dots) this.recycle(d.el);
    this.dots = [];
  }

  private recycle(el: SVGCircleElement): void {
    el.remove();
    if (this.pool.length < MAX_LIVE_DOTS) this.pool.push(el);
  }

  private kick(): void {
    if (this.raf === 0) this.raf = requestAnimationFrame(this.frame);
  }

  private readonly frame = (): void => {
    this.raf = 0;
    const started = performance.now();
    this.flushStates();
    const now = performance.now();
    const keep: Dot[] = [];
    for (const d of this.dots) {
      const f = (now - d.start) / d.duration;
      if (f >= 1) {
        this.recycle(d.el);
        continue;
      }
      keep.push(d);
      const { xy, segments } = d.edge;
      const pos = Math.max(0, f) * segments;
      const s = Math.min(segments - 1, pos | 0);
      const frac = pos - s;
      d.el.setAttribute('cx', (xy[2 * s] + (xy[2 * s + 2] - xy[2 * s]) * frac).toFixed(1));
      d.el.setAttribute('cy', (xy[2 * s + 1] + (xy[2 * s + 3] - xy[2 * s + 1]) * frac).toFixed(1));
    }
    this.dots = keep;
    this.stats.live = keep.length;
    const work = performance.now() - started;
    const frames = this.stats.frames;
    frames.push(work);
    if (frames.length > 600) frames.splice(0, frames.length - 600);
    if (this.dots.length > 0 || this.pendingStates.size > 0) this.kick();
  };

  private flushStates(): void {
    if (this.pendingStates.size === 0) return;
    for (const s of this.pendingStates.values()) {
      const g = this.nodeGroups.get(s.id);
      if (g) {
        const cls = `sl-status-${s.status}`;
        if (!g.classList.contains(cls)) {
          for (const st of STATUSES) g.classList.remove(`sl-status-${st}`);
          g.classList.add(cls);
          g.dataset.status = s.status;
        }
      }
      this.writeBadge(s.id, badgeText(s), Object.entries(s.counters).map(([k, v]) => `${k}: ${Number.isInteger(v) ? v : v.toFixed(3)}`).join('\n'), s.status);
      if (s.partitions) for (const p of s.partitions) this.writeBadge(`${s.id}#${p.partition}`, `lag ${p.lag}`, `end offset ${p.end}, committed ${p.committed}, lag ${p.lag}`, p.lag > 0 ? 'retrying' : 'idle');
    }
    this.pendingStates.clear();
  }

  private writeBadge(id: string, text: string, tooltip: string, status: string): void {
    const b = this.badges.get(id);
    if (!b || b.last === text + status) return;
    b.last = text + status;
    b.text.textContent = text;
    b.title.textContent = tooltip;
    b.g.setAttribute('data-status', status);
    b.g.style.display = '';
    // Size the background from the character count: no layout read per frame (11px font ≈ 6.3px/char).
    const w = text.length * 6.3 + 8;
    const small = b.g.classList.contains('sl-badge-small');
    b.rect.setAttribute('x', String(small ? -3 : -w + 4));
    b.rect.setAttribute('y', '-11');
    b.rect.setAttribute('width', String(w));
    b.rect.setAttribute('height', '15');
  }

  /** Badge text currently shown for a node (tests read it). */
  badge(id: string): string | undefined {
    return this.badges.get(id)?.text.textContent ?? undefined;
  }

  destroy(): void {
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = 0;
    this.layer.remove();
  }
}
