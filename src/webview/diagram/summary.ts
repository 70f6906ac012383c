// The accessible text summary of the diagram's state, for screen readers (aria-live polite,
// written at most every few seconds so it does not chatter).
import type { NodeState } from '../../diagram/overlay';

const NOTABLE: Record<string, Array<[string, string]>> = {
  queue: [['depth', 'messages waiting or in flight'], ['inFlight', 'in flight'], ['deadLettered', 'dead-lettered']],
  'fifo-queue': [['depth', 'messages waiting or in flight'], ['inFlight', 'in flight'], ['deadLettered', 'dead-lettered']],
  dlq: [['depth', 'dead letters']],
  function: [['concurrency', 'running'], ['warm', 'warm environments'], ['callsInFlight', 'service calls in flight'], ['coldStarts', 'cold starts'], ['throttles', 'throttled'], ['errors', 'errors'], ['unawaited', 'calls not awaited']],
  topic: [['published', 'published'], ['retrying', 'retrying'], ['deadLettered', 'dead-lettered']],
  bus: [['published', 'published'], ['retrying', 'retrying'], ['deadLettered', 'dead-lettered']],
  stream: [['produced', 'records'], ['lag', 'consumer lag']],
  bucket: [['stored', 'objects stored']],
  table: [['writes', 'writes'], ['overloaded', 'overloaded writes']],
  gateway: [['requests', 'requests'], ['inFlight', 'in flight'], ['errors', 'errors']],
  legacy: [['requests', 'requests'], ['inFlight', 'in flight'], ['errors', 'errors']],
  traffic: [['requests', 'requests']],
  exchange: [['published', 'published'], ['routed', 'copies routed to queues'], ['dropped', 'unroutable']],
  'rabbit-queue': [['depth', 'messages ready or unacked'], ['inFlight', 'unacked'], ['requeued', 'requeued'], ['deadLettered', 'dead-lettered'], ['dropped', 'discarded']],
  'pubsub-topic': [['published', 'published'], ['dropped', 'published with no subscription']],
  'pubsub-subscription': [['depth', 'messages unacked'], ['inFlight', 'outstanding'], ['redelivered', 'redelivered'], ['deadLettered', 'dead-lettered']],
  'kinesis-stream': [['produced', 'records'], ['consumed', 'records read'], ['throttles', 'writes over the shard limit']],
};

export function summarise(t: number, states: Iterable<NodeState>, labels: Map<string, string>): string {
  const parts: string[] = [`At ${(t / 1000).toFixed(1)} s.`];
  for (const s of states) {
    const bits: string[] = [];
    for (const [k, words] of NOTABLE[s.kind] ?? []) {
      const v = s.counters[k] ?? 0;
      if (v > 0) bits.push(`${v} ${words}`);
    }
    if (s.status !== 'idle' && s.status !== 'active') bits.push(s.status);
    if (bits.length) parts.push(`${labels.get(s.id) ?? s.id} (${s.kind}): ${bits.join(', ')}.`);
  }
  if (parts.length === 1) parts.push('Nothing has happened yet.');
  return parts.join(' ');
}
