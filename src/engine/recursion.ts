/**
 * Lambda's recursive loop detection, as AWS documents it ("Use Lambda recursive loop detection to
 * prevent infinite loops", https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html):
 *
 * - Lambda tracks a **chain of requests**: the invocations caused by one triggering event. The
 *   event's metadata (the X-Ray trace header's `Lineage`) counts how many times the chain has
 *   invoked each function; a function that sends an event to SQS, SNS or S3 while handling one
 *   passes the chain on, updated, and Lambda functions invoking each other do too. Other services
 *   (EventBridge, DynamoDB, Kafka, Kinesis, RabbitMQ, Pub/Sub) break the chain: a loop through them
 *   is not detected.
 * - When a function has been invoked about 16 times in one chain, Lambda stops the next invocation
 *   of it in that chain (`RecursiveInvocationException`); invocations from other chains go on.
 *   What happens to the stopped event depends on how it came: an SQS event source mapping gets the
 *   error, so the batch returns to the queue (its receive count grows) until the queue's redrive
 *   policy moves it to the dead-letter queue; an asynchronous event (SNS, S3, an async invoke) goes
 *   to the function's on-failure destination, or is dropped — never retried.
 * - The function's `RecursiveLoop` setting (`Terminate`, the default, or `Allow`) turns this off
 *   for a function whose design loops on purpose.
 *
 * The trace records every stop as `loop-detected` (resource: the function; detail: the event's
 * source, the chain and its depth, and what became of the event), so the summary, the CLI and a
 * lesson's checks can say why the function was not invoked.
 *
 * An SQS batch can hold messages of several chains: AWS does not document how such a batch is
 * counted; the lab counts the batch as part of its deepest chain (the one that has invoked this
 * function most), so a loop is stopped even when its messages share batches with new work.
 */
import type { Trace } from './trace';

/** Lambda stops a chain's next invocation of a function invoked this many times in it. */
export const RECURSION_LIMIT = 16;

/** A function's `RecursiveLoop` setting. */
export type RecursiveLoop = 'Terminate' | 'Allow';
export const RECURSIVE_LOOP_MODES: readonly RecursiveLoop[] = ['Terminate', 'Allow'];

/** The chain an event belongs to (what the X-Ray header's `Lineage` carries): immutable. */
export interface Lineage {
  /** The request that started the chain. */
  readonly chain: string;
  /** How many times the chain has invoked each function so far. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Where an invocation's event came from, and the chain it carries (none: a new chain starts). */
export interface Origin {
  /** The queue, topic or bucket the event came from (or the invoking function). */
  source: string;
  lineage?: Lineage;
  /** What becomes of the event when Lambda stops its invocation (for the trace and the error). */
  stopAction?: string;
}

/** Why an invocation was not made: the error the caller gets. */
export interface LoopStop {
  stopped: true;
  error: string;
  /** The chain as it reached the function (the stopped event carries it on, e.g. to a destination). */
  lineage: Lineage;
}

/** Of several events' chains, the one that has invoked `fn` most (the first such), or undefined. */
export function deepest(items: ReadonlyArray<{ lineage?: Lineage }>, fn: string): Lineage | undefined {
  let best: Lineage | undefined;
  for (const item of items) {
    const l = item.lineage;
    if (l === undefined) continue;
    if (best === undefined || (l.counts[fn] ?? 0) > (best.counts[fn] ?? 0)) best = l;
  }
  return best;
}

export class RecursionGuard {
  /** Functions set to `Allow`. */
  private readonly allowed = new Set<string>();
  /**
   * The chain of the code running now: a function's code or a call it made being performed, or a
   * destination record being written for an event. A send made now carries it.
   */
  current: Lineage | undefined;
  /** The most invocations of one function in one chain so far (for explaining a run that grew). */
  deepest = 0;

  constructor(private readonly trace: Trace) {}

  /** Set a function's `RecursiveLoop` (undefined: the default, Terminate). */
  configure(fn: string, mode: RecursiveLoop | undefined): void {
    if (mode === 'Allow') this.allowed.add(fn);
    else this.allowed.delete(fn);
  }

  /**
   * An invocation of `fn` (request `requestId`, caused by `cause`) is about to start for an event of
   * `origin`. Returns the chain the invocation runs in (one more invocation of `fn`), or, when Lambda
   * stops it, why (traced `loop-detected`; `action` says what becomes of the event).
   */
  enter(fn: string, requestId: string, cause: string | undefined, origin: Origin | undefined, action: string): Lineage | LoopStop {
    const lineage = origin?.lineage;
    if (lineage === undefined) {
      if (this.deepest === 0) this.deepest = 1;
      return { chain: requestId, counts: { [fn]: 1 } };
    }
    const depth = lineage.counts[fn] ?? 0;
    if (depth >= RECURSION_LIMIT && !this.allowed.has(fn)) {
      const source = origin!.source;
      this.trace.emit('loop-detected', fn, requestId, cause, { source, chain: lineage.chain, depth, limit: RECURSION_LIMIT, action });
      const error = `RecursiveInvocationException: Lambda stopped invoking ${fn}: it was invoked ${depth} times in one chain of requests (started by ${lineage.chain}), the event from ${source} would make it ${depth + 1}; ${action}`;
      return { stopped: true, error, lineage };
    }
    if (depth + 1 > this.deepest) this.deepest = depth + 1;
    return { chain: lineage.chain, counts: { ...lineage.counts, [fn]: depth + 1 } };
  }

  /** Run `fn` with `lineage` as the current chain (what its sends carry). */
  carrying<T>(lineage: Lineage | undefined, fn: () => T): T {
    const previous = this.current;
    this.current = lineage;
    try {
      return fn();
    } finally {
      this.current = previous;
    }
  }
}

/** Whether `enter` stopped the invocation. */
export function isStop(x: Lineage | LoopStop): x is LoopStop {
  return (x as LoopStop).stopped === true;
}
