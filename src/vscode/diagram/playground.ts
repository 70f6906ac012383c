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

  constructor(
    context: vscode.ExtensionContext,
    output: vscode.LogOutputChannel,
    private readonly runtime: RuntimeFeature,
  ) {
    this.view = new DiagramView(context, output, { viewType: 'serverlessLab.playgroundDiagram', player: false });
    runtime.onStart((rt) => rt.on('push', this.onPush));
  }

  private readonly onPush = (p: Push): void => {
    if (p.push === 'trace' && p.source === 'playground') {
      // A replayed or reset playground starts its trace again: what was kept is another run.
      const first = p.records[0];
      if (first && this.history.length && first.seq <= this.history[this.history.length - 1]!.seq) this.history.length = 0;
      this.history.push(...p.records);
      if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
    }
    if (!this.view.isOpen) return;
    if (p.push === 'playground') {
      this.received.snapshots++;
      this.view.setTopology(p.topology, { carry: true });
    } else if (p.push === 'trace' && p.source === 'playground') {
      this.received.traces++;
      this.view.push(p.records);
    }
  };

  async open(): Promise<void> {
    const fresh = !this.view.isOpen;
    this.view.show('Diagram: Broker Playground');
    const rt = await this.runtime.get();
    const answer = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'snapshot' } });
    this.view.setTopology(answer.topology, { carry: true, fresh });
    if (fresh) this.view.push(this.history);
  }
}

/** Playground records kept for a diagram opened later (a hand-driven playground rarely gets near). */
const HISTORY = 50_000;
