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

/** An operation the modelled service itself would reject (stale receipt handle, unknown queue, …). */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
