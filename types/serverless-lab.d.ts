/**
 * The handler API of Serverless Lab.
 *
 * A handler is a module that exports a function (by default named `handler`). It runs in a
 * sandbox, once per invocation, inside an *execution environment* that lives across invocations:
 * code at the module's top level runs once per environment (the init phase of a cold start), and
 * module-level variables keep their values between the invocations one environment serves.
 *
 * ```ts
 * import { send, work, type Handler } from 'serverless-lab';
 *
 * let seen = 0; // module-level state: per environment
 *
 * export const handler: Handler<{ orderId: string }> = async (event, context) => {
 *   seen++;
 *   work(20); // this invocation spends 20 ms (virtual time) working
 *   send('invoices', { orderId: event.orderId });
 *   return { ok: true, seen, env: context.environmentId };
 * };
 * ```
 *
 * Every call below is synchronous and happens at the virtual instant the handler runs. Arguments
 * and results cross the sandbox boundary as JSON: functions, symbols and `undefined` inside them are
 * dropped, and objects arrive as copies. A handler has no Node built-ins (`fs`, `http`, `process`…),
 * no packages, and no timers: `setTimeout` throws, and time passes only through {@link work}.
 */
declare module 'serverless-lab' {
  /** A message or event body: a string as is, anything else is sent as JSON. */
  export type Body = string | object;

  /** Message attributes (SQS/SNS style): small key → value metadata next to the body. */
  export type Attributes = Record<string, string | number>;

  /**
   * Send a message to a queue (like SQS `SendMessage`).
   * @param queue name of the queue
   * @param body the message body
   * @param options `delayS`: seconds before the message becomes visible (0–900);
   *   `attributes`; for FIFO queues `groupId` (ordering scope) and `deduplicationId`
   *   (a repeat within 5 minutes is accepted but not delivered again)
   * @returns the id the queue gave the message
   * @throws if the queue does not exist or an option is invalid
   */
  export function send(
    queue: string,
    body: Body,
    options?: { delayS?: number; attributes?: Attributes; groupId?: string; deduplicationId?: string },
  ): { messageId: string };

  /**
   * Publish a message to a topic (like SNS `Publish`): every subscription whose filter matches
   * gets its own copy. A FIFO topic (name ending in `.fifo`) needs `groupId`: messages of one group
   * reach each FIFO queue subscribed in the order they were published.
   * @returns the id of the published message
   */
  export function publish(topic: string, body: Body, options?: { attributes?: Attributes; groupId?: string }): { messageId: string };

  /**
   * Append a record to a stream (like a Kafka producer): records with the same `key` go to the
   * same partition and keep their order there.
   * @returns the partition the record went to and its offset in that partition
   */
  export function produce(stream: string, value: Body, options?: { key?: string }): { partition: number; offset: number };

  /**
   * Put events on an event bus (like EventBridge `PutEvents`): rules whose patterns match an
   * event route it to their targets.
   * @returns one event id per entry, in order
   */
  export function putEvents(bus: string, entries: Array<{ source: string; detailType: string; detail: unknown }>): { eventIds: string[] };

  /**
   * Store an object in a bucket (like S3 `PutObject`); overwrites an object with the same key.
   * @returns the new object's ETag
   */
  export function putObject(bucket: string, key: string, body: string): { etag: string };

  /** Read an object from a bucket (like S3 `GetObject`). @returns its body, or `undefined` if there is none */
  export function getObject(bucket: string, key: string): string | undefined;

  /**
   * Write an item to a table (like DynamoDB `PutItem`): replaces the item with the same key.
   * @param options `ifNotExists`: fail instead of replacing an existing item (a conditional write)
   * @throws when `ifNotExists` is set and the item exists: an error whose `code` is `"ConditionalCheckFailed"`
   *   (every service error carries its `code`, as AWS SDK errors do)
   */
  export function tablePut(table: string, item: Record<string, unknown>, options?: { ifNotExists?: boolean }): void;

  /** Read an item by key (like DynamoDB `GetItem`). @returns a copy of the item, or `undefined` */
  export function tableGet(table: string, key: string | number): Record<string, unknown> | undefined;

  /**
   * Declare that this invocation spends `ms` milliseconds of (virtual) time working: it adds to
   * the invocation's modelled duration (at the top level: to the init duration), which is billed
   * and counts toward the function's timeout. Real CPU time your code takes is not modelled.
   * Once the work declared passes the timeout, the function is frozen: any later `send`,
   * `publish`, `tablePut`, … throws `Sandbox.Timedout` and never happens.
   * @param ms a finite number ≥ 0
   */
  export function work(ms: number): void;

  /** Write a log line for this invocation (`console.log` and friends do the same). */
  export function log(...args: unknown[]): void;

  /** What a handler gets as its second argument (a subset of Lambda's context object). */
  export interface Context {
    /** Id of this invocation. */
    readonly awsRequestId: string;
    readonly functionName: string;
    /** The function's configured memory. */
    readonly memoryLimitInMB: number;
    /** True when this invocation had to create (and initialise) its environment. */
    readonly coldStart: boolean;
    /** Id of the execution environment running this invocation. */
    readonly environmentId: string;
    /**
     * Virtual milliseconds your code may still `work` before the function times out: the timeout
     * less the invocation's fixed modelled time and the work declared so far.
     */
    getRemainingTimeInMillis(): number;
  }

  /**
   * The type of a handler: called with the event and the context; may return a value or a
   * promise. The result is returned to a synchronous caller as JSON (the lab caps it at 1 MiB;
   * Lambda allows 6 MB for a synchronous response).
   */
  export type Handler<TEvent = unknown, TResult = unknown> = (event: TEvent, context: Context) => TResult | Promise<TResult>;
}
