/**
 * Partial batch responses (SQS event source with `ReportBatchItemFailures`): a handler that
 * succeeds may answer `{ batchItemFailures: [{ itemIdentifier: messageId }, …] }` to keep only the
 * listed messages on the queue. As Lambda reads it:
 * - no answer, `null`, an object without `batchItemFailures`, or an empty list: the whole batch
 *   succeeded;
 * - a `batchItemFailures` that is not a list, or an entry whose `itemIdentifier` is missing, empty
 *   or not the messageId of a message of this batch: Lambda cannot tell what failed and treats the
 *   WHOLE batch as failed — every message comes back, the good ones too;
 * - every message not listed is deleted, on a FIFO queue too: there the handler must list the
 *   failed message *and every later one* of the batch (stop at the first failure), or the group
 *   loses its order — the later messages are gone while the failed one comes back.
 *
 * `problem` says why an answer could not be used, in the words a learner needs to fix it; the
 * mapping traces it as a `response-rejected` record.
 */
import type { ReceivedMessage } from './queue';

export interface PartialBatchVerdict {
  /** Messages to keep on the queue: 'all', the listed ones, or none (undefined). */
  kept: Set<string> | 'all' | undefined;
  /** Why the answer was unusable (the whole batch then failed). */
  problem?: string;
}

const show = (v: unknown): string => {
  if (v === undefined) return 'undefined';
  try {
    const json = JSON.stringify(v);
    return json.length > 80 ? `${json.slice(0, 80)}…` : json;
  } catch {
    return String(v);
  }
};

export function partialBatchResponse(batch: readonly ReceivedMessage[], result: unknown): PartialBatchVerdict {
  if (result === null || typeof result !== 'object' || !('batchItemFailures' in result)) return { kept: undefined };
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kept: undefined };
  if (!Array.isArray(failures)) return { kept: 'all', problem: `batchItemFailures must be a list of { itemIdentifier }, got ${show(failures)}` };
  if (failures.length === 0) return { kept: undefined };
  const ids = new Set<string>();
  for (let i = 0; i < failures.length; i++) {
    const entry = failures[i] as unknown;
    const id = entry !== null && typeof entry === 'object' ? (entry as { itemIdentifier?: unknown }).itemIdentifier : undefined;
    if (entry === null || typeof entry !== 'object') return { kept: 'all', problem: `batchItemFailures[${i}] must be an object { itemIdentifier: messageId }, got ${show(entry)}` };
    if (id === undefined || id === null || id === '') return { kept: 'all', problem: `batchItemFailures[${i}].itemIdentifier is missing or empty (got ${show(entry)})` };
    if (typeof id !== 'string' || !batch.some((m) => m.messageId === id)) return { kept: 'all', problem: `batchItemFailures[${i}].itemIdentifier ${show(id)} is not the messageId of a message in this batch` };
    ids.add(id);
  }
  return { kept: ids };
}
