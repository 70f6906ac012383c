/**
 * Host side of the runtime process. The engine and the isolates live in a child process forked with
 * `--no-node-snapshot`, so a hung or crashed isolate can never freeze the extension host.
 *
 * Recovery: every request has a deadline. When the runtime misses one, or exits on its own, it is
 * killed and started again, and the journal of acknowledged state-changing requests (load, run,
 * step, playground operations) is replayed into the new process. The engine is deterministic, so
 * the replay rebuilds exactly the state the learner had: every message that was accepted is there
 * again, and work that was in flight when the process died is redelivered by the engine's own
 * semantics (visibility timeouts, retries). The request that was running when the process died is
 * not replayed (it may be what killed it) and fails with a message saying what happened.
 */
import { ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { dirname } from 'node:path';
import { HOST_DIRS_ENV, makeScrubber, type HostDirs, type Scrubber } from './scrub';
import type { FromRuntime, Push, Request, ResponseEnvelope } from './protocol';
import { FrameReader, isFrame, isPush } from './protocol';

export interface RuntimeClientOptions {
  /** dist/runtime.js */
  runtimePath: string;
  /** Node executable that can load isolated-vm (see node.ts). */
  nodePath: string;
  /** Deadline per request type, ms (default 15 s; `run` 60 s). */
  deadlines?: Partial<Record<Request['type'], number>>;
  env?: NodeJS.ProcessEnv;
  /** Extra Node flags (tests load TypeScript sources with `-r test/register.js`). */
  execArgv?: string[];
  /**
   * Host folders scrubbed from everything the runtime says (its stderr, error messages): the
   * extension (default: the folder above the runtime's own folder) and the workspace folders.
   */
  hostDirs?: HostDirs;
}

/** A stderr line longer than this is cut (a runaway writer must not flood the output channel). */
const STDERR_LINE_CHARS = 8192;

export class RuntimeError extends Error {
  constructor(
    message: string,
    readonly path?: string,
    readonly problems?: Array<{ path: string; message: string }>,
    name = 'RuntimeError',
  ) {
    super(message);
    this.name = name;
  }
}

const STATEFUL: ReadonlySet<Request['type']> = new Set(['load', 'run', 'step', 'playground']);
const DEFAULT_DEADLINE = 15_000;

interface Pending {
  request: Request;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export interface RuntimeClientEvents {
  push: [Push];
  restart: [{ reason: string; replayed: number }];
  stderr: [string];
  /** Every IPC message as it arrived (a frame or a whole message), before it is joined or read. */
  ipc: [unknown];
}

export class RuntimeClient extends EventEmitter<RuntimeClientEvents> {
  private child: ChildProcess | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private journal: Request[] = [];
  private restarting: Promise<void> | undefined;
  private disposed = false;
  /** How many times the process was restarted after a hang or crash. */
  restarts = 0;
  private readonly hostDirs: HostDirs;
  private readonly env: NodeJS.ProcessEnv;
  /** Removes host paths and environment values from the runtime's text (scrub.ts). */
  readonly scrub: Scrubber;

  constructor(private readonly options: RuntimeClientOptions) {
    super();
    this.hostDirs = { extensionDir: options.hostDirs?.extensionDir ?? dirname(dirname(options.runtimePath)), workspaceDirs: options.hostDirs?.workspaceDirs ?? [] };
    this.env = { ...process.env, ...options.env, ELECTRON_RUN_AS_NODE: undefined, [HOST_DIRS_ENV]: JSON.stringify(this.hostDirs) };
    this.scrub = makeScrubber(this.hostDirs, this.env);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process (idempotent); resolves when it answers a ping. */
  async start(): Promise<void> {
    if (this.child) return;
    this.spawn();
    await this.send({ type: 'ping' }, false);
  }

  /** Sends a request; resolves with its value or rejects with a RuntimeError naming what went wrong. */
  async request<T = unknown>(request: Request): Promise<T> {
    if (this.disposed) throw new RuntimeError('the runtime was stopped');
    if (this.restarting) await this.restarting;
    if (!this.child) await this.start();
    const value = (await this.send(request, true)) as T;
    return value;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RuntimeError('the runtime was stopped'));
    }
    this.pending.clear();
    this.kill();
  }

  /** Forget the journal (a new scenario or playground reset starts from nothing). */
  clearJournal(): void {
    this.journal = [];
  }

  private spawn(): void {
    const child = fork(this.options.runtimePath, [], {
      execPath: this.options.nodePath,
      execArgv: ['--no-node-snapshot', ...(this.options.execArgv ?? [])],
      serialization: 'json',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: this.env,
    });
    this.child = child;
    // Whole lines, scrubbed (a path split across two chunks must not slip through), each cut at STDERR_LINE_CHARS.
    let partial = '';
    const emitLines = (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) this.emit('stderr', this.scrub(line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)} … (cut)` : line));
    };
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      const text = partial + chunk;
      const cut = text.lastIndexOf('\n');
      if (cut < 0 && text.length <= STDERR_LINE_CHARS) {
        partial = text;
        return;
      }
      const complete = cut < 0 ? text : text.slice(0, cut);
      partial = cut < 0 ? '' : text.slice(cut + 1);
      emitLines(complete);
    });
    child.stderr?.on('end', () => {
      if (partial) emitLines(partial);
      partial = '';
    });
    // Long messages arrive as frames (protocol.ts); each process has its own reader.
    const frames = new FrameReader();
    child.on('message', (raw: unknown) => {
      if (this.child !== child) return;
      this.emit('ipc', raw);
      let message: FromRuntime | undefined;
      try {
        message = isFrame(raw) ? frames.push(raw) : (raw as FromRuntime);
      } catch (err) {
        this.emit('stderr', `a message from the runtime could not be read: ${(err as Error).message}`);
        return;
      }
      if (message) this.receive(message);
    });
    child.on('exit', (code, signal) => {
      if (this.child !== child) return; // an old process we killed on purpose
      this.child = undefined;
      if (!this.disposed) void this.recover(`the runtime process exited unexpectedly (${signal ?? `code ${code}`})`);
    });
  }

  private send(request: Request, journal: boolean): Promise<unknown> {
    const child = this.child;
    if (!child) return Promise.reject(new RuntimeError('the runtime is not running'));
    const id = this.nextId++;
    const deadline = this.options.deadlines?.[request.type] ?? (request.type === 'run' || request.type === 'check' || request.type === 'survey' ? 60_000 : DEFAULT_DEADLINE);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RuntimeError(`the runtime did not answer "${request.type}" within ${Math.round(deadline / 1000)} s, so it was restarted; your scenario state was restored`, undefined, undefined, 'RuntimeHangError'));
        void this.recover(`"${request.type}" missed its ${deadline} ms deadline`);
      }, deadline);
      this.pending.set(id, {
        request,
        timer,
        resolve: (value) => {
          if (journal) this.record(request);
          resolve(value);
        },
        reject,
      });
      child.send({ id, request });
    });
  }

  /**
   * Journal an acknowledged request, keeping only what rebuilds the state. The scenario and the
   * playground are separate engines with separate histories: a `load` replaces the scenario's
   * entries (load, run, step) and keeps the playground's; a playground `reset` or `restore` replaces
   * the playground's and keeps the scenario's; playground queries change nothing and are not kept.
   */
  private record(request: Request): void {
    if (!STATEFUL.has(request.type)) return;
    if (request.type === 'load') this.journal = this.journal.filter((r) => r.type === 'playground');
    if (request.type === 'playground') {
      const op = request.command.op;
      if (op === 'snapshot' || op === 'inspect' || op === 'journal') return;
      if (op === 'reset' || op === 'restore') this.journal = this.journal.filter((r) => r.type !== 'playground');
      if (op === 'reset') return;
    }
    this.journal.push(request);
  }

  private receive(message: FromRuntime): void {
    if (isPush(message)) {
      this.emit('push', message);
      return;
    }
    const response = message as ResponseEnvelope;
    const p = this.pending.get(response.id);
    if (!p) return;
    this.pending.delete(response.id);
    clearTimeout(p.timer);
    if (response.ok) p.resolve(response.value);
    else {
      const problems = response.error.problems?.map((pr) => ({ path: pr.path, message: this.scrub(pr.message) }));
      p.reject(new RuntimeError(this.scrub(response.error.message), response.error.path, problems, response.error.name));
    }
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) child.kill('SIGKILL');
  }

  /** Kill, start again, replay the journal. Requests still pending fail with the reason. */
  private recover(reason: string): Promise<void> {
    if (this.restarting) return this.restarting;
    this.restarting = (async () => {
      this.restarts++;
      for (const [, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new RuntimeError(`${reason}; it was restarted and your scenario state was restored`, undefined, undefined, 'RuntimeCrashError'));
      }
      this.pending.clear();
      this.kill();
      this.spawn();
      await this.send({ type: 'ping' }, false);
      const journal = this.journal;
      this.journal = [];
      for (const request of journal) await this.send(request, true);
      this.emit('restart', { reason, replayed: journal.length });
    })().finally(() => (this.restarting = undefined));
    return this.restarting;
  }
}
