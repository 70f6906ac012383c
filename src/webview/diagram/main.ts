// The live diagram webview: renders the topology ONCE with Mermaid (strict security level) and
// animates the trace on top of it — dots along edges, counters in badges, status colours, small
// charts and an accessible text summary. Talks to the host only by postMessage (see
// src/diagram/protocol.ts). Re-renders only when the topology source or the theme changes.
import mermaid from 'mermaid';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import type { DiagramToHost, HostToDiagram, RenderedMessage, Speed, StateMessage, TopologyMessage } from '../../diagram/protocol';
import type { NodeState, OverlayUpdate } from '../../diagram/overlay';
import { Animator, badgeText } from './animator';
import { Charts } from './charts';
import { DetailPanel } from './detail';
import { buildLegend } from './legend';
import { summarise } from './summary';
import { currentTheme, themeVariables, type ThemeKind } from './theme';

interface VsCodeApi {
  postMessage(message: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
declare global {
  interface Window {
    __slPosted?: unknown[];
    __slDiagram?: unknown;
  }
}

const vscode: VsCodeApi =
  typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: (m: unknown) => (window.__slPosted ??= []).push(m) };
const post = (m: DiagramToHost): void => vscode.postMessage(m);

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const container = $<HTMLDivElement>('sl-diagram');
const playButton = $<HTMLElement>('sl-play');
const stepButton = $<HTMLElement>('sl-step');
const speedSelect = $<HTMLElement & { value: string }>('sl-speed');
const seek = $<HTMLInputElement>('sl-seek');
const timeOut = $<HTMLOutputElement>('sl-time');
const sampledOut = $<HTMLSpanElement>('sl-sampled');
const summaryEl = $<HTMLDivElement>('sl-summary');
const charts = new Charts($<HTMLDivElement>('sl-charts'));
buildLegend($<HTMLDivElement>('sl-legend'));
const app = document.querySelector<HTMLElement>('.sl-app')!;

const DOT_MS: Record<Speed, number> = { fit: 500, '1x': 800, '10x': 400, max: 250 };
const reducedMotion = matchMedia('(prefers-reduced-motion: reduce)');

let topology: TopologyMessage | undefined;
let renderedKey = '';
/** The drawing's direction now shown (with `renderedKey`). */
let renderedDirection: Direction | undefined;
let renderCount = 0;
let rendering: Promise<void> = Promise.resolve();
let animator: Animator | undefined;
const states = new Map<string, NodeState>();
let now = 0;
/** The source's clock (playground), when it says one: shown when it is later than the last record. */
let clock = 0;
let end = 0;
let playing = false;
let speed: Speed = 'fit';
let sampledTotal = 0;
let updatesApplied = 0;
let hasPlayer = true;

/** Mermaid's settings for the current theme (flowchart and the journey's sequence diagram share them). */
function configureMermaid(theme: ThemeKind): void {
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'base', themeVariables: themeVariables(theme), flowchart: { htmlLabels: true, useMaxWidth: true }, sequence: { useMaxWidth: true }, fontFamily: 'var(--vscode-font-family)' });
}

const detail = new DetailPanel($('sl-detail'), $('sl-detail-title'), $('sl-detail-body'), $('sl-detail-close'), container, async (renderId, source) => {
  // Queued behind any topology render: Mermaid renders one diagram at a time.
  const job = rendering.then(async () => {
    configureMermaid(topology?.theme ?? currentTheme());
    return (await mermaid.render(renderId, source)).svg;
  });
  rendering = job.then(
    () => undefined,
    () => undefined,
  );
  return job;
}, post);

function renderKey(t: TopologyMessage, theme: ThemeKind): string {
  return `${theme}\u0000${t.source}`;
}

// ---- layout: readable in a narrow panel ---------------------------------------------------------------
// A left-to-right drawing scaled down to a narrow panel shrinks its text (a 1,600 px wide fan-out in a
// 400 px column is 4 px text). So when the drawing would shrink below MIN_SCALE, the top-down one is
// drawn too and whichever keeps the text larger is shown; it is never scaled below MIN_SCALE (the
// panel scrolls sideways instead). Both drawings are kept, so a resize back and forth re-renders nothing.

type Direction = 'LR' | 'TB';
/** Labels are drawn in the editor's font size (13 px by default): at 0.85 they stay 11 px. */
const MIN_SCALE = 0.85;

