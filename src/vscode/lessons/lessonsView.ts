import * as vscode from 'vscode';
import { Catalog, Lesson, Section } from '../../lessons/model';
import { Progress } from '../../lessons/progress';

type Node = { kind: 'section'; section: Section } | { kind: 'lesson'; lesson: Lesson };

/** The Lessons tree: sections, then their lessons, each with a done / not-done state. */
export class LessonsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private catalog: () => Catalog,
    private readonly progress: Progress,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    const { sections, lessons } = this.catalog();
    if (!node) return sections.filter((s) => lessons.some((l) => l.section === s.id)).map((section) => ({ kind: 'section', section }));
    if (node.kind === 'section') return lessons.filter((l) => l.section === node.section.id).map((lesson) => ({ kind: 'lesson', lesson }));
    return [];
  }

  getParent(node: Node): Node | undefined {
    if (node.kind === 'section') return undefined;
    const section = this.catalog().sections.find((s) => s.id === node.lesson.section);
    return section ? { kind: 'section', section } : undefined;
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'section') {
      const ids = this.catalog().lessons.filter((l) => l.section === node.section.id).map((l) => l.id);
      const item = new vscode.TreeItem(node.section.title, vscode.TreeItemCollapsibleState.Expanded);
      item.id = `section:${node.section.id}`;
      item.description = `${this.progress.doneCount(ids)}/${ids.length} done`;
      item.contextValue = 'section';
      return item;
    }
    const { lesson } = node;
    const done = this.progress.isDone(lesson.id);
    const item = new vscode.TreeItem(lesson.title, vscode.TreeItemCollapsibleState.None);
    item.id = `lesson:${lesson.id}`;
    item.description = done ? 'done' : lesson.minutes ? `${lesson.minutes} min` : undefined;
    item.tooltip = new vscode.MarkdownString(`**${lesson.title}**${done ? ' — done' : ''}\n\n${lesson.summary}`);
    item.iconPath = new vscode.ThemeIcon(done ? 'pass-filled' : 'circle-large-outline', done ? new vscode.ThemeColor('testing.iconPassed') : undefined);
    item.contextValue = done ? 'lesson.done' : 'lesson.todo';
    item.accessibilityInformation = { label: `${lesson.title}, ${done ? 'done' : 'not done'}` };
    item.command = { command: 'serverlessLab.openLesson', title: 'Open Lesson', arguments: [lesson.id] };
    return item;
  }
}
