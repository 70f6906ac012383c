// Draws on top of the rendered Mermaid SVG without ever touching it again: counters in badges next
// to the nodes (never inside the labels, which are sized at render time), status classes on the node
// groups, and dots that travel along the edge paths in one requestAnimationFrame loop.
import type { EdgeEvent, NodeState } from '../../diagram/overlay';
import { describeCounters } from '../../diagram/words';

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
  callsInFlight: 'calls',
  unawaited: 'unawaited',
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
  routed: 'routed',
  dropped: 'dropped',
  requeued: 'requeued',
  redelivered: 'redelivered',
};

/** The counters shown in a node's badge (the rest are in its tooltip). */
const BADGE: Record<string, { always: string[]; ifNonZero: string[] }> = {
  queue: { always: ['depth', 'inFlight'], ifNonZero: ['deadLettered'] },
  'fifo-queue': { always: ['depth', 'inFlight'], ifNonZero: ['deadLettered'] },
  dlq: { always: ['depth'], ifNonZero: [] },
  function: { always: ['concurrency', 'warm'], ifNonZero: ['callsInFlight', 'coldStarts', 'throttles', 'errors', 'unawaited'] },
  topic: { always: ['published'], ifNonZero: ['retrying', 'failed', 'deadLettered'] },
  bus: { always: ['published'], ifNonZero: ['retrying', 'failed', 'deadLettered'] },
  stream: { always: ['produced', 'lag'], ifNonZero: [] },
  bucket: { always: ['stored'], ifNonZero: [] },
  table: { always: ['writes'], ifNonZero: ['overloaded'] },
  gateway: { always: ['requests', 'inFlight'], ifNonZero: ['errors'] },
  legacy: { always: ['requests', 'inFlight'], ifNonZero: ['errors', 'overloaded'] },
  traffic: { always: ['requests'], ifNonZero: [] },
  exchange: { always: ['published', 'routed'], ifNonZero: ['dropped'] },
  'rabbit-queue': { always: ['depth', 'inFlight'], ifNonZero: ['requeued', 'deadLettered', 'dropped'] },
  'pubsub-topic': { always: ['published'], ifNonZero: ['dropped'] },
  'pubsub-subscription': { always: ['depth', 'inFlight'], ifNonZero: ['redelivered', 'deadLettered'] },
  'kinesis-stream': { always: ['produced', 'consumed'], ifNonZero: ['throttles'] },
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
  /** The node's (or partition's) box, in SVG root space. */
  box: Box;
  last: string;
  /** Partition badges sit right of their box; node badges are placed by `layoutBadges`. */
  small: boolean;
  /** Text width (px) as measured; 0 while hidden. */
  width: number;
  /** Where the badge's background is, once placed (SVG root space). */
  at?: Box;
}

/** Badge geometry: 11 px text on a 15 px pill, 4 px padding, 3 px from its node. */
const BADGE_H = 15;
const BADGE_PAD = 4;
const BADGE_GAP = 3;
/** Widths are rounded up to this step, so a count going from 9 to 10 does not move badges around. */
const BADGE_STEP = 16;

/** Where a partition's badge is: right of its box, vertically centred (see makeBadge). */
function partitionBadgeBox(b: Badge): Box {
  return { x: b.box.x + b.box.width + BADGE_GAP, y: b.box.y + b.box.height / 2 - 7, width: b.width + 2 * BADGE_PAD, height: BADGE_H };
}

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/**
 * Where each node's badge goes: above the node (right-aligned, centred, left-aligned), else below
 * it, else a row further out — the first spot that covers no other badge, node or edge label, and
 * stays right of the diagram's left edge. When every spot is taken the first one is used. `obstacles`
 * are boxes already taken (nodes, partition badges); the chosen spots are added to it.
 */
