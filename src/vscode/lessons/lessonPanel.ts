import * as vscode from 'vscode';
import * as fs from 'node:fs';
import { Lesson } from '../../lessons/model';
import { PAGE_ACTIONS, toolbar, type PageAction, type PageResult } from '../../lessons/pageState';
import { lessonPageHtml } from '../../lessons/pageHtml';
import { nonce } from '../webviewHtml';

/** Messages the lesson page's script sends to the extension. */
type FromWebview =
  | { type: 'ready'; text: string }
  | { type: 'setDone'; done: boolean }
  | { type: 'command'; command: PageAction }
  | { type: 'openFile'; file: string }
  | { type: 'openError' }
  | { type: 'commandLink'; command: string; args: unknown[] };

/** Commands a `command:` link in a lesson's markdown may run (with string arguments only). */
const LINK_COMMANDS = new Set(['openDiagram', 'openLesson', 'startLesson', 'runChecks', 'showHint', 'nextLesson', 'openPlaygroundDiagram', 'showLessons']);

/** What the page needs to know about a lesson beyond its text (the exercises feature answers). */
export interface PageHost {
  isDone(id: string): boolean;
  setDone(id: string, done: boolean): Promise<void>;
  /** The learner's files exist. */
  isStarted(id: string): boolean;
  /** The lesson after this one, in catalogue order. */
  next(id: string): Lesson | undefined;
  hintsShown(id: string): string[];
  /** Open one of the exercise's files (by its name in the lesson) / where the last error was. */
  openFile(id: string, file: string): void;
  openError(id: string): void;
}

const COMMANDS = new Set<string>(PAGE_ACTIONS.map((a) => a.id));

/**
 * Shows a lesson's markdown page in a themed webview (one panel, reused), with a toolbar that stays
 * in view and the last check run right under it. The page's script reports the text it rendered,
 * which is what tests read back.
 */
export class LessonPanel {
  private panel: vscode.WebviewPanel | undefined;
  private lesson: Lesson | undefined;
  /** Text the webview reported after rendering, per lesson id (read by tests and diagnostics). */
  readonly renderedText = new Map<string, string>();
  private readonly rendered = new vscode.EventEmitter<string>();
  private readonly results = new Map<string, PageResult>();
  private readonly running = new Set<string>();
  private available: ReadonlySet<string> = new Set();
  /** The last state posted to the page (tests read it). */
  lastState: ReturnType<LessonPanel['state']> | undefined;
  readonly onDidRender = this.rendered.event;
  private readonly changedLesson = new vscode.EventEmitter<Lesson | undefined>();
  /** The page shows another lesson, or was closed. */
  readonly onDidChangeLesson = this.changedLesson.event;
  /** Filled in by the exercises feature (which owns files, hints and checks). */
  host: PageHost;

  constructor(
    private readonly extensionUri: vscode.Uri,
    isDone: (id: string) => boolean,
    setDone: (id: string, done: boolean) => Promise<void>,
    next: (id: string) => Lesson | undefined,
  ) {
    this.host = { isDone, setDone, isStarted: () => false, next, hintsShown: () => [], openFile: () => undefined, openError: () => undefined };
    void vscode.commands.getCommands(true).then((all) => {
      this.available = new Set(all.filter((c) => c.startsWith('serverlessLab.')));
      this.refresh();
    });
  }

  get current(): Lesson | undefined {
    return this.panel ? this.lesson : undefined;
  }

  /** The editor column the page is in (diagrams and files open beside it). */
  get column(): vscode.ViewColumn | undefined {
    return this.panel?.viewColumn;
  }

  /** Scrolls the open page to a section (a heading anchor, as a check's `section` names it). */
  revealSection(section: string): void {
    if (this.panel) void this.panel.webview.postMessage({ type: 'reveal-section', section });
  }

