import * as vscode from 'vscode';
import { OverlayFeed, topologyKey } from '../../diagram/feed';
import { diagramHtml } from '../../diagram/html';
import { toMermaid } from '../../diagram/mermaid';
import type { ControlMessage, DetailShownMessage, DiagramToHost, HostToDiagram, RenderedMessage, SelectionAnswer, StateMessage, TopologyMessage } from '../../diagram/protocol';
import type { Topology } from '../../diagram/types';
import type { TraceRecord } from '../../engine/trace';
import { nonce } from '../webviewHtml';

/** What tests (and other features) can see of one live diagram. */
export interface DiagramViewApi {
  /** `updates` messages and records posted to the webview so far (across topologies). */
  readonly posted: { updates: number; records: number };
  /** Topologies sent to the webview (each one is rendered once). */
  readonly topologies: number;
  readonly isOpen: boolean;
  /** The webview's last report of a topology render. */
  readonly lastRendered: RenderedMessage | undefined;
  /** Close the panel (the run it shows is paused). */
  close(): void;
  /** The host's last answer to a click (node events, journey or error). */
  readonly lastAnswer: SelectionAnswer | undefined;
  readonly onDidRender: vscode.Event<RenderedMessage>;
  /** The detail panel showed a node's events, a journey, or an error. */
  readonly onDidShowDetail: vscode.Event<DetailShownMessage>;
  /** Ask the webview what it has drawn (counters applied, badge texts). */
  readState(timeoutMs?: number): Promise<StateMessage>;
  /** The same path as a click in the webview: the host answers with the node's events / the journey. */
  select(what: 'node' | 'message', id: string): void;
}

export interface DiagramViewOptions {
  viewType: string;
  /** Show play / step / speed / timeline (a scenario) or not (the playground: commands move time). */
  player: boolean;
  /** A control was used in the webview. */
  onControl?: (m: ControlMessage) => void | Promise<void>;
  /** The webview (re)loaded and has the topology again. */
  onReady?: () => void;
  /** The panel was closed. */
  onClose?: () => void;
  /** The editor column to open in (beside the lesson page); undefined: beside the active editor. */
  column?: () => vscode.ViewColumn | undefined;
}

/**
 * One live diagram panel: the webview, the host-side pipeline (OverlayFeed: batching, overlay,
 * trace window) and the conversation with the webview. Sources — the scenario player and the
 * playground — own one each and only say what the topology is and which records arrived.
 */