interface Drawing {
  svg: string;
  renderId: string;
  /** The SVG's natural width (its viewBox), px. */
  width: number;
}
let drawingsKey = '';
const drawings = new Map<Direction, Drawing>();

/** Width the diagram can take in the panel now (its box less its padding). */
function available(): number {
  const style = getComputedStyle(container);
  return Math.max(1, container.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight));
}

/** How much a drawing must shrink to fit the panel's width (1: it fits at its natural size). */
function fitOf(d: Drawing): number {
  return Math.min(1, available() / d.width);
}

async function drawingOf(t: TopologyMessage, theme: ThemeKind, direction: Direction): Promise<Drawing> {
  const cached = drawings.get(direction);
  if (cached) return cached;
  const renderId = `sl${++renderCount}`;
  configureMermaid(theme);
  const { svg } = await mermaid.render(renderId, direction === 'TB' && t.narrowSource ? t.narrowSource : t.source);
  const viewBox = /viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)/.exec(svg);
  const d: Drawing = { svg, renderId, width: viewBox ? Number(viewBox[1]) : available() };
  drawings.set(direction, d);
  return d;
}

let resizeTimer = 0;
let lastWidth = 0;
new ResizeObserver(() => {
  const w = container.clientWidth;
  if (w === lastWidth) return;
  lastWidth = w;
  if (resizeTimer) return;
  resizeTimer = window.setTimeout(() => {
    resizeTimer = 0;
    requestRender();
  }, 150);
}).observe(container);

/** `report`: a topology message asked for it, so it is answered with a `rendered` even when nothing changed. */
function requestRender(report = false): void {
  const run = () => render(report);
  rendering = rendering.then(run, run);
}

/** The last successful `rendered` report, repeated (with `unchanged`) for a topology already shown. */
let lastReport: RenderedMessage | undefined;

async function render(report = false): Promise<void> {
  const t = topology;
  if (!t) return;
  const theme = t.theme ?? currentTheme();
  const key = renderKey(t, theme);
  if (key === renderedKey && renderedDirection === undefined) return; // it failed to draw: said once
  if (key !== drawingsKey) {
    drawings.clear();
    drawingsKey = key;
  }
  const started = performance.now();
  try {
    const wide = await drawingOf(t, theme, 'LR');
    if (topology !== t) return; // a newer topology arrived while rendering
    let direction: Direction = 'LR';
    if (t.narrowSource && wide.width * MIN_SCALE > available()) {
      const narrow = await drawingOf(t, theme, 'TB');
      if (topology !== t) return;
      // The one that shrinks less (and so scrolls less, when neither fits at MIN_SCALE).
      if (fitOf(narrow) > fitOf(wide)) direction = 'TB';
    }
    if (key === renderedKey && direction === renderedDirection) {
      if (report && lastReport) post({ ...lastReport, ms: 0, unchanged: true });
      return;
    }
    const { svg, renderId, width } = drawings.get(direction)!;
    animator?.destroy();
    container.innerHTML = svg;
    const root = container.querySelector('svg') as SVGSVGElement;
    root.classList.add('sl-svg');
    // Never smaller than MIN_SCALE: a panel narrower than that scrolls sideways.
    root.style.minWidth = `${Math.round(width * MIN_SCALE)}px`;
    root.setAttribute('role', 'group');
    root.setAttribute('aria-label', 'Architecture diagram');
    const byMermaidId = new Map<string, string>();
    for (const [resource, mid] of Object.entries(t.ids)) byMermaidId.set(mid, resource);
    const partitionOf = new Map<string, string>();
    for (const [resource, boxes] of Object.entries(t.partitions ?? {})) boxes.forEach((mid, p) => partitionOf.set(mid, `${resource}#${p}`));
    const nodes = new Map<string, SVGGElement>();
    const partitions = new Map<string, SVGGElement>();
    const prefix = `${renderId}-flowchart-`;
    for (const g of root.querySelectorAll<SVGGElement>('g.node')) {
      if (!g.id.startsWith(prefix)) continue;
      const mid = g.id.slice(prefix.length).replace(/-\d+$/, '');
      const resource = byMermaidId.get(mid);
      if (resource !== undefined) nodes.set(resource, g);
      const part = partitionOf.get(mid);
      if (part !== undefined) partitions.set(part, g);
    }
    for (const [resource, kind] of Object.entries(t.kinds)) {
      if (kind !== 'stream') continue;
      const cluster = root.querySelector<SVGGElement>(`[id="${CSS.escape(`${renderId}-${t.ids[resource]}`)}"]`);
      if (cluster) nodes.set(resource, cluster);
    }
    for (const [resource, g] of nodes) {
      g.dataset.resource = resource;
      g.setAttribute('tabindex', '0');
      g.setAttribute('role', 'button');
      g.setAttribute('aria-label', `${t.kinds[resource] ?? 'resource'} ${resource}`);
      g.classList.add('sl-node');
    }
    const edgePaths = t.edgeIds.map((eid) => root.querySelector<SVGPathElement>(`path[id="${CSS.escape(`${renderId}-${eid}`)}"]`) ?? undefined);
    animator = new Animator(root, nodes, partitions, edgePaths);
    animator.motion = !reducedMotion.matches;
    animator.dotMs = DOT_MS[speed];
    animator.setStates([...states.values()]);
    renderedKey = key;
    renderedDirection = direction;
    const scale = Math.round((root.getBoundingClientRect().width / width) * 100) / 100;
    lastReport = { type: 'rendered', ok: true, ms: Math.round(performance.now() - started), nodes: nodes.size, edges: edgePaths.filter(Boolean).length, direction, scale };
    post(lastReport);
  } catch (error) {
    // Mermaid can leave a stray error element behind; the message goes in as text only.
    document.getElementById(`dsl${renderCount}`)?.remove();
    const p = document.createElement('p');
    p.className = 'sl-error';
    p.textContent = `Could not draw the diagram: ${error instanceof Error ? error.message : String(error)}`;
    container.replaceChildren(p);
    renderedKey = key;
    renderedDirection = undefined;
    post({ type: 'rendered', ok: false, ms: Math.round(performance.now() - started), nodes: 0, edges: 0, error: p.textContent });
  }
}

