/**
 * Messages between the extension host and the live diagram webview (postMessage, JSON only).
 * The webview renders the Mermaid source once per `topology` message and animates `updates` on top.
 */
import type { NodeKind } from './types';
import type { OverlayUpdate } from './overlay';
import type { RecentEvent } from './traceWindow';

export type DiagramTheme = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Host → webview: draw this topology (re-rendered only when the source or theme changes). */
export interface TopologyMessage {
  type: 'topology';
  /** Mermaid flowchart source from `toMermaid` (left to right). */
  source: string;
  /**
   * The same flowchart top-down (`toMermaid(t, { direction: 'TB' })`: the same ids), for a panel too
   * narrow for `source` to stay readable. The webview draws whichever keeps the text larger.
   */
  narrowSource?: string;
  /** Resource id → Mermaid node id (from `toMermaid`). */
  ids: Record<string, string>;
  /** Mermaid edge id per topology edge index (from `toMermaid`). */
  edgeIds: string[];
  /** Stream resource id → Mermaid ids of its partition boxes (from `toMermaid`). */
  partitions: Record<string, string[]>;
  /** Kind of each resource (legend, which counters to show). */
  kinds: Record<string, NodeKind>;
  /** Optional: the webview otherwise reads the body class VS Code sets (vscode-light / -dark / -high-contrast). */
  theme?: DiagramTheme;
}

/** Host → webview: one batch of overlay updates (post at most ~60 per second). */
export interface UpdatesMessage {
  type: 'updates';
  batch: OverlayUpdate[];
}

/** Host → webview: forget counters, dots and series (before a seek / replay sends a snapshot). */
export interface ResetMessage {
  type: 'reset';
}

/** Host → webview: the state of the player, to keep the controls in sync. */
export interface PlayerMessage {
  type: 'player';
  playing: boolean;
  speed: Speed;
  /** Current and last virtual time (ms) for the timeline slider. */
  t: number;
  end: number;
}

/** Host → webview: whether this diagram has a player (a scenario) or moves only by commands (the playground). */
export interface ModeMessage {
  type: 'mode';
  player: boolean;
}

/**
 * Host → webview: the source's own clock (the playground's virtual time, which `advance` moves
 * without any record). A diagram without a player shows it, or the last record's time if later.
 */
export interface ClockMessage {
  type: 'clock';
  t: number;
}

/** Host → webview, answering `selectNode`: the node's counters and its most recent records (newest first). */
export interface NodeEventsMessage {
  type: 'nodeEvents';
  id: string;
  kind: NodeKind;
  counters: Record<string, number>;
  events: RecentEvent[];
  /** Records the host's trace window holds (older ones are gone). */
  window: number;
}

/** Host → webview, answering `selectMessage`: the message's journey as a Mermaid sequence diagram. */
export interface JourneyMessage {
  type: 'journey';
  id: string;
  /** Mermaid `sequenceDiagram` source from `journeyToSequence`. */
  source: string;
  /** Records of the journey found in the window (0: the message is no longer, or was never, in it). */
  records: number;
}

/** Host → webview: a selection could not be answered (`field` names what was wrong). */
export interface SelectionErrorMessage {
  type: 'selectionError';
  field: string;
  message: string;
}

/** Host → webview: report what is drawn now (answered by a `state` message with the same token). */
export interface ReportMessage {
  type: 'report';
  token: number;
}

export type SelectionAnswer = NodeEventsMessage | JourneyMessage | SelectionErrorMessage;

export type HostToDiagram = TopologyMessage | UpdatesMessage | ResetMessage | PlayerMessage | ModeMessage | ClockMessage | SelectionAnswer | ReportMessage;

/** `fit`: the whole run in about 25 s, slower in bursts (src/diagram/pacing.ts); the rest are fixed factors. */
export type Speed = 'fit' | '1x' | '10x' | 'max';

export type ControlAction = 'play' | 'pause' | 'step' | 'speed' | 'seek';

/** Webview → host: a control was used. `value` is the speed for 'speed' and the virtual time (ms) for 'seek'. */
export interface ControlMessage {
  type: 'control';
  action: ControlAction;
  value?: Speed | number;
}

/** Webview → host: the learner clicked a node (resource id). */
export interface SelectNodeMessage {
  type: 'selectNode';
  id: string;
}

/** Webview → host: the learner clicked a moving dot (message id) — e.g. to show its journey. */
export interface SelectMessageMessage {
  type: 'selectMessage';
  id: string;
}

/** Webview → host: the webview has loaded and can receive a topology. */
export interface ReadyMessage {
  type: 'ready';
}

/** Webview → host: a topology was rendered (or failed to); tests and the adapter read this. */
export interface RenderedMessage {
  type: 'rendered';
  ok: boolean;
  ms: number;
  nodes: number;
  edges: number;
  error?: string;
  /** Which drawing is shown: left to right, or top-down for a narrow panel. */
  direction?: 'LR' | 'TB';
  /** How much the drawing is scaled to fit the panel (1: its natural size; never below 0.85, the panel scrolls instead). */
  scale?: number;
  /** The topology sent was the one already drawn at this width: nothing was redrawn. */
  unchanged?: boolean;
}

/** Webview → host: the detail panel shows a node's events or a journey (or failed to draw it). */
export interface DetailShownMessage {
  type: 'detailShown';
  what: 'node' | 'journey' | 'error';
  id: string;
  ok: boolean;
  error?: string;
}

/** Webview → host, answering `report`: the counters and badge texts the webview has applied and drawn. */
export interface StateMessage {
  type: 'state';
  token: number;
  /** Virtual time of the last update applied. */
  t: number;
  /** The time the diagram shows (the player's, or without one the source's clock). */
  shownT?: number;
  updatesApplied: number;
  counters: Record<string, Record<string, number>>;
  /** Badge text drawn next to each node (empty until the first frame after an update). */
  badges: Record<string, string>;
  /** What the detail panel shows, if open. */
  detail?: { what: 'node' | 'journey' | 'error'; id: string };
  /** Whether the player controls are shown. */
  player: boolean;
}

export type DiagramToHost = ControlMessage | SelectNodeMessage | SelectMessageMessage | ReadyMessage | RenderedMessage | DetailShownMessage | StateMessage;
