import * as vscode from 'vscode';
import type { PlaygroundResponse } from '../../playground/types';
import type { Push } from '../../sandbox/protocol';
import type { TraceRecord } from '../../engine/trace';
import type { RuntimeFeature } from '../runtime';
import { DiagramView, type DiagramViewApi } from './view';

export interface PlaygroundDiagramApi {
  readonly view: DiagramViewApi;
  /** Playground pushes seen while open: topology snapshots and trace batches. */
  readonly received: { snapshots: number; traces: number };
}

/**
 * The broker playground drawn live. There is no player: virtual time moves only when a playground
 * command runs. After every command the runtime pushes the new topology (re-drawn only when its
 * node or edge set changed) and the command's trace records (applied to the overlay).
 */
export class PlaygroundDiagram implements PlaygroundDiagramApi {
  readonly view: DiagramView;
  readonly received = { snapshots: 0, traces: 0 };
  /**
   * The playground's trace since it started (bounded), kept while the diagram is closed too: opening
   * it shows the playground's current state — its time, what is in flight — not an empty run.
   */
  private readonly history: TraceRecord[] = [];
  /** The playground's virtual time (its snapshot's `now`: `advance` moves it without a record). */
  private now = 0;
  /**
   * Asks the playground for its snapshot the way the Broker Explorer does: through its session, which
   * restores the saved playground first (after a reload the runtime's playground is empty until then).
   */
  private snapshotSource: (() => Promise<PlaygroundResponse>) | undefined;

  constructor(
    context: vscode.ExtensionContext,
    output: vscode.LogOutputChannel,
    private readonly runtime: RuntimeFeature,
  ) {
    this.view = new DiagramView(context, output, { viewType: 'serverlessLab.playgroundDiagram', player: false, onReady: () => this.showClock() });
    runtime.onStart((rt) => rt.on('push', this.onPush));
  }

  /** Snapshots through the playground's session (set once both features are registered). */
  useSession(session: { query(q: { op: 'snapshot' }): Promise<PlaygroundResponse> }): void {
    this.snapshotSource = () => session.query({ op: 'snapshot' });
  }

  private showClock(): void {
    this.view.post({ type: 'clock', t: this.now });
  }

  private readonly onPush = (p: Push): void => {
    if (p.push === 'trace' && p.source === 'playground') {
      // A replayed or reset playground starts its trace again: what was kept is another run.
      const first = p.records[0];
      if (first && this.history.length && first.seq <= this.history[this.history.length - 1]!.seq) this.history.length = 0;
      this.history.push(...p.records);
      if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    }
    if (p.push === 'playground') this.now = p.snapshot.now;
    if (!this.view.isOpen) return;
    if (p.push === 'playground') {
      this.received.snapshots++;
      this.view.setTopology(p.topology, { carry: true });
      this.view.clock(this.now);
      this.showClock();
    } else if (p.push === 'trace' && p.source === 'playground') {
      this.received.traces++;
      this.view.push(p.records);
    }
  };

  async open(): Promise<void> {
    const fresh = !this.view.isOpen;
    this.view.show('Diagram: Broker Playground');
    const answer = this.snapshotSource ? await this.snapshotSource() : await (await this.runtime.get()).request<PlaygroundResponse>({ type: 'playground', command: { op: 'snapshot' } });
    this.now = answer.snapshot.now;
    if (fresh) {
      // Drawn afresh from the whole history (pushes that arrived while the snapshot was asked for are in it).
      this.view.setTopology(answer.topology, { fresh: true });
      this.view.push(this.history);
    } else this.view.setTopology(answer.topology, { carry: true });
    this.view.clock(this.now);
    this.showClock();
  }
}

/** Playground records kept for a diagram opened later (a hand-driven playground rarely gets near). */
const HISTORY = 50_000;
