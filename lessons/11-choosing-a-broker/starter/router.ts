// The router receives one workload item per invocation and must send it
// to the resource whose delivery model fits the workload. Everything
// currently goes to the `jobs` queue.
//
// Resources in this scenario:
//   queue  'jobs'           standard queue: pull, competing consumers,
//                           at-least-once, no order
//   queue  'ledger.fifo'    FIFO queue: order per message group,
//                           deduplication (needs groupId +
//                           deduplicationId)
//   topic  'announcements'  push fan-out: email-inbox, analytics-inbox,
//                           warehouse-inbox each get a copy
//   stream 'clicks'         partitioned log (4 partitions, 7 days):
//                           replayable, order per partition (by key)
//
// The four workloads (see the lesson page for their requirements):
//   { kind: 'resize-image', imageId, width }
//   { kind: 'order-placed', orderId, total }
//   { kind: 'page-view', clickId, userId, page }
//   { kind: 'ledger-entry', entryId, accountId, amount }
import { produce, publish, send } from 'serverless-lab';

type Item =
  | { kind: 'resize-image'; imageId: string; width: number }
  | { kind: 'order-placed'; orderId: string; total: number }
  | { kind: 'page-view'; clickId: string; userId: string; page: string }
  | { kind: 'ledger-entry'; entryId: string; accountId: string; amount: number };

export async function handler(item: Item): Promise<void> {
  // TODO: route each kind to the right resource (and, where it matters,
  //       with the right key / group).
  void publish;
  void produce;
  await send('jobs', item);
}
