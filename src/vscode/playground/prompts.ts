import * as vscode from 'vscode';
import type { Check } from '../../playground/input';

/** A pick list entry carrying the value it stands for. */
export interface Choice<T> extends vscode.QuickPickItem {
  value: T;
}

export interface TextStep {
  prompt: string;
  placeholder?: string;
  value?: string;
  /** Runs as the learner types; its message shows under the box and blocks Enter. */
  check?: Check;
}

/** When a freshly opened box takes its focus back (see `Prompts.reclaimFocus`). */
const REFOCUS_AFTER_MS = [50, 250];

/** Where a box is in its flow; both absent for a one-step flow. */
export interface StepCount {
  step?: number;
  totalSteps?: number;
}

export interface PickStep<T> {
  placeholder: string;
  items: Array<Choice<T> | vscode.QuickPickItem>;
  /** Also accept a typed value that is not in the list (checked by `check`), e.g. a new group id. */
  typed?: { check: Check; value: (text: string) => T; label: (text: string) => string };
}

/**
 * One multi-step flow ("Create Queue (2/4)"). Every step resolves `undefined` when the learner
 * presses Esc (or the box loses focus and closes): the caller stops there and runs nothing, so a
 * cancelled flow never has side effects.
 *
 * The title counts the steps of the path being taken: a flow starts with the steps of its usual
 * path, `skip()`s the ones a tree row already answered and `add()`s the ones an answer opens (a
 * FIFO queue asks for a group id). A one-step flow shows no count.
 */
export class Flow {
  private step = 0;

  constructor(
    private readonly prompts: Prompts,
    readonly title: string,
    private total: number,
  ) {}

  /** The path just grew by `n` steps (e.g. a FIFO queue asks for a group and a deduplication id). */
  add(n: number): void {
    this.total += n;
  }

  /** `n` planned steps will not be asked (a tree row already answered them). */
  skip(n = 1): void {
    this.total = Math.max(this.step, this.total - n);
  }

  /** "step/total" as the box shows it, or undefined for a one-step flow. */
  private count(): StepCount {
    this.step++;
    this.total = Math.max(this.total, this.step);
    return this.total > 1 ? { step: this.step, totalSteps: this.total } : {};
  }

  text(step: TextStep): Promise<string | undefined> {
    return this.prompts.text(this.title, this.count(), step);
  }

  pick<T>(step: PickStep<T>): Promise<T | undefined> {
    return this.prompts.pick(this.title, this.count(), step);
  }
}

/**
 * The playground's QuickPick and InputBox prompts, built with `createQuickPick`/`createInputBox` so
 * that validation runs on every keystroke and Enter is refused while the text is wrong. `current`
 * (and `onDidShow`) expose the open prompt to the extension-host tests, which drive it like a person:
 * set its value, then run `workbench.action.acceptSelectedQuickOpenItem` or close it.
 */
export class Prompts implements vscode.Disposable {
  current: vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem> | undefined;
  private readonly shown = new vscode.EventEmitter<vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>>();
  readonly onDidShow = this.shown.event;

  flow(title: string, totalSteps: number): Flow {
    return new Flow(this, title, totalSteps);
  }

  text(title: string, count: StepCount, options: TextStep): Promise<string | undefined> {
    const box = vscode.window.createInputBox();
    Object.assign(box, { title, ...count, prompt: options.prompt, placeholder: options.placeholder, value: options.value ?? '', ignoreFocusOut: true });
    const check = options.check ?? (() => undefined);
    box.validationMessage = box.value ? check(box.value) : undefined;
    return this.open(box, (done) => [
      box.onDidChangeValue((v) => (box.validationMessage = check(v))),
      box.onDidAccept(() => {
        const problem = check(box.value);
        box.validationMessage = problem;
        if (!problem) done(box.value);
      }),
    ]);
  }

  pick<T>(title: string, count: StepCount, options: PickStep<T>): Promise<T | undefined> {
    const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
    Object.assign(qp, { title, ...count, placeholder: options.placeholder, items: options.items, ignoreFocusOut: true, matchOnDescription: true });
    const typed = options.typed;
    const typedItem = (text: string): Choice<T> => ({ label: typed!.label(text), value: typed!.value(text), alwaysShow: true });
    return this.open<T>(qp, (done) => [
      qp.onDidChangeValue((v) => {
        if (!typed) return;
        const listed = options.items.some((i) => i.label === v);
        const problem = v && !listed ? typed.check(v) : undefined;
        // A QuickPick has no validation message: the problem is the first (unpickable) row.
        const first: vscode.QuickPickItem[] = !v || listed ? [] : problem ? [{ label: `$(error) ${problem}`, alwaysShow: true }] : [typedItem(v)];
        qp.items = [...first, ...options.items];
      }),
      qp.onDidAccept(() => {
        const chosen = qp.selectedItems[0] ?? qp.activeItems[0];
        if (chosen && 'value' in chosen) done((chosen as Choice<T>).value);
        else if (typed && qp.value && !typed.check(qp.value)) done(typed.value(qp.value));
      }),
    ]);
  }

  private open<T>(input: vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>, wire: (done: (value: T | undefined) => void) => vscode.Disposable[]): Promise<T | undefined> {
    return new Promise<T | undefined>((resolve) => {
      let settled = false;
      const subs: vscode.Disposable[] = [];
      const done = (value: T | undefined) => {
        if (settled) return;
        settled = true;
        if (this.current === input) this.current = undefined;
        subs.forEach((s) => s.dispose());
        resolve(value);
        // The answered box stays on screen until the flow's next box replaces it (the caller's next
        // step runs in this same task): one box throughout, instead of closing — which hands focus
        // back to the editor or a webview — and reopening. Nothing follows at the end of a flow,
        // so the timer closes the box then.
        setTimeout(() => input.dispose(), 0);
      };
      subs.push(...wire(done), input.onDidHide(() => done(undefined)));
      this.current = input;
      input.show();
      this.reclaimFocus(input);
      this.shown.fire(input);
    });
  }

  /**
   * A command run from the palette while a webview (the live diagram, a lesson page) had focus:
   * the palette closes, the workbench hands focus back to the webview, and the webview takes it a
   * moment after our box opened — the box stays open but keys go to the webview
   * (microsoft/vscode#93950). Give the box its focus back once that has happened.
   */
  private reclaimFocus(input: vscode.InputBox | vscode.QuickPick<vscode.QuickPickItem>): void {
    for (const ms of REFOCUS_AFTER_MS) {
      setTimeout(() => {
        if (this.current === input) void vscode.commands.executeCommand('workbench.action.focusQuickOpen').then(undefined, () => undefined);
      }, ms);
    }
  }

  dispose(): void {
    this.current?.hide();
    this.shown.dispose();
  }
}
