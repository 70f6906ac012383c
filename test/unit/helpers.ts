// Helpers shared by the unit tests (no describe blocks here).
import assert from 'node:assert/strict';
import { ValidationError } from '../../src/engine/errors';
import type { LabApi } from '../../src/engine/executor';

/** Asserts `fn` throws a ValidationError naming `path` (and, optionally, a reason matching `reason`). */
export function rejects(fn: () => void, path: string, reason?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.equal(err.path, path);
    if (reason) assert.match(err.reason, reason);
    return true;
  });
}

/** A lab that records every call and answers like the simulated services would. */
export function recordingLab(overrides: Partial<LabApi> = {}): { lab: LabApi; calls: Array<[string, ...unknown[]]> } {
  const calls: Array<[string, ...unknown[]]> = [];
  let n = 0;
  const lab: LabApi = {
    send: (...a) => (calls.push(['send', ...a]), { messageId: `m-${++n}` }),
    publish: (...a) => (calls.push(['publish', ...a]), { messageId: `p-${++n}` }),
    produce: (...a) => (calls.push(['produce', ...a]), { partition: 0, offset: n++ }),
    putEvents: (...a) => (calls.push(['putEvents', ...a]), { eventIds: a[1].map(() => `ev-${++n}`) }),
    putObject: (...a) => (calls.push(['putObject', ...a]), { etag: 'etag-1' }),
    getObject: (...a) => (calls.push(['getObject', ...a]), a[1] === 'present' ? 'body' : undefined),
    tablePut: (...a) => void calls.push(['tablePut', ...a]),
    tableGet: (...a) => (calls.push(['tableGet', ...a]), a[1] === 1 ? { id: 1, name: 'one' } : undefined),
    tableUpdate: (...a) => (calls.push(['tableUpdate', ...a]), { id: a[1], ...(a[2].set ?? {}) }),
    tableDelete: (...a) => (calls.push(['tableDelete', ...a]), undefined),
    work: (ms) => void calls.push(['work', ms]),
    log: (...a) => void calls.push(['log', ...a]),
    ...overrides,
  };
  return { lab, calls };
}