export function placeBadges(badges: Array<{ box: Box; width: number }>, obstacles: Box[], left: number): Box[] {
  return badges.map(({ box, width }) => {
    const w = width + 2 * BADGE_PAD;
    const right = box.x + box.width - w;
    const centre = box.x + (box.width - w) / 2;
    const above = box.y - BADGE_GAP - BADGE_H;
    const below = box.y + box.height + BADGE_GAP;
    const rows = [above, below, above - BADGE_H - 2, below + BADGE_H + 2, above - 2 * (BADGE_H + 2), below + 2 * (BADGE_H + 2)];
    const spots = rows.flatMap((y) => [right, centre, box.x].map((x) => ({ x: Math.max(left, x), y, width: w, height: BADGE_H })));
    const own = (o: Box) => o.x === box.x && o.y === box.y && o.width === box.width && o.height === box.height;
    const chosen = spots.find((spot) => !obstacles.some((o) => !own(o) && overlaps(spot, o))) ?? spots[0];
    obstacles.push(chosen);
    return chosen;
  });
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
  /** Edge labels' boxes: badges keep off them. */
  private readonly labelBoxes: Box[];
  /** A badge's width changed: place them all again on the next frame. */
  private badgesMoved = false;
  private measure: ((text: string) => number) | undefined;
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
    this.labelBoxes = [...svg.querySelectorAll<SVGGElement>('g.edgeLabel')].map((g) => boxIn(svg, g)).filter((b) => b.width > 0 && b.height > 0);
  }

  private makeBadge(id: string, el: SVGGElement, small = false): Badge {
    const box = boxIn(this.svg, el);
    const g = document.createElementNS(SVG, 'g');
    g.setAttribute('class', small ? 'sl-badge sl-badge-small' : 'sl-badge');
    g.dataset.node = id;
    const rect = document.createElementNS(SVG, 'rect');
    rect.setAttribute('rx', '3');
    rect.setAttribute('x', String(-BADGE_PAD));
    rect.setAttribute('y', '-11');
    rect.setAttribute('height', String(BADGE_H));
    const text = document.createElementNS(SVG, 'text');
    text.setAttribute('text-anchor', 'middle');
    const title = document.createElementNS(SVG, 'title');
    g.append(title, rect, text);
    // Partitions: right of the box, in the stream's frame. Node badges: placed by layoutBadges().
    if (small) g.setAttribute('transform', `translate(${box.x + box.width + BADGE_GAP + BADGE_PAD},${box.y + box.height / 2 + 4})`);
    g.style.display = 'none';
    this.badgeLayer.append(g);
    return { g, rect, text, title, box, last: '', small, width: 0 };
  }

  /**
   * Text width in px, from the badge font's metrics on a canvas: no SVG layout read. The font is
   * read once from a badge's computed style (the editor font in VS Code, usually monospace).
   */
  private textWidth(text: string, sample: SVGTextElement): number {
    if (!this.measure) {
      const style = getComputedStyle(sample);
      const ctx = document.createElement('canvas').getContext('2d');
      if (ctx) {
        ctx.font = `${style.fontSize || '11px'} ${style.fontFamily || 'sans-serif'}`;
        this.measure = (t) => ctx.measureText(t).width;
      } else this.measure = (t) => t.length * 6.3;
    }
    return Math.ceil(this.measure(text));
  }

  /**
   * Places every shown node badge (see `placeBadges`), then grows the SVG's viewBox if a badge
   * would be cut off at its edge (the top row's badges sit above the diagram's first nodes).
   */
  private layoutBadges(): void {
    this.badgesMoved = false;
    const shown = [...this.badges.values()].filter((b) => b.width > 0);
    const nodes = [...this.badges.values()].filter((b) => !b.small).map((b) => b.box);
    const obstacles: Box[] = [
      ...nodes,
      ...this.labelBoxes,
      ...shown.filter((b) => b.small).map(partitionBadgeBox),
    ];
    // Top to bottom, left to right: the same diagram always gets the same layout.
    const placing = shown.filter((b) => !b.small).sort((a, b) => a.box.y - b.box.y || a.box.x - b.box.x);
    const vb = this.svg.viewBox.baseVal;
    const spots = placeBadges(placing, obstacles, vb && vb.width ? vb.x : -Infinity);
    placing.forEach((b, i) => {
      const at = spots[i];
      b.at = at;
      b.g.setAttribute('transform', `translate(${at.x + BADGE_PAD},${at.y + 11})`);
    });
    if (!vb || !vb.width) return;
    let { x, y, width, height } = vb;
    for (const b of shown) {
      const at = b.small ? partitionBadgeBox(b) : b.at;
      if (!at) continue;
      const x2 = Math.max(x + width, at.x + at.width + 2);
      const y2 = Math.max(y + height, at.y + at.height + 2);
      x = Math.min(x, at.x - 2);
      y = Math.min(y, at.y - 2);
      width = x2 - x;
      height = y2 - y;
    }
    if (x !== vb.x || y !== vb.y || width !== vb.width || height !== vb.height) {
      const grow = width / vb.width;
      this.svg.setAttribute('viewBox', `${x} ${y} ${width} ${height}`);
      // Mermaid caps the width at the drawing's natural size: keep the same scale.
      const max = parseFloat(this.svg.style.maxWidth);
      if (max) this.svg.style.maxWidth = `${max * grow}px`;
    }
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
      this.writeBadge(s.id, badgeText(s), describeCounters(s.counters, '\n'), s.status);
      if (s.partitions) for (const p of s.partitions) this.writeBadge(`${s.id}#${p.partition}`, `lag ${p.lag}`, `end offset ${p.end}, committed ${p.committed}, lag ${p.lag}`, p.lag > 0 ? 'retrying' : 'idle');
    }
    this.pendingStates.clear();
    if (this.badgesMoved) this.layoutBadges();
  }

  private writeBadge(id: string, text: string, tooltip: string, status: string): void {
    const b = this.badges.get(id);
    if (!b || b.last === text + status) return;
    b.last = text + status;
    b.text.textContent = text;
    b.title.textContent = tooltip;
    b.g.setAttribute('data-status', status);
    b.g.style.display = '';
    const width = Math.ceil(this.textWidth(text, b.text) / BADGE_STEP) * BADGE_STEP;
    if (width === b.width) return;
    b.width = width;
    b.rect.setAttribute('width', String(width + 2 * BADGE_PAD));
    b.text.setAttribute('x', String(width / 2)); // centred on the pill
    this.badgesMoved = true;
  }

  /** Where a node's badge is drawn (SVG root space), once shown (tests read it). */
  badgeBox(id: string): Box | undefined {
    const b = this.badges.get(id);
    if (!b || !b.width) return undefined;
    return b.small ? partitionBadgeBox(b) : b.at;
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
