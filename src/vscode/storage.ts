import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';

/**
 * Learner state (progress, hints shown, the playground journal) in a JSON file of the extension's
 * storage folder, written the moment it changes. VS Code's own `globalState`/`workspaceState` are
 * flushed lazily by web workbenches (code-server writes them every few seconds), so a reload right
 * after passing a check could lose it; a file write cannot.
 *
 * - Keys the file does not have yet are read from `legacy` (the Memento used before), so nothing
 *   kept by an older version is lost.
 * - Another window may write the same file: `get` re-reads it when it changed on disk, and `update`
 *   re-reads before writing, so windows do not overwrite each other's keys.
 * - A file that is not valid JSON is moved aside (`*.corrupt-<time>.json`) and reported, never
 *   silently dropped.
 */
export class JsonFileStore {
  private data: Record<string, unknown> = {};
  private mtimeMs = -1;

  constructor(
    readonly file: string,
    private readonly legacy?: Pick<vscode.Memento, 'get'>,
    private readonly onProblem: (message: string) => void = () => undefined,
  ) {
    this.load();
  }

  get<T>(key: string): T | undefined {
    this.load();
    if (!Object.prototype.hasOwnProperty.call(this.data, key)) return this.legacy?.get<T>(key);
    const value = this.data[key];
    return value === null ? undefined : (value as T); // null: deleted here (do not fall back to legacy)
  }

  async update(key: string, value: unknown): Promise<void> {
    this.load();
    const next = { ...this.data };
    if (value === undefined) next[key] = null;
    else next[key] = JSON.parse(JSON.stringify(value)) as unknown;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(next, null, 1));
    fs.renameSync(tmp, this.file); // atomic: a reader sees the old file or the new one, never half
    this.data = next;
    this.mtimeMs = fs.statSync(this.file).mtimeMs;
  }

  private load(): void {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(this.file).mtimeMs;
    } catch {
      return; // no file yet: keep what we have (nothing, or what this window wrote)
    }
    if (mtimeMs === this.mtimeMs) return;
    const text = fs.readFileSync(this.file, 'utf8');
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      this.data = parsed as Record<string, unknown>;
    } catch (err) {
      const aside = this.file.replace(/\.json$/, '') + `.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
      fs.renameSync(this.file, aside);
      this.onProblem(`${this.file} was not valid JSON (${(err as Error).message}); it was kept as ${aside} and the state starts afresh`);
      this.data = {};
      this.mtimeMs = -1;
      return;
    }
    this.mtimeMs = mtimeMs;
  }
}

const stores = new Map<string, JsonFileStore>();

/** The store for this user (progress, hints), one per file per extension host. */
export function userStore(context: vscode.ExtensionContext, onProblem?: (message: string) => void): JsonFileStore {
  return storeAt(path.join(context.globalStorageUri.fsPath, 'state.json'), context.globalState, onProblem);
}

/** The store for this workspace (the playground), or the user's when no folder is open. */
export function workspaceStore(context: vscode.ExtensionContext, onProblem?: (message: string) => void): JsonFileStore {
  if (!context.storageUri) return userStore(context, onProblem);
  return storeAt(path.join(context.storageUri.fsPath, 'state.json'), context.workspaceState, onProblem);
}

function storeAt(file: string, legacy: vscode.Memento, onProblem?: (message: string) => void): JsonFileStore {
  let store = stores.get(file);
  if (!store) stores.set(file, (store = new JsonFileStore(file, legacy, onProblem)));
  return store;
}
