/**
 * The extension host's side of the broker playground: it sends commands to the runtime process,
 * keeps the latest snapshot for the Broker Explorer, and saves the runtime's journal after every
 * command that succeeded, so the playground survives a window reload.
 *
 * The journal (the commands that changed something, in order) is the source of truth: the engine
 * is deterministic, so replaying it on a fresh engine (`restore`) rebuilds the same queues,
 * messages, offsets and virtual time. Nothing is saved when a command fails (the runtime changed
 * nothing either). The runtime is started lazily: the first command or the first look at the
 * Broker Explorer restores the saved journal. Never imports `vscode` (the store is injected).
 */
import type { Push, Request } from '../../sandbox/protocol';
import type { PlaygroundCommand, PlaygroundQuery, PlaygroundResponse, PlaygroundSnapshot } from '../../playground/types';

/** The part of `RuntimeClient` the session uses. */
export interface PlaygroundRuntime {
  request<T = unknown>(request: Request): Promise<T>;
  on(event: 'push', listener: (push: Push) => void): unknown;
}

/** Where the journal is kept between windows (workspaceState, or globalState without a folder). */
export interface JournalStore {
  get(): PlaygroundCommand[] | undefined;
  set(journal: PlaygroundCommand[] | undefined): PromiseLike<void>;
}

export interface SessionEvents {
  /** The snapshot changed (a response or a push). */
  changed(snapshot: PlaygroundSnapshot): void;
  /** Something the learner should know that is not the answer to their command. */
  warn(message: string): void;
}

export class PlaygroundSession {
  private current: PlaygroundSnapshot | undefined;
  private starting: Promise<PlaygroundRuntime> | undefined;
  /** Commands run one at a time, so each saved journal includes exactly the commands before it. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly runtime: () => Promise<PlaygroundRuntime>,
    private readonly store: JournalStore,
    private readonly events: SessionEvents,
  ) {}

  /** The latest snapshot, or `undefined` before the playground was first used in this window. */
  get snapshot(): PlaygroundSnapshot | undefined {
    return this.current;
  }

  /** The journal saved for this workspace (what a reload restores). */
  get savedJournal(): PlaygroundCommand[] {
    return this.store.get() ?? [];
  }

  /** Starts the runtime and restores the saved journal, once; later calls wait for the same start. */
  ready(): Promise<PlaygroundRuntime> {
    this.starting ??= this.start().catch((err: unknown) => {
      this.starting = undefined; // let the next use try again (e.g. after the learner fixed the Node setting)
      throw err;
    });
    return this.starting;
  }

  /** Runs a state-changing command; on success saves the runtime's journal (on failure nothing). */
  run(command: PlaygroundCommand): Promise<PlaygroundResponse> {
    return this.serial(async () => {
      const rt = await this.ready();
      const response = await this.ask(rt, command);
      if (command.op === 'reset') await this.store.set(undefined);
      else await this.save(rt);
      return response;
    });
  }

  /** A read-only query (snapshot, inspect, journal). */
  query(query: Exclude<PlaygroundQuery, { op: 'restore' }>): Promise<PlaygroundResponse> {
    return this.serial(async () => this.ask(await this.ready(), query));
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async ask(rt: PlaygroundRuntime, command: PlaygroundCommand | PlaygroundQuery): Promise<PlaygroundResponse> {
    const response = await rt.request<PlaygroundResponse>({ type: 'playground', command });
    this.update(response.snapshot);
    return response;
  }

  private update(snapshot: PlaygroundSnapshot | undefined): void {
    if (!snapshot) return;
    this.current = snapshot;
    this.events.changed(snapshot);
  }

  private async save(rt: PlaygroundRuntime): Promise<void> {
    const { result } = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'journal' } });
    await this.store.set(journalIn(result));
  }

  private async start(): Promise<PlaygroundRuntime> {
    const rt = await this.runtime();
    rt.on('push', (push) => {
      if (push.push === 'playground') this.update(push.snapshot);
    });
    // After a runtime crash the client replays its journal, which keeps the playground's restore and
    // commands apart from the scenario's (see RuntimeClient.record): nothing to redo here.
    await this.restore(rt);
    return rt;
  }

  private async restore(rt: PlaygroundRuntime): Promise<void> {
    const journal = this.store.get();
    if (journal?.length) {
      try {
        const { result, message } = await this.ask(rt, { op: 'restore', journal });
        // Entries that no longer apply (a handler file that is gone) are skipped, the rest restored.
        if ((result as { skipped?: unknown[] } | undefined)?.skipped?.length) this.events.warn(message);
        return;
      } catch (err) {
        this.events.warn(`the saved playground (${journal.length} command${journal.length === 1 ? '' : 's'}) could not be restored: ${(err as Error).message}`);
      }
    }
    await this.ask(rt, { op: 'snapshot' });
  }
}

/** The journal in a `journal` query's result (the array itself, or `{ journal }`). */
export function journalIn(result: unknown): PlaygroundCommand[] {
  if (Array.isArray(result)) return result as PlaygroundCommand[];
  const inner = (result as { journal?: unknown } | undefined)?.journal;
  if (Array.isArray(inner)) return inner as PlaygroundCommand[];
  throw new Error('the runtime answered the journal query without a journal');
}
