/** The human-readable summary of a simulation run (`serverless-lab simulate` without --json). */
import type { Summary } from '../engine/simulation';

function fmtMs(ms: number): string {
  if (ms >= 3_600_000) return `${+(ms / 3_600_000).toFixed(2)} h`;
  if (ms >= 60_000) return `${+(ms / 60_000).toFixed(2)} min`;
  if (ms >= 1000) return `${+(ms / 1000).toFixed(2)} s`;
  return `${+ms.toFixed(1)} ms`;
}

function counts(entries: Record<string, number>): string {
  return Object.entries(entries)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'nothing';
}

/** The human-readable summary. */
export function formatSummary(s: Summary): string {
  const lines: string[] = [];
  lines.push(`Scenario ${s.scenario} (seed ${s.seed}): ${fmtMs(s.virtualMs)} of virtual time, ${s.events} trace events`);
  if (s.stopped) lines.push(`STOPPED at a limit (${s.stopped.limit}): ${s.stopped.message}`, '(the counts below are where the run stopped)');
  const section = (title: string, rows: Array<[string, string]>): void => {
    if (!rows.length) return;
    lines.push('', title);
    const width = Math.max(...rows.map(([n]) => n.length));
    for (const [name, text] of rows) lines.push(`  ${name.padEnd(width)}  ${text}`);
  };
  section('Traffic', Object.entries(s.traffic).map(([n, t]) => [n, `${t.requests} requests`]));
  section(
    'Queues',
    Object.entries(s.queues).map(([n, q]) => [
      n,
      `${counts({ sent: q.sent, received: q.received, deleted: q.deleted, 'dead-lettered': q.deadLettered, expired: q.expired, duplicates: q.duplicates })}; held ${q.visible + q.inFlight + q.delayed} (visible ${q.visible}, in flight ${q.inFlight}, delayed ${q.delayed})`,
    ]),
  );
  section('Topics', Object.entries(s.topics).map(([n, t]) => [n, counts({ published: t.published, delivered: t.delivered, 'filtered out': t.filteredOut, 'dead-lettered': t.deadLettered, dropped: t.dropped })]));
  section('Streams', Object.entries(s.streams).map(([n, t]) => [n, `produced ${t.produced}`]));
  section('Kinesis streams', Object.entries(s.kinesisStreams ?? {}).map(([n, k]) => [n, `${counts({ produced: k.produced, throttled: k.throttled, consumed: k.consumed, expired: k.expired })}; ${k.shards} open shard${k.shards === 1 ? '' : 's'}`]));
  section('RabbitMQ exchanges', Object.entries(s.exchanges ?? {}).map(([n, e]) => [n, counts({ published: e.published, routed: e.routed, unroutable: e.dropped })]));
  section(
    'RabbitMQ queues',
    Object.entries(s.rabbitQueues ?? {}).map(([n, q]) => [
      n,
      `${counts({ sent: q.sent, delivered: q.delivered, acked: q.acked, requeued: q.requeued, 'dead-lettered': q.deadLettered, expired: q.expired, dropped: q.dropped })}; held ${q.ready + q.unacked} (ready ${q.ready}, unacked ${q.unacked})`,
    ]),
  );
  section('Pub/Sub topics', Object.entries(s.pubsubTopics ?? {}).map(([n, t]) => [n, counts({ published: t.published, 'no subscription': t.dropped })]));
  section(
    'Pub/Sub subscriptions',
    Object.entries(s.pubsubSubscriptions ?? {}).map(([n, p]) => [
      n,
      `${counts({ sent: p.sent, delivered: p.delivered, acked: p.acked, redelivered: p.redelivered, 'filtered out': p.filteredOut, 'dead-lettered': p.deadLettered, expired: p.expired, 'late acks': p.lateAcks })}; unacked ${p.unacked}`,
    ]),
  );
  section('Buses', Object.entries(s.buses).map(([n, b]) => [n, counts({ published: b.published, delivered: b.delivered, 'filtered out': b.filteredOut, 'dead-lettered': b.deadLettered, dropped: b.dropped })]));
  section(
    'Functions',
    Object.entries(s.functions).map(([n, f]) => [
      n,
      `${counts({ invoked: f.invoked, succeeded: f.succeeded, failed: f.failed, 'timed out': f.timedOut, throttled: f.throttled, 'cold starts': f.coldStarts, 'dead-lettered': f.deadLettered, dropped: f.dropped, 'stopped as a recursive loop': f.loopsDetected })}; duration p50 ${fmtMs(f.latency.p50)}, p95 ${fmtMs(f.latency.p95)}, p99 ${fmtMs(f.latency.p99)}`,
    ]),
  );
  section('Gateways', Object.entries(s.gateways).map(([n, g]) => [n, `${g.requests} requests, responses ${counts(g.responses)}; latency p50 ${fmtMs(g.latency.p50)}, p95 ${fmtMs(g.latency.p95)}, p99 ${fmtMs(g.latency.p99)}`]));
  section('Buckets', Object.entries(s.buckets).map(([n, b]) => [n, `stored ${b.stored}, notifications ${b.notified}, objects ${b.objects}`]));
  section('Tables', Object.entries(s.tables).map(([n, t]) => [n, `written ${t.written}, peak ${t.peakWritesPerSecond} writes/s, overloaded ${t.overloaded}, items ${t.items}`]));
  const looped = Object.entries(s.functions).filter(([, f]) => f.loopsDetected > 0);
  if (looped.length) {
    lines.push('', 'Recursive loops');
    for (const [n, f] of looped) {
      lines.push(`  ${n}: Lambda stopped ${f.loopsDetected} invocation${f.loopsDetected === 1 ? '' : 's'}: it had been invoked 16 times in one chain of requests (an event, and the messages the functions handling it sent to a queue, topic or bucket that invokes them again). Trace kind 'loop-detected' says which event and what became of it.`);
    }
  }
  lines.push('', `Cold starts: ${s.coldStarts}`);
  lines.push(`Cost: $${s.cost.cost.toFixed(6)} (${s.cost.requests} requests, ${+s.cost.gbSeconds.toFixed(3)} GB-s)`);
  if (s.lost === 0) lines.push('Lost: 0 (every accepted message was processed, dead-lettered or is still held)');
  else {
    lines.push(`Lost: ${s.lost}`);
    for (const d of s.lostDetails) lines.push(`  ${d.resource} (${d.kind}): ${d.count} ${d.reason}`);
  }
  return lines.join('\n') + '\n';
}
