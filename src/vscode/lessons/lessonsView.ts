import * as vscode from 'vscode';
import { Catalog, Lesson, Section } from '../../lessons/model';
import { Progress } from '../../lessons/progress';

const STATE_LABEL = { done: 'done', skipped: 'skipped', 'in-progress': 'in progress', 'not-started': 'not started' } as const;

type Node = { kind: 'section'; section: Section } | { kind: 'lesson'; lesson: Lesson };

/** The Lessons tree: sections, then their lessons, each not started, in progress (with its last check results) or done. */
export class LessonsView implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private catalog: () => Catalog,
    private readonly progress: Progress,
    /** A check's title (the same words as the page and the Test Explorer), by lesson and check id. */
    private readonly checkTitle: (lesson: Lesson, checkId: string) => string = (_l, id) => id,
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
    const state = this.progress.state(lesson.id);
    const results = Object.entries(this.progress.checkResults(lesson.id));
    const passed = results.filter(([, pass]) => pass).length;
    const item = new vscode.TreeItem(lesson.title, vscode.TreeItemCollapsibleState.None);
    item.id = `lesson:${lesson.id}`;
    const checks = results.length ? `${passed}/${results.length} checks` : undefined;
    item.description = state === 'done' ? 'done' : state === 'skipped' ? 'skipped' : state === 'in-progress' ? (checks ?? 'started') : lesson.minutes ? `${lesson.minutes} min` : undefined;
    const checkLines = results.map(([id, pass]) => `- ${pass ? '$(pass)' : '$(error)'} ${this.checkTitle(lesson, id)}`).join('\n');
    item.tooltip = new vscode.MarkdownString(`**${lesson.title}** — ${STATE_LABEL[state]}\n\n${lesson.summary}${checkLines ? `\n\nLast check run:\n${checkLines}` : ''}`, true);
    item.iconPath =
      state === 'done'
        ? new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'))
        : state === 'skipped'
          ? new vscode.ThemeIcon('debug-step-over', new vscode.ThemeColor('testing.iconSkipped'))
          : state === 'in-progress'
          ? new vscode.ThemeIcon('circle-large-filled', new vscode.ThemeColor('testing.iconQueued'))
          : new vscode.ThemeIcon('circle-large-outline');
    // The tree's menus key on this: an exercise not started (inline: Start Exercise), started (inline:
    // Run Checks) or done; a reading lesson to do or done. Mark Done / Not Done shows as applies.
    item.contextValue = lesson.exercise
      ? `lesson.exercise.${state === 'done' ? 'done' : this.progress.isStarted(lesson.id) ? 'started' : 'new'}`
      : `lesson.reading.${state === 'done' ? 'done' : 'todo'}`;
    item.accessibilityInformation = { label: `${lesson.title}, ${STATE_LABEL[state]}${checks ? `, ${checks} passing` : ''}` };
    item.command = { command: 'serverlessLab.openLesson', title: 'Open Lesson', arguments: [lesson.id] };
    return item;
  }
}
