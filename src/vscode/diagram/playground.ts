import * as vscode from 'vscode';
import type { PlaygroundResponse } from '../../playground/types';
import type { Push } from '../../sandbox/protocol';
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
  private subscribed = false;

  constructor(
    context: vscode.ExtensionContext,
    output: vscode.LogOutputChannel,
    private readonly runtime: RuntimeFeature,
  ) {
    this.view = new DiagramView(context, output, { viewType: 'serverlessLab.playgroundDiagram', player: false });
  }

  private readonly onPush = (p: Push): void => {
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
    this.view.show('Diagram: Broker Playground');
    const rt = await this.runtime.get();
    if (!this.subscribed) {
      rt.on('push', this.onPush);
      this.subscribed = true;
    }
    const answer = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'snapshot' } });
    this.view.setTopology(answer.topology, { carry: true });
  }
}
