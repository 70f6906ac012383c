import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { Lesson } from '../../lessons/model';
import { nonce } from '../webviewHtml';

/** Messages the lesson page's script sends to the extension. */
type FromWebview = { type: 'ready'; text: string } | { type: 'setDone'; done: boolean } | { type: 'command'; command: 'startLesson' | 'runChecks' | 'showHint' | 'openDiagram' };

/**
 * Shows a lesson's markdown page in a themed webview (one panel, reused). The page's script reports
 * the text it rendered, which is what tests read back.
 */
export class LessonPanel {
  private panel: vscode.WebviewPanel | undefined;
  private lesson: Lesson | undefined;
  /** Text the webview reported after rendering, per lesson id (read by tests and diagnostics). */
  readonly renderedText = new Map<string, string>();
  private readonly rendered = new vscode.EventEmitter<string>();
  /** Hints the learner has already asked for (they stay visible on the page). */
  hintsFor: (lessonId: string) => string[] = () => [];
  readonly onDidRender = this.rendered.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly isDone: (id: string) => boolean,
    private readonly setDone: (id: string, done: boolean) => Promise<void>,
  ) {}

  get current(): Lesson | undefined {
    return this.panel ? this.lesson : undefined;
  }

  show(lesson: Lesson): void {
    this.lesson = lesson;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('serverlessLab.lesson', lesson.title, vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
      });
      this.panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'lesson.svg');
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((m: FromWebview) => this.receive(m));
    }
    this.panel.title = lesson.title;
    this.panel.webview.html = this.html(this.panel.webview, lesson);
    this.panel.reveal();
  }

  /** Tells an open page that its done state changed (from the tree or a command). */
  refresh(): void {
    if (this.panel && this.lesson) void this.panel.webview.postMessage({ type: 'state', done: this.isDone(this.lesson.id) });
  }

  /** Shows the hints asked for so far on the lesson's page, when it is open. */
  setHints(lessonId: string, hints: string[]): void {
    if (this.panel && this.lesson?.id === lessonId) void this.panel.webview.postMessage({ type: 'hints', hints });
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private receive(message: FromWebview): void {
    if (!this.lesson) return;
    if (message.type === 'ready') {
      this.renderedText.set(this.lesson.id, message.text);
      this.rendered.fire(this.lesson.id);
    } else if (message.type === 'setDone') {
      void this.setDone(this.lesson.id, message.done);
    } else if (message.type === 'command' && ['startLesson', 'runChecks', 'showHint', 'openDiagram'].includes(message.command)) {
      void vscode.commands.executeCommand(`serverlessLab.${message.command}`, this.lesson.id);
    }
  }

  private html(webview: vscode.Webview, lesson: Lesson): string {
    const n = nonce();
    // The page's markdown travels as JSON and is rendered by the webview's script (marked lives in
    // the browser bundle, keeping the extension host bundle small and activation fast).
    const markdown = JSON.stringify(fs.readFileSync(lesson.pagePath, 'utf8')).replace(/</g, '\\u003c');
    const css = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'lesson.css'));
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'lesson.js'));
    const done = this.isDone(lesson.id);
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; img-src ${webview.cspSource} data:; font-src ${webview.cspSource}; script-src 'nonce-${n}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>${escapeHtml(lesson.title)}</title>
</head>
<body data-lesson="${escapeHtml(lesson.id)}" data-done="${done}" data-exercise="${Boolean(lesson.exercise)}">
<main id="page" tabindex="-1"></main>
<script type="application/json" id="markdown">${markdown}</script>
<section id="hints" aria-label="Hints" hidden><h2>Hints</h2><ol id="hint-list"></ol></section>
<script type="application/json" id="hints-data">${JSON.stringify(this.hintsFor(lesson.id)).replace(/</g, '\\u003c')}</script>
<footer class="lesson-footer">
  <button id="start" type="button" data-command="startLesson">Start exercise</button>
  <button id="check" type="button" data-command="runChecks" class="secondary">Run checks</button>
  <button id="hint" type="button" data-command="showHint" class="secondary">Show hint</button>
  <button id="diagram" type="button" data-command="openDiagram" class="secondary">Open diagram</button>
  <button id="toggle-done" type="button" class="secondary"></button>
  <span id="status" role="status" aria-live="polite"></span>
</footer>
<script nonce="${n}" src="${script}"></script>
</body>
</html>`;
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
