import * as vscode from 'vscode';
import type { PlaygroundSnapshot } from '../../playground/types';
import { BrokerNode, childrenOf, Row, rowOf } from './model';

const EXPAND: Record<Row['expand'], vscode.TreeItemCollapsibleState> = {
  none: vscode.TreeItemCollapsibleState.None,
  collapsed: vscode.TreeItemCollapsibleState.Collapsed,
  expanded: vscode.TreeItemCollapsibleState.Expanded,
};

/** A row with its children, as the tests read the tree. */
export interface TreeRow extends Row {
  children: TreeRow[];
}

/**
 * The Broker Explorer: what is in the playground right now, from the latest snapshot. The rows
 * themselves are decided in `model.ts`; this class only maps them onto TreeItems. Asking for the
 * roots is what starts the playground (lazily: the runtime starts when the view is first shown).
 */
export class BrokerTree implements vscode.TreeDataProvider<BrokerNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly snapshot: () => PlaygroundSnapshot | undefined,
    /** Starts the playground on first look; failures are reported by the caller. */
    private readonly ensureReady: () => Promise<unknown>,
  ) {}

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: BrokerNode): Promise<BrokerNode[]> {
    if (!node && !this.snapshot()) await this.ensureReady().catch(() => undefined);
    return childrenOf(this.snapshot(), node);
  }

  getTreeItem(node: BrokerNode): vscode.TreeItem {
    const row = rowOf(this.snapshot()!, node);
    const item = new vscode.TreeItem(row.label, EXPAND[row.expand]);
    item.id = row.id;
    item.description = row.description;
    if (row.tooltip) item.tooltip = new vscode.MarkdownString(row.tooltip);
    item.iconPath = new vscode.ThemeIcon(row.icon, row.color ? new vscode.ThemeColor(row.color) : undefined);
    item.contextValue = row.contextValue;
    item.accessibilityInformation = { label: row.accessible };
    if (node.node === 'message' || node.node === 'record') item.command = { command: 'serverlessLab.playground.inspectMessage', title: 'Inspect', arguments: [node] };
    return item;
  }

  /** The whole tree as rows (tests assert labels, descriptions and context values). */
  async rows(node?: BrokerNode): Promise<TreeRow[]> {
    const snapshot = this.snapshot();
    const children = await this.getChildren(node);
    return Promise.all(children.map(async (child) => ({ ...rowOf(this.snapshot() ?? snapshot!, child), children: await this.rows(child) })));
  }

  dispose(): void {
    this.changed.dispose();
  }
}
