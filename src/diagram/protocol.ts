/**
 * Messages between the extension host and the live diagram webview (postMessage, JSON only).
 * The webview renders the Mermaid source once per `topology` message and animates `updates` on top.
 */
import type { NodeKind } from './types';
import type { OverlayUpdate } from './overlay';

export type DiagramTheme = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** Host → webview: draw this topology (re-rendered only when the source or theme changes). */
export interface TopologyMessage {
  type: 'topology';
  /** Mermaid flowchart source from `toMermaid`. */
  source: string;
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

export type HostToDiagram = TopologyMessage | UpdatesMessage | ResetMessage | PlayerMessage;

export type Speed = '1x' | '10x' | 'max';

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
}

export type DiagramToHost = ControlMessage | SelectNodeMessage | SelectMessageMessage | ReadyMessage | RenderedMessage;
