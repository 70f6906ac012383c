/**
 * Errors the engine raises for bad input. Each names the field that is wrong, so a learner (or a
 * scenario file's author) sees `queues.orders.visibilityTimeout: must be between 0 and 43200 s`
 * rather than a stack trace. Nothing is changed when one is thrown.
 */
export class ValidationError extends Error {
  constructor(
    /** Dotted path of the bad field, e.g. `resources.queues[0].visibilityTimeout`. */
    readonly path: string,
    readonly reason: string,
  ) {
    super(path ? `${path}: ${reason}` : reason);
    this.name = 'ValidationError';
  }
}

/**
 * The exception names of the AWS SDK for JavaScript v3 (`err.name`) for the lab's error codes that
 * differ from them; every other code is its own name (`ReceiptHandleIsInvalid`, `QueueDoesNotExist`,
 * `ResourceNotFoundException`, …).
 */
const SDK_NAMES: Readonly<Record<string, string>> = {
  ConditionalCheckFailed: 'ConditionalCheckFailedException',
  ProvisionedThroughputExceeded: 'ProvisionedThroughputExceededException',
  NotFound: 'NotFoundException',
  ResourceInUse: 'ResourceInUseException',
};

/**
 * An operation the modelled service itself would reject (stale receipt handle, unknown queue, …),
 * shaped as the AWS SDK shapes a service error: `name` is the SDK v3 exception name
 * (`ConditionalCheckFailedException`) and `code` the error code (`ConditionalCheckFailed`; where the
 * service's code is the exception name, such as `QueueDoesNotExist`, both are the same), so
 * `err.name === 'ConditionalCheckFailedException'` and `err.code === 'ConditionalCheckFailed'`
 * both work.
 */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    name: string = SDK_NAMES[code] ?? code,
  ) {
    super(message);
    this.name = name;
  }
}

/** Throws a ValidationError for `path` (helpers below keep option checks one line each). */
export function fail(path: string, reason: string): never {
  throw new ValidationError(path, reason);
}

/** A bad value as it reads in an error message: strings quoted, objects and arrays named. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}

/** A plain `{…}` object (not an array, not a class instance). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