export class DiagramView implements DiagramViewApi {
  readonly posted = { updates: 0, records: 0 };
  topologies = 0;
  lastAnswer: SelectionAnswer | undefined;
  lastRendered: RenderedMessage | undefined;
  private panel: vscode.WebviewPanel | undefined;
  private feed: OverlayFeed | undefined;
  private key = '';
  private topologyMessage: TopologyMessage | undefined;
  private readonly rendered = new vscode.EventEmitter<RenderedMessage>();
  private readonly detail = new vscode.EventEmitter<DetailShownMessage>();
  private readonly waiting = new Map<number, (s: StateMessage) => void>();
  private token = 0;
  /** Resolves when the webview has loaded and said `ready` (messages posted earlier may be lost). */
  private ready: Promise<void> = Promise.resolve();
  private markReady: () => void = () => undefined;
  readonly onDidRender = this.rendered.event;
  readonly onDidShowDetail = this.detail.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly output: vscode.LogOutputChannel,
    private readonly options: DiagramViewOptions,
  ) {
    context.subscriptions.push(this.rendered, this.detail, { dispose: () => this.panel?.dispose() });
  }

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  /** Open (or reveal) the panel. */
  show(title: string): void {
    if (!this.panel) {
      const root = this.context.extensionUri;
      const panel = vscode.window.createWebviewPanel(this.options.viewType, title, { viewColumn: this.options.column?.() ?? vscode.ViewColumn.Beside, preserveFocus: true }, {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(root, 'dist', 'webview'), vscode.Uri.joinPath(root, 'media')],
      });
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.feed?.dispose();
        this.feed = undefined;
        this.key = '';
        this.topologyMessage = undefined;
        this.lastRendered = undefined;
        this.options.onClose?.();
      });
      this.ready = new Promise<void>((resolve) => (this.markReady = resolve));
      panel.webview.onDidReceiveMessage((m: DiagramToHost) => void this.receive(m));
      const w = panel.webview;
      const uri = (...parts: string[]) => w.asWebviewUri(vscode.Uri.joinPath(root, ...parts)).toString();
      w.html = diagramHtml(w.cspSource, nonce(), uri('dist', 'webview', 'diagram.js'), uri('media', 'diagram.css'));
      this.panel = panel;
    }
    this.panel.title = title;
    // The one panel, where it is: reopening a diagram never adds a column.
    this.panel.reveal(this.panel.viewColumn, true);
  }

  close(): void {
    this.panel?.dispose();
  }

  post(m: HostToDiagram): void {
    void this.panel?.webview.postMessage(m);
  }

  /**
   * Draw this topology. Unchanged node and edge sets keep the drawing and the overlay (returns
   * false) unless `fresh` (a new run). `carry` replays the records of the old trace window into the
   * new overlay, so a playground that gains a queue keeps the counters of the others.
   */
  setTopology(topology: Topology, { fresh = false, carry = false }: { fresh?: boolean; carry?: boolean } = {}): boolean {
    const key = topologyKey(topology);
    if (this.feed && key === this.key && !fresh) return false;
    const old = this.feed;
    old?.dispose();
    this.feed = new OverlayFeed(topology, (m, records) => {
      this.posted.updates++;
      this.posted.records += records;
      this.post(m);
    });
    if (carry && old) this.feed.push(old.window.records());
    const changed = key !== this.key;
    this.key = key;
    if (changed) {
      const diagram = toMermaid(topology);
      const kinds = Object.fromEntries(topology.nodes.map((n) => [n.id, n.kind]));
      this.topologyMessage = { type: 'topology', source: diagram.source, narrowSource: toMermaid(topology, { direction: 'TB' }).source, ids: diagram.ids, edgeIds: diagram.edgeIds, partitions: diagram.partitions, kinds };
      this.topologies++;
    }
    this.post({ type: 'reset' });
    if (changed) this.post(this.topologyMessage!);
    if (carry && old) this.post(this.feed.snapshot());
    return changed;
  }

  /** The source's clock moved on with no record (the playground's Advance Time): the overlay follows it. */
  clock(t: number): void {
    if (!this.feed || !this.panel) return;
    this.feed.clock(t);
  }

  /** Trace records of this diagram's source, in order. */
  push(records: readonly TraceRecord[]): void {
    if (!this.feed || !this.panel) return;
    this.feed.push(records);
  }

  async readState(timeoutMs = 10_000): Promise<StateMessage> {
    if (!this.panel) throw new Error('the diagram is not open');
    const token = ++this.token;
    const ready = this.ready;
    return new Promise<StateMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(token);
        reject(new Error(`the diagram webview did not report its state within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(token, (s) => {
        clearTimeout(timer);
        resolve(s);
      });
      void ready.then(() => this.post({ type: 'report', token }));
    });
  }

  select(what: 'node' | 'message', id: string): void {
    void this.receive({ type: what === 'node' ? 'selectNode' : 'selectMessage', id });
  }

  private async receive(m: DiagramToHost): Promise<void> {
    switch (m.type) {
      case 'ready':
        this.markReady();
        this.post({ type: 'mode', player: this.options.player });
        if (this.topologyMessage) this.post(this.topologyMessage);
        if (this.feed) this.post(this.feed.snapshot());
        this.options.onReady?.();
        break;
      case 'rendered':
        if (!m.ok) this.output.error(`diagram render failed: ${m.error}`);
        this.lastRendered = m;
        this.rendered.fire(m);
        break;
      case 'control':
        await this.options.onControl?.(m);
        break;
      case 'selectNode':
      case 'selectMessage':
        this.lastAnswer = this.feed ? this.feed.select(m) : { type: 'selectionError', field: 'topology', message: 'nothing is loaded in this diagram yet' };
        this.post(this.lastAnswer);
        break;
      case 'detailShown':
        if (!m.ok) this.output.warn(`diagram detail for ${m.id}: ${m.error}`);
        this.detail.fire(m);
        break;
      case 'state':
        this.waiting.get(m.token)?.(m);
        this.waiting.delete(m.token);
        break;
    }
  }
}
