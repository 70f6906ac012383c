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

module.exports = [
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
        message:
          expected.size === 0
            ? 'Nothing to project: no readable transactions in the stream.'
            : 'The projection drifted from the log: a redelivered batch was applied again, or state that lived in one execution environment was lost or never seen by the others. The table must be a pure function of the log.',
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
          ? 'The projector is behind: some partition was not committed to its end, so its records were not (all) processed.'
          : customers.size === 0
            ? 'Nothing was produced to wallet-events.'
            : 'The projector committed records it never applied: their offsets are committed, so no delivery will bring them back, yet the balances table does not show them.',
      };
    },
  },
];
