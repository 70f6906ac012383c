/**
 * When a topic's message reaches a subscription: SNS accepts a publish, answers the publisher, and
 * only then pushes a copy to every subscription, each on its own — so a copy lands in a subscribed
 * queue (or invokes a function) some tens of milliseconds after the publish, not at the instant of
 * it. What follows from it, as on AWS:
 *
 * - an SQS message that came through a topic has its own `SentTimestamp`: when SNS delivered it to
 *   the queue, after the publish. The publish time is the notification's `Timestamp` (in the
 *   envelope, "the time (GMT) when the notification was published"), and the SNS event's
 *   `Sns.Timestamp` for a function;
 * - copies of one message reach different subscriptions at different instants, and on a standard
 *   topic two messages published close together may reach a subscription in either order
 *   (best-effort ordering); a FIFO topic keeps each subscription's deliveries in publish order.
 *
 * The delay is drawn per delivery from the topic's own random stream (`topic-delivery:<name>`), so a
 * seed gives the same delays whatever else the system draws. A retry after a failed delivery waits
 * for its backoff (topic.ts), not for this delay again.
 */
import type { Random } from './random';
import type { ServiceLatency } from './latency';

/**
 * Publish to delivery, per subscription: 20 ms plus up to 40 ms. SNS documents no figure (its FAQ
 * says messages are delivered within milliseconds to seconds); tens of milliseconds is what an
 * in-region SNS→SQS hop takes, and it keeps a copy's arrival visibly after its publish.
 */
export const TOPIC_DELIVERY_DELAY: Readonly<ServiceLatency> = { baseMs: 20, jitterMs: 40 };

/** Draws the delivery delay of each copy a topic pushes, keeping a FIFO topic's deliveries in order per subscription. */
export class DeliveryDelays {
  /** FIFO topics: the instant of the last delivery scheduled per subscription (a later one never overtakes it). */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly random: Random,
    private readonly fifo: boolean,
    private readonly delay: Readonly<ServiceLatency> = TOPIC_DELIVERY_DELAY,
  ) {}

  /** The virtual instant a copy published at `now` reaches subscription `sub`. */
  arrival(sub: string, now: number): number {
    const d = this.delay;
    const at = now + (d.jitterMs > 0 ? Math.round(d.baseMs + this.random.next() * d.jitterMs) : d.baseMs);
    if (!this.fifo) return at;
    const ordered = Math.max(at, this.last.get(sub) ?? 0);
    this.last.set(sub, ordered);
    return ordered;
  }

  /** A subscription is gone: forget its order. */
  forget(sub: string): void {
    this.last.delete(sub);
  }
}