// ---- updates --------------------------------------------------------------------------------------

let summaryTimer = 0;
let summaryDue = false;
function scheduleSummary(): void {
  summaryDue = true;
  if (summaryTimer) return;
  summaryTimer = window.setTimeout(() => {
    summaryTimer = 0;
    if (!summaryDue) return;
    summaryDue = false;
    summaryEl.textContent = summarise(now, states.values(), new Map());
  }, 2000);
}

let chartTimer = 0;
function scheduleCharts(): void {
  if (chartTimer) return;
  chartTimer = window.setTimeout(() => {
    chartTimer = 0;
    charts.draw();
  }, 250);
}

function applyUpdate(u: OverlayUpdate): void {
  updatesApplied++;
  now = u.t;
  if (now > end) end = now;
  for (const s of u.nodes) states.set(s.id, s);
  if (animator) {
    animator.setStates(u.nodes);
    if (u.edges.length) animator.addDots(u.edges);
  }
  if (u.series) charts.replace(u.series);
  else charts.append(u.points);
  sampledTotal += u.sampledAway;
}

/** The time shown: the player's, or without a player the source's clock if later than the last record. */
function shownTime(): number {
  return hasPlayer ? now : Math.max(now, clock);
}

function showTime(): void {
  seek.max = String(Math.max(end, 0));
  if (document.activeElement !== seek) seek.value = String(now);
  timeOut.value = `${(shownTime() / 1000).toFixed(2)} s`;
  sampledOut.textContent = sampledTotal > 0 ? `${sampledTotal} hops not animated (sampled)` : '';
}

window.addEventListener('message', (event: MessageEvent<HostToDiagram>) => {
  const m = event.data;
  if (!m || typeof m !== 'object') return;
  switch (m.type) {
    case 'topology':
      topology = m;
      charts.setKinds(Object.values(m.kinds));
      requestRender(true);
      break;
    case 'updates':
      for (const u of m.batch) applyUpdate(u);
      showTime();
      scheduleCharts();
      scheduleSummary();
      break;
    case 'reset':
      states.clear();
      animator?.clearDots();
      charts.reset();
      sampledTotal = 0;
      now = 0;
      showTime();
      scheduleCharts();
      break;
    case 'mode':
      hasPlayer = m.player;
      app.classList.toggle('sl-no-player', !m.player);
      showTime();
      break;
    case 'clock':
      clock = m.t;
      showTime();
      break;
    case 'nodeEvents':
      detail.showNode(m);
      break;
    case 'journey':
      void detail.showJourney(m);
      break;
    case 'selectionError':
      detail.showError(m);
      break;
    case 'report':
      post(report(m.token));
      break;
    case 'player':
      playing = m.playing;
      speed = m.speed;
      now = m.t;
      end = m.end;
      speedSelect.value = speed;
      if (animator) animator.dotMs = DOT_MS[speed];
      syncPlay();
      showTime();
      break;
  }
});

