/** What every command of the CLI shares: where output goes, and how bad input is reported. */

/** Bad command line or input: exit code 2 with a one-line message. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Output streams (tests capture them). */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}
