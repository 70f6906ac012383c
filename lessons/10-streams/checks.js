// @ts-check
// Checks for "Streams": the stream's own log (read from offset 0, as any new consumer could), the
// balances projection and the projector's consumer group.

/** Every record still in the log, in produce order, with its parsed value. @param {any} r */
function log(r) {
  const stream = r.sim.streams.get('wallet-events');
  const order = new Map(r.where('produced', 'wallet-events').map((/** @type {any} */ p, /** @type {number} */ i) => [p.id, i]));
  const out = [];
  for (let p = 0; p < stream.partitions; p++) {
    for (let offset = stream.startOffset(p); offset < stream.endOffset(p); ) {
      const batch = stream.read(p, offset, 500);
      if (batch.length === 0) break;
      for (const rec of batch) {
        let tx;
        try {
          tx = JSON.parse(rec.value);
        } catch {
          tx = undefined;
        }
        out.push({ ...rec, tx });
      }
      offset = batch[batch.length - 1].offset + 1;
    }
  }
  return out.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** What a fresh consumer replaying from offset 0 computes. @param {any[]} records */
function rebuild(records) {
  /** @type {Map<string, {balance: number, bounced: number}>} */
  const rows = new Map();
  for (const { tx } of records) {
    if (!tx || typeof tx.customerId !== 'string') continue;
    const row = rows.get(tx.customerId) ?? { balance: 0, bounced: 0 };
    if (tx.type === 'deposit') row.balance += tx.amount;
    else if (tx.amount <= row.balance) row.balance -= tx.amount;
    else row.bounced += 1;
    rows.set(tx.customerId, row);
  }
  return rows;
}

/** @param {string[]} list */
function some(list, max = 3) {
  return list.length <= max ? list.join('; ') : `${list.slice(0, max).join('; ')} … (+${list.length - max})`;
}

/** Virtual time in seconds, to the millisecond: "8.400 s". @param {number} ms */
function secs(ms) {
  return `${(ms / 1000).toFixed(3)} s`;
}

/**
 * What the crashes did to the projector's batches, from the trace: for each crash, the invocation
 * it killed, that invocation's batch (partition and offsets, from the records the batch started and
 * ended with), the writes to balances that had landed before it died (each table record carries the
 * request id of the invocation that made it), the calls it had in flight, and the redelivery of the
 * same batch with the writes it made. `lost` counts the batch's records no invocation wrote a
 * customer row for, `twice` those both invocations wrote (one write per record, as a projector
 * that reads a row and writes it back makes).
 * @param {any} r
 * @param {Set<string>} customers
 */
function crashStories(r, customers) {
  /** @type {Map<string, { partition: number, offset: number }>} */
  const where = new Map();
  for (const p of r.where('produced', 'wallet-events')) where.set(p.id, { partition: Number(p.detail?.partition), offset: Number(p.detail?.offset) });
  const invoked = r.where('invoked', 'projector');
  /** @type {Map<string, any[]>} request id → its completed balances writes */
  const writes = new Map();
  for (const w of r.where('written', 'balances')) writes.set(w.cause, [...(writes.get(w.cause) ?? []), w]);
  const stories = [];
  for (const crash of r.where('failed', 'projector').filter((/** @type {any} */ f) => f.cause === 'crash')) {
    const inv = invoked.find((/** @type {any} */ i) => i.id === crash.id);
    if (!inv) continue;
    const [firstId, lastId = firstId] = String(inv.cause ?? '').split('..');
    const first = where.get(firstId);
    const last = where.get(lastId);
    if (!first || !last) continue;
    const size = last.offset - first.offset + 1;
    const done = writes.get(crash.id) ?? [];
    const applied = done.filter((w) => customers.has(String(w.id))).length;
    const other = done.filter((w) => !customers.has(String(w.id)));
    const abandoned = r.where('call-abandoned', 'projector').filter((/** @type {any} */ c) => c.id === crash.id);
    const again = invoked.find((/** @type {any} */ i) => i.cause === inv.cause && i.t > crash.t);
    const reapplied = again ? (writes.get(again.id) ?? []).filter((w) => customers.has(String(w.id))).length : 0;
    stories.push({
      crash,
      inv,
      partition: first.partition,
      from: first.offset,
      to: last.offset,
      size,
      done,
      applied,
      other,
      abandoned,
      again,
      reapplied,
      lost: again ? Math.max(0, size - applied - reapplied) : 0,
      twice: again ? Math.max(0, applied + reapplied - size) : 0,
    });
  }
  return stories;
}

/** One crash story in words. @param {ReturnType<typeof crashStories>[number]} x */
function tellCrash(x) {
  const batch = `its batch of ${x.size} record${x.size === 1 ? '' : 's'} (partition ${x.partition}, offset${x.size === 1 ? ` ${x.from}` : `s ${x.from}–${x.to}`})`;
  const shown = x.done.slice(0, 4).map((w) => `${w.id} at ${secs(w.t)}`).join(', ') + (x.done.length > 4 ? `, … (${x.done.length} in all)` : '');
  const before = x.done.length ? `the writes that had landed: ${shown}` : 'no write had landed';
  const inFlight = x.abandoned.length ? `; ${x.abandoned.map((/** @type {any} */ c) => c.detail?.call).join(', ')} in flight never happened` : '';
  const redelivery = x.again ? `The platform had committed nothing for the batch and delivered it again (${x.again.id} at ${secs(x.again.t)}), which wrote ${x.reapplied} customer row${x.reapplied === 1 ? '' : 's'}` : 'The batch was not delivered again before the run ended';
  return `At ${secs(x.crash.t)} ${x.crash.detail?.env} crashed while ${x.inv.id} was handling ${batch}: ${before}${inFlight}. ${redelivery}`;
}

/**
 * Why the projection drifted, naming the crash that shows it when one does.
 * @param {any} r
 * @param {Set<string>} customers
 */
function drift(r, customers) {
  // The projector's own errors (not the crashes): every batch they hit is retried and never applied.
  const errors = r.where('failed', 'projector').filter((/** @type {any} */ f) => f.cause !== 'crash' && f.detail?.error);
  if (errors.length) {
    const e = errors[0];
    const at = e.detail?.location;
    return `The projection drifted from the log: the projector failed ${errors.length} times with its own error, not a crash — ${String(e.detail?.error).slice(0, 160)}${at ? ` (line ${at.line})` : ''} — so the batches it failed on were delivered again and again, never applied, and their partitions stopped moving.`;
  }
  // Customers whose records are in several partitions: their order, and any offset kept per row, mean nothing.
  /** @type {Map<string, Set<number>>} */
  const parts = new Map();
  for (const rec of log(r)) if (rec.tx && typeof rec.tx.customerId === 'string') parts.set(rec.tx.customerId, (parts.get(rec.tx.customerId) ?? new Set()).add(rec.partition));
  const split = [...parts].filter(([, set]) => set.size > 1);
  if (split.length)
    return `The projection drifted from the log: ${split.length} customers' records are in several partitions (e.g. ${split[0][0]} in partitions ${[...split[0][1]].sort().join(', ')}), which are read in parallel and have offsets of their own — their records are applied out of order, and an offset remembered in the row from one partition makes records of another look applied already. Key every record by its customer (per-customer-partition).`;
  const stories = crashStories(r, customers);
  const lost = stories.find((x) => x.lost > 0);
  if (lost) {
    const progress = lost.other[0];
    const why = progress
      ? ` ${lost.inv.id}'s first write was ${progress.id} (at ${secs(progress.t)}), not a customer's row: progress recorded as done before the records it stands for were applied — a commit before the work — and the redelivery trusted it.`
      : ' The redelivery skipped records the crashed invocation had marked as done but never applied.';
    return `The projection drifted from the log: a crash in the middle of a batch lost records. ${tellCrash(lost)}: ${lost.lost} of the batch's ${lost.size} records were never applied.${why} Record progress only together with, or after, the change it stands for (the offset in the same row as the balance), so a redelivery redoes exactly what did not happen.`;
  }
  // Rows written without being read first (by the same invocation) came from the environment's memory.
  /** @type {Set<string>} */
  const seen = new Set();
  let blind = 0;
  let rowWrites = 0;
  for (const rec of r.records) {
    if (rec.resource !== 'balances' || !customers.has(String(rec.id))) continue;
    if (rec.kind === 'read') seen.add(`${rec.cause}|${rec.id}`);
    else if (rec.kind === 'written') {
      rowWrites++;
      if (!seen.has(`${rec.cause}|${rec.id}`)) blind++;
    }
  }
  const crash = stories.find((x) => x.applied > 0) ?? stories[0];
  if (blind > rowWrites / 2) {
    return `The projection drifted from the log: ${blind} of the ${rowWrites} writes to customer rows came from an environment's memory (the invocation had not read that row from the table), and memory is one environment's: another environment never sees it, and a crash wipes it${crash ? ` (${crash.crash.detail?.env} crashed at ${secs(crash.crash.t)} while ${crash.inv.id} was handling a batch of partition ${crash.partition}, and the redelivery ran on ${crash.again?.detail?.env ?? 'no environment before the run ended'})` : ''}. Keep no state outside the table: read the row, apply the record, write it back.`;
  }
  const twice = stories.find((x) => x.twice > 0);
  if (twice) return `The projection drifted from the log: a redelivered batch was applied again. ${tellCrash(twice)}, applying again what ${twice.inv.id} had applied before it crashed (${twice.twice} record${twice.twice === 1 ? '' : 's'} twice). Delivery is at least once: remember in each row the last offset applied, and skip records at or below it.`;
  const recovered = stories.filter((x) => x.again).length;
  return `The projection drifted from the log, and not through the crashes: ${stories.length ? `each of the ${stories.length} crashed batches was ${recovered === stories.length ? 'delivered again and written once per record' : 'accounted for'}, ` : ''}every write read its row first, and each customer's records are in one partition. So the difference is in how a record is applied: a deposit adds its amount, a withdrawal subtracts it when the balance covers it (amount ≤ balance) and otherwise bounces (balance unchanged, bounced + 1).`;
}

module.exports = [
  {
    id: 'every-transaction-logged',
    title: 'Every transaction the wallet API received is in the stream, once',
    hint: 'The log is the record of what happened: every transaction goes in, once, whatever the projector will do with it. Is every produce awaited?',
    section: 'partitions-and-keys',
    /** @param {any} r */
    run(r) {
      /** @type {Map<string, any>} */
      const incoming = new Map();
      for (const q of r.where('request', 'wallet-app')) {
        const tx = /** @type {any} */ (q.detail?.payload);
        if (tx && typeof tx.txId === 'string') incoming.set(tx.txId, tx);
      }
      /** @type {Map<string, number>} */
      const inLog = new Map();
      for (const rec of log(r)) if (rec.tx && typeof rec.tx.txId === 'string') inLog.set(rec.tx.txId, (inLog.get(rec.tx.txId) ?? 0) + 1);
      const missing = [...incoming.keys()].filter((id) => !inLog.has(id));
      const twice = [...incoming.keys()].filter((id) => (inLog.get(id) ?? 0) > 1);
      const pass = incoming.size > 0 && missing.length === 0 && twice.length === 0;
      const done = new Set(r.where('call-done', 'wallet-api').map((/** @type {any} */ x) => `${x.detail?.env}#${x.detail?.callId}`));
      const pending = r.where('call-pending', 'wallet-api').filter((/** @type {any} */ x) => x.detail?.call === 'produce');
      const never = pending.filter((/** @type {any} */ x) => !done.has(`${x.detail?.env}#${x.detail?.callId}`)).length;
      const failed = r.where('failed', 'wallet-api');
      /** "withdrawal ×40" of the transactions among ids. @param {string[]} ids */
      const kinds = (ids) => {
        /** @type {Map<string, number>} */
        const n = new Map();
        for (const id of ids) n.set(String(incoming.get(id)?.type), (n.get(String(incoming.get(id)?.type)) ?? 0) + 1);
        return [...n].map(([k, v]) => `${k} ×${v}`).join(', ');
      };
      let message = `All ${incoming.size} transactions are in the log, once each.`;
      if (!pass && incoming.size === 0) message = 'The wallet API received no transaction.';
      else if (missing.length && never)
        message = `${missing.length} of ${incoming.size} transactions never reached the log (e.g. ${missing[0]}): the produce was not awaited${pending[0]?.detail?.location ? ` (line ${pending[0].detail.location.line})` : ''} — ${pending.length} produces were still in flight when the handler returned and froze with the environment, and ${never} never happened. The API answered as if they were recorded; a projection rebuilt from the log will never see them.`;
      else if (missing.length && failed.length) message = `${missing.length} of ${incoming.size} transactions never reached the log (e.g. ${missing[0]}): the wallet API failed ${failed.length} times (first: ${String(failed[0].detail?.error).slice(0, 160)}).`;
      else if (missing.length)
        message = `${missing.length} of ${incoming.size} transactions came in but were never produced (e.g. ${missing[0]}; missing: ${kinds(missing)}): the log must hold every transaction — the projector decides what each one does.`;
      else if (twice.length) message = `${twice.length} transactions are in the log more than once (e.g. ${twice[0]} ×${inLog.get(twice[0])}): a replay applies every copy.`;
      return {
        pass,
        expected: `the ${incoming.size} transactions the wallet API received, each once in wallet-events`,
        actual: `${incoming.size - missing.length} of ${incoming.size} in the log${missing.length ? ` (missing: ${some(missing)})` : ''}${twice.length ? `; ${twice.length} more than once` : ''}`,
        message,
      };
    },
  },
  {
    id: 'per-customer-partition',
    title: "Each customer's transactions live in one partition, so they keep their order",
    hint: 'A stream orders records per partition only, and the key decides the partition.',
    section: 'partitions-and-keys',
    /** @param {any} r */
    run(r) {
      const records = log(r);
      /** @type {Map<string, Set<number>>} */
      const parts = new Map();
      for (const rec of records) {
        if (!rec.tx || typeof rec.tx.customerId !== 'string') continue;
        const s = parts.get(rec.tx.customerId) ?? new Set();
        s.add(rec.partition);
        parts.set(rec.tx.customerId, s);
      }
      const split = [...parts].filter(([, s]) => s.size > 1);
      const keys = new Set(records.map((rec) => rec.key ?? '(no key)'));
      const used = new Set(records.map((rec) => rec.partition)).size;
      // The key must name the customer (any spelling): one key shared by several customers puts
      // them all in one partition — in order, but read by one consumer while the others idle.
      /** @type {Map<string, Set<string>>} */
      const customersOf = new Map();
      for (const rec of records) {
        if (rec.key === undefined || !rec.tx || typeof rec.tx.customerId !== 'string') continue;
        customersOf.set(rec.key, (customersOf.get(rec.key) ?? new Set()).add(rec.tx.customerId));
      }
      const shared = [...customersOf].filter(([, c]) => c.size > 1).sort((a, b) => b[1].size - a[1].size);
      if (split.length === 0 && shared.length) {
        const [key, customers] = shared[0];
        const inPartitions = new Set(records.filter((rec) => rec.key === key).map((rec) => rec.partition));
        return {
          pass: false,
          expected: 'every customer in exactly one partition, keyed by the customer (one key per customer)',
          actual: `${records.length} records, ${keys.size} distinct keys; key ${JSON.stringify(key)} carries ${customers.size} customers (${some([...customers], 4)}), all in partition ${[...inPartitions].join(', ')}; ${used} of ${r.sim.streams.get('wallet-events').partitions} partitions used`,
          message: `The key ${JSON.stringify(key)} is shared by ${customers.size} customers, so their records all land in one partition: order holds, but partitions are how a stream scales, and ${r.sim.streams.get('wallet-events').partitions - used} of them stay empty while one consumer reads everything. Key each record by its customer.`,
        };
      }
      return {
        pass: records.length > 0 && parts.size > 0 && split.length === 0,
        expected: 'every customer in exactly one partition',
        actual:
          records.length === 0
            ? 'the stream is empty'
            : `${records.length} records in ${used} partitions, ${keys.size} distinct keys (${some([...keys].slice(0, 4), 4)}); ${split.length} of ${parts.size} customers spread over several partitions${split.length ? ` (${some(split.map(([c, s]) => `${c} in ${[...s].sort().join(',')}`))})` : ''}`,
        message:
          records.length === 0
            ? 'Nothing was produced to wallet-events.'
            : "Some customers' transactions are spread over several partitions, which are read in parallel: a withdrawal can be applied before the deposit that covers it. Records with the same key always go to the same partition.",
      };
    },
  },
  {
    id: 'projection-matches-replay',
    title: 'The balances table equals a rebuild from offset 0',
    hint: 'The crashed batches were delivered again. Would your projector give the same table if it read the whole log twice? Or on a different execution environment?',
    section: 'projections-and-replay',
    /** @param {any} r */
    run(r) {
      const records = log(r);
      const expected = rebuild(records);
      const table = new Map(r.table('balances').map((/** @type {any} */ row) => [row.customerId, row]));
      /** @type {string[]} */
      const diff = [];
      for (const [c, want] of expected) {
        const got = table.get(c);
        if (!got || got.balance !== want.balance || (got.bounced ?? 0) !== want.bounced) {
          diff.push(`${c}: ${got ? `balance ${got.balance}, bounced ${got.bounced ?? 0}` : 'missing'} ≠ replay ${want.balance}, bounced ${want.bounced}`);
        }
      }
      const crashes = r.where('failed', 'projector').filter((/** @type {any} */ f) => f.cause === 'crash').length;
      const retried = r.where('retried', 'projector').length;
      return {
        pass: expected.size > 0 && diff.length === 0,
        expected: `${expected.size} customer rows equal to replaying the ${records.length} records from offset 0 (balance and bounced)`,
        actual: `${expected.size - diff.length} of ${expected.size} rows match${diff.length ? ` (${some(diff)})` : ''}; ${crashes} batches crashed and ${retried} were retried during the run`,
        message: expected.size === 0 ? 'Nothing to project: no readable transactions in the stream.' : drift(r, new Set(expected.keys())),
      };
    },
  },
  {
    id: 'caught-up',
    title: 'The projector caught up: every partition committed to its end, every record applied',
    hint: 'Committing an offset says "these records are done". Were they applied to the table? And a batch that keeps failing blocks its partition: the committed offset stops moving.',
    section: 'consumer-groups-and-offsets',
    /** @param {any} r */
    run(r) {
      const stream = r.sim.streams.get('wallet-events');
      const group = stream.groups().find((/** @type {any} */ g) => g.id.includes('projector'));
      /** @type {string[]} */
      const parts = [];
      let lag = 0;
      for (let p = 0; p < stream.partitions; p++) {
        const l = group ? group.lag(p) : stream.endOffset(p);
        lag += l;
        parts.push(`p${p}: committed ${group?.committed(p) ?? 'nothing'} of ${stream.endOffset(p)}`);
      }
      // Committed records must have reached the projection: every customer in the log has a row.
      const customers = new Set(log(r).map((rec) => rec.tx?.customerId).filter((c) => typeof c === 'string'));
      const rows = new Set(r.table('balances').map((/** @type {any} */ row) => row.customerId));
      const unapplied = [...customers].filter((c) => !rows.has(c)).sort();
      const behind = !group || lag > 0;
      return {
        pass: customers.size > 0 && !behind && unapplied.length === 0,
        expected: 'committed offset = end offset on every partition, and a balances row for each of the customers in the log',
        actual: `total lag ${lag} (${parts.join(', ')}); ${customers.size - unapplied.length} of ${customers.size} customers have a row${unapplied.length ? ` (missing: ${some(unapplied)})` : ''}`,
        message: behind
          ? `The projector is behind: some partition was not committed to its end, so its records were not (all) processed.${(() => {
              const errors = r.where('failed', 'projector').filter((/** @type {any} */ f) => f.cause !== 'crash' && f.detail?.error);
              return errors.length ? ` Its batches kept failing (${errors.length} times: ${String(errors[0].detail?.error).slice(0, 120)}), and a failing batch blocks its partition.` : '';
            })()}`
          : customers.size === 0
            ? 'Nothing was produced to wallet-events.'
            : 'The projector committed records it never applied: their offsets are committed, so no delivery will bring them back, yet the balances table does not show them.',
      };
    },
  },
];