// ---- controls -----------------------------------------------------------------------------------------

function syncPlay(): void {
  playButton.textContent = playing ? 'Pause' : 'Play';
  playButton.setAttribute('aria-label', playing ? 'Pause' : 'Play');
}
playButton.addEventListener('click', () => {
  playing = !playing;
  syncPlay();
  post({ type: 'control', action: playing ? 'play' : 'pause' });
});
stepButton.addEventListener('click', () => post({ type: 'control', action: 'step' }));
speedSelect.addEventListener('change', () => {
  const v = speedSelect.value as Speed;
  if (!(v in DOT_MS)) return;
  speed = v;
  if (animator) animator.dotMs = DOT_MS[speed];
  post({ type: 'control', action: 'speed', value: speed });
});
let seekTimer = 0;
seek.addEventListener('input', () => {
  timeOut.value = `${(Number(seek.value) / 1000).toFixed(2)} s`;
  if (seekTimer) return;
  seekTimer = window.setTimeout(() => {
    seekTimer = 0;
    post({ type: 'control', action: 'seek', value: Number(seek.value) });
  }, 120);
});
seek.addEventListener('change', () => post({ type: 'control', action: 'seek', value: Number(seek.value) }));

container.addEventListener('click', (event) => {
  const target = event.target as Element;
  const dot = target.closest?.('circle.sl-dot') as SVGCircleElement | null;
  if (dot?.dataset.id) {
    detail.openedFrom(container);
    post({ type: 'selectMessage', id: dot.dataset.id });
    return;
  }
  const node = target.closest?.('.sl-node') as SVGGElement | null;
  if (node?.dataset.resource !== undefined) {
    detail.openedFrom(node);
    post({ type: 'selectNode', id: node.dataset.resource });
  }
});
container.addEventListener('keydown', (event) => {
  if (event.key === 'Escape') {
    detail.close();
    return;
  }
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const node = (event.target as Element).closest?.('.sl-node') as SVGGElement | null;
  if (node?.dataset.resource === undefined) return;
  event.preventDefault();
  detail.openedFrom(node);
  post({ type: 'selectNode', id: node.dataset.resource });
});

/** What is drawn now: the counters applied and the badge texts shown (the host's tests read this). */
function report(token: number): StateMessage {
  const counters: Record<string, Record<string, number>> = {};
  for (const [id, s] of states) counters[id] = s.counters;
  const badges: Record<string, string> = {};
  for (const id of Object.keys(topology?.kinds ?? {})) {
    const b = animator?.badge(id);
    if (b) badges[id] = b;
  }
  const m: StateMessage = { type: 'state', token, t: now, shownT: shownTime(), updatesApplied, counters, badges, player: hasPlayer };
  if (detail.current) m.detail = detail.current;
  return m;
}

reducedMotion.addEventListener('change', () => {
  if (!animator) return;
  animator.motion = !reducedMotion.matches;
  if (reducedMotion.matches) animator.clearDots();
});

// VS Code swaps the body class when the colour theme changes: re-render with the new theme variables.
new MutationObserver(() => {
  if (topology && !topology.theme) requestRender();
}).observe(document.body, { attributes: true, attributeFilter: ['class'] });

// Hooks for tests and benchmarks (read-only views of the state).
window.__slDiagram = {
  badge: (id: string) => animator?.badge(id),
  badgeBox: (id: string) => animator?.badgeBox(id),
  charts: () => charts.shown(),
  badgeFor: (s: NodeState) => badgeText(s),
  stats: () => animator?.stats,
  status: (id: string) => states.get(id)?.status,
  updatesApplied: () => updatesApplied,
  whenRendered: () => rendering,
  summary: () => summarise(now, states.values(), new Map()),
  detail: () => detail.current,
};

syncPlay();
post({ type: 'ready' });