  show(lesson: Lesson): void {
    this.lesson = lesson;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('serverlessLab.lesson', lesson.title, vscode.ViewColumn.Active, {
        enableScripts: true,
        localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(this.extensionUri, 'media')],
      });
      this.panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'lesson.svg');
      this.panel.onDidDispose(() => {
        this.panel = undefined;
        this.changedLesson.fire(undefined);
      });
      this.panel.webview.onDidReceiveMessage((m: FromWebview) => this.receive(m));
    }
    this.panel.title = lesson.title;
    this.panel.webview.html = this.html(this.panel.webview, lesson);
    this.panel.reveal();
    this.changedLesson.fire(lesson);
  }

  /** The page's state now: toolbar, done, started, last result. */
  state(lessonId: string, reveal = false) {
    const lesson = this.lesson?.id === lessonId ? this.lesson : undefined;
    const started = this.host.isStarted(lessonId);
    const done = this.host.isDone(lessonId);
    const next = this.host.next(lessonId);
    const hintsLeft = (lesson?.exercise?.hints.length ?? 0) - this.host.hintsShown(lessonId).length;
    const result = this.results.get(lessonId);
    return {
      type: 'state' as const,
      done,
      started,
      running: this.running.has(lessonId),
      files: lesson?.exercise?.files ?? [],
      toolbar: toolbar({ exercise: Boolean(lesson?.exercise), started, running: this.running.has(lessonId), done, hintsLeft, next: next?.title, firstFile: lesson?.exercise?.files[0], available: this.available }),
      ...(result ? { result } : {}),
      reveal,
    };
  }

  /** Tells an open page that its state changed (done, started, hints, a run). */
  refresh(reveal = false): void {
    if (!this.panel || !this.lesson) return;
    this.lastState = this.state(this.lesson.id, reveal);
    void this.panel.webview.postMessage(this.lastState);
  }

  /** Checks of a lesson started (`result` undefined) or finished: the page shows it under the toolbar. */
  setRun(lessonId: string, result: PageResult | undefined): void {
    if (result) {
      this.running.delete(lessonId);
      this.results.set(lessonId, result);
    } else this.running.add(lessonId);
    if (this.lesson?.id === lessonId) this.refresh(result !== undefined);
  }

  /** The last result shown for a lesson (tests read it). */
  resultOf(lessonId: string): PageResult | undefined {
    return this.results.get(lessonId);
  }

  /** Forget a lesson's result (its exercise was reset). */
  clearResult(lessonId: string): void {
    this.results.delete(lessonId);
    this.running.delete(lessonId);
    if (this.lesson?.id === lessonId) this.refresh();
  }

  /** A one-line notice on the page (e.g. "start the exercise first"). */
  notify(lessonId: string, text: string, tone: 'info' | 'warning' = 'info'): boolean {
    if (!this.panel || this.lesson?.id !== lessonId) return false;
    void this.panel.webview.postMessage({ type: 'notice', text, tone });
    return true;
  }

  /** Shows the hints asked for so far on the lesson's page, when it is open. */
  setHints(lessonId: string, hints: string[]): void {
    if (this.panel && this.lesson?.id === lessonId) {
      void this.panel.webview.postMessage({ type: 'hints', hints });
      this.refresh();
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }

  private receive(message: FromWebview): void {
    if (!this.lesson) return;
    const id = this.lesson.id;
    if (message.type === 'ready') {
      this.renderedText.set(id, message.text);
      // The page was built with the state of when its HTML was made; a state posted while it was
      // still loading (Start Exercise re-opens the page, then marks the lesson started) reached no
      // script and was lost. The page now shows the state as it is.
      this.refresh();
      this.rendered.fire(id);
    } else if (message.type === 'setDone') {
      void this.host.setDone(id, message.done);
    } else if (message.type === 'command' && COMMANDS.has(message.command)) {
      void vscode.commands.executeCommand(`serverlessLab.${message.command}`, id);
    } else if (message.type === 'openFile' && this.lesson.exercise?.files.includes(message.file)) {
      this.host.openFile(id, message.file);
    } else if (message.type === 'openError') {
      this.host.openError(id);
    } else if (message.type === 'commandLink' && LINK_COMMANDS.has(message.command)) {
      const args = Array.isArray(message.args) ? message.args.filter((a): a is string => typeof a === 'string') : [];
      void vscode.commands.executeCommand(`serverlessLab.${message.command}`, ...(args.length ? args : [id]));
    }
  }

  private html(webview: vscode.Webview, lesson: Lesson): string {
    const state = this.state(lesson.id);
    this.lastState = state;
    return lessonPageHtml({
      cspSource: webview.cspSource,
      nonce: nonce(),
      cssUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'lesson.css')).toString(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview', 'lesson.js')).toString(),
      lesson: { id: lesson.id, title: lesson.title, exercise: Boolean(lesson.exercise) },
      markdown: fs.readFileSync(lesson.pagePath, 'utf8'),
      hints: this.host.hintsShown(lesson.id),
      state,
    });
  }
}
