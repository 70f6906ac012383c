// @ts-check
// Checks for "FIFO queues": the accounts table (balances and statements the ledger wrote), the
// audit copy of every transaction the app published, and the ledger.fifo trace.

/** Every transaction the app published, once each (the audit queue may hold duplicate copies). @param {any} r */
function transactions(r) {
  /** @type {Map<string, any>} */
  const byId = new Map();
  for (const m of r.sim.queues.get('transactions-audit').messages()) {
    const tx = JSON.parse(m.body);
    byId.set(tx.txId, tx);
  }
  return byId;
}

/** @param {any} r */
function accounts(r) {
  return new Map(r.table('accounts').map((/** @type {any} */ a) => [a.accountId, a]));
}

/** @param {string[]} list */
function some(list, max = 3) {
  return list.length <= max ? list.join('; ') : `${list.slice(0, max).join('; ')} … (+${list.length - max})`;
}

/** Wait from send until the ledger invocation that applied it started, per message, ms. @param {any} r */
function waits(r) {
  const sentAt = new Map(r.where('sent', 'ledger.fifo').map((/** @type {any} */ s) => [s.id, s.t]));
  /** @type {Map<string, number>} */
  const appliedAt = new Map();
  for (const inv of r.where('invoked', 'ledger')) {
    for (const id of String(inv.cause ?? '').split(',')) if (!appliedAt.has(id)) appliedAt.set(id, inv.t);
  }
  const out = [];
  for (const [id, t] of appliedAt) if (sentAt.has(id)) out.push(t - sentAt.get(id));
  return out.sort((a, b) => a - b);
}

/** Virtual time in seconds, to the millisecond. @param {number} ms */
const secs = (ms) => `${(ms / 1000).toFixed(3)} s`;

/**
 * The sends of each transaction to ledger.fifo (accepted ones), with their group and deduplication ids.
 * @param {any} r
 */
function sendsOf(r) {
  /** @type {Map<string, any[]>} */
  const out = new Map();
  for (const rec of r.where('sent', 'ledger.fifo')) {
    let tx;
    try {
      tx = JSON.parse(String(rec.detail?.body ?? '')).txId;
    } catch {
      continue;
    }
    out.set(tx, [...(out.get(tx) ?? []), rec]);
  }
  return out;
}

/**
 * Why a transaction that reached the ledger is missing from its account: the invocation that applied
 * it wrote the account, and another ledger invocation that had read the account before that write
 * wrote it after (a lost update: two batches of one account at once). A sentence, or undefined.
 * @param {any} r @param {any} tx
 */
function overwritten(r, tx) {
  const sent = sendsOf(r).get(tx.txId) ?? [];
  const msgIds = new Set(sent.map((m) => m.id));
  const inv = r.where('invoked', 'ledger').find((/** @type {any} */ i) => String(i.cause ?? '').split(',').some((id) => msgIds.has(id)));
  if (!inv) return undefined;
  const touches = r.records.filter((/** @type {any} */ x) => x.resource === 'accounts' && String(x.id) === tx.accountId && (x.kind === 'read' || x.kind === 'written'));
  const writes = touches.filter((/** @type {any} */ x) => x.kind === 'written' && x.cause === inv.id);
  for (const w of writes) {
    const readBefore = touches.filter((/** @type {any} */ x) => x.kind === 'read' && x.cause !== inv.id && x.seq < w.seq);
    for (const rd of readBefore) {
      const later = touches.find((/** @type {any} */ x) => x.kind === 'written' && x.cause === rd.cause && x.seq > w.seq);
      // The other invocation's read came after any write of its own before it, so it read the account without this one's line.
      if (later && !touches.some((/** @type {any} */ x) => x.kind === 'written' && x.cause === rd.cause && x.seq > rd.seq && x.seq < w.seq)) {
        const groups = [...new Set(r.sent('ledger.fifo').filter((m) => /** @type {any} */ (m.value)?.accountId === tx.accountId).map((m) => m.groupId))];
        return `${tx.txId} reached the ledger (${inv.id} wrote ${tx.accountId} with it at ${secs(w.t)}), but ${rd.cause} had read ${tx.accountId} at ${secs(rd.t)}, before that write, and wrote it back at ${secs(later.t)}, replacing it: two batches of one account ran at once${groups.length > 1 ? ` because its transactions were in ${groups.length} message groups (${groups.slice(0, 3).map((g) => `"${g}"`).join(', ')})` : ''}. One group per account also means one batch per account at a time.`;
      }
    }
  }
  return undefined;
}

/**
 * Sends of the teller that were not awaited: how many, the line, and how many never happened.
 * @param {any} r
 */
function tellerNotAwaited(r) {
  const done = new Set(r.where('call-done', 'teller').map((/** @type {any} */ x) => `${x.detail?.env}#${x.detail?.callId}`));
  const pending = r.where('call-pending', 'teller').filter((/** @type {any} */ x) => x.detail?.call === 'send' && x.detail?.target === 'ledger.fifo');
  return { pending: pending.length, never: pending.filter((/** @type {any} */ x) => !done.has(`${x.detail?.env}#${x.detail?.callId}`)).length, line: pending[0]?.detail?.location?.line };
}

/**
 * Why a transaction was applied twice: sent twice with different deduplication ids (named), or sent
 * once and applied by two ledger invocations.
 * @param {any} r @param {Map<string, any>} accts
 */
function twiceWhy(r, accts) {
  const sends = sendsOf(r);
  for (const a of accts.values()) {
    const seen = new Map();
    for (const l of a.statement ?? []) seen.set(l.txId, (seen.get(l.txId) ?? 0) + 1);
    for (const [tx, n] of seen) {
      if (n < 2) continue;
      const list = sends.get(tx) ?? [];
      const ids = [...new Set(list.map((m) => String(m.detail?.deduplicationId)))];
      if (list.length > 1 && ids.length > 1)
        return `Transactions were applied twice: the topic delivered ${tx} twice, and the teller sent it twice with different deduplication ids (${ids.slice(0, 2).map((x) => `"${x}"`).join(' and ')}, at ${secs(list[0].t)} and ${secs(list[1].t)}), so the queue could not tell they were the same. The id must identify the transaction, not the attempt.`;
      if (list.length === 1) return `${tx} was sent to ledger.fifo once (${list[0].id}) but applied ${n} times: the ledger handled its message more than once (a batch that failed or timed out comes back whole).`;
    }
  }
  return 'Transactions were applied twice: when the topic delivered one twice, the teller sent it twice with different deduplication ids, so the queue could not tell they were the same.';
}

module.exports = [
  {
    id: 'balances-correct',
    title: 'Every transaction is applied exactly once: balances are right',
    hint: 'The topic delivered some transactions twice, so the teller ran twice for them. Two sends of the same transaction must look the same to the FIFO queue.',
    section: 'deduplication-exactly-once-sending',
    /** @param {any} r */
    run(r) {
      const txs = transactions(r);
      const accts = accounts(r);
      /** @type {Map<string, number>} */
      const expected = new Map();
      for (const tx of txs.values()) expected.set(tx.accountId, (expected.get(tx.accountId) ?? 0) + (tx.type === 'deposit' ? tx.amount : -tx.amount));
      /** @type {string[]} */
      const wrong = [];
      let twice = 0;
      let missing = 0;
      for (const [id, balance] of expected) {
        const a = accts.get(id);
        const lines = a?.statement ?? [];
        const seen = new Map();
        for (const l of lines) seen.set(l.txId, (seen.get(l.txId) ?? 0) + 1);
        const dup = [...seen].filter(([, n]) => n > 1).map(([t]) => t);
        const gone = [...txs.values()].filter((t) => t.accountId === id && !seen.has(t.txId)).length;
        twice += dup.length;
        missing += gone;
        if (!a || a.balance !== balance) wrong.push(`${id}: ${a ? a.balance : 'no account'} instead of ${balance}${dup.length ? ` (${dup.slice(0, 2).join(', ')} applied twice)` : ''}${gone ? ` (${gone} never applied)` : ''}`);
      }
      // Sends ledger.fifo dropped as duplicates of an earlier message: which transaction each one carried.
      const firstTx = new Map(r.sent('ledger.fifo').map((m) => [m.id, /** @type {any} */ (m.value)?.txId]));
      const applied = new Set([...accts.values()].flatMap((a) => (a.statement ?? []).map((/** @type {any} */ l) => l.txId)));
      const swallowed = r.dropped('ledger.fifo').filter((d) => {
        const tx = /** @type {any} */ (d.value)?.txId;
        return tx !== undefined && tx !== firstTx.get(d.firstMessageId) && !applied.has(tx);
      });
      const tellerFailed = r.where('failed', 'teller');
      const neverApplied = [...txs.values()].filter((t) => !applied.has(t.txId));
      const sends = sendsOf(r);
      const neverSent = neverApplied.filter((t) => !sends.has(t.txId));
      const frozen = tellerNotAwaited(r);
      const lostUpdate = neverApplied.filter((t) => sends.has(t.txId)).slice(0, 20).map((t) => overwritten(r, t)).find((x) => x !== undefined);
      let missingWhy = `Some transactions never reached the ledger (${neverApplied.slice(0, 3).map((t) => t.txId).join(', ')}).`;
      if (lostUpdate) missingWhy = `Transactions were lost from their accounts: ${lostUpdate}`;
      else if (frozen.never && neverSent.length)
        missingWhy = `${neverSent.length} transactions never reached ledger.fifo (e.g. ${neverSent[0].txId}): the teller's send was not awaited${frozen.line ? ` (line ${frozen.line})` : ''} — ${frozen.pending} sends were still in flight when the handler returned and froze with the environment, ${frozen.never} of them never happened.`;
      else if (swallowed.length) {
        const d = swallowed[0];
        missingWhy = `${swallowed.length} transactions were dropped by ledger.fifo as duplicates of OTHER transactions: e.g. the send of ${/** @type {any} */ (d.value).txId} carried deduplication id "${d.deduplicationId}", already used within 5 minutes by ${d.firstMessageId} (${firstTx.get(d.firstMessageId) ?? 'another transaction'}), so the queue answered with that message's id and delivered nothing new. The deduplication id must identify the transaction itself.`;
      } else if (tellerFailed.length) missingWhy = `Some transactions never reached the ledger: the teller failed ${tellerFailed.length} times (first: ${String(tellerFailed[0].detail?.error)}).`;
      return {
        pass: txs.size > 0 && wrong.length === 0 && twice === 0 && missing === 0,
        expected: `${expected.size} accounts with balances matching the ${txs.size} published transactions, each applied once`,
        actual: wrong.length || twice || missing ? `${wrong.length} wrong balances (${some(wrong)}); ${twice} transactions applied twice; ${missing} never applied` : `all ${expected.size} balances right; ${r.summary.queues['ledger.fifo'].sent} messages accepted, ${r.count('deduplicated', 'ledger.fifo')} repeats dropped by deduplication`,
        message:
          twice > 0
            ? twiceWhy(r, accts)
            : missing > 0
              ? r.summary.queues['ledger.fifo'].visible + r.summary.queues['ledger.fifo'].inFlight > 0
                ? `Some transactions were still waiting in ledger.fifo when the run ended (${r.summary.queues['ledger.fifo'].visible + r.summary.queues['ledger.fifo'].inFlight}): the ledger could not keep up.`
                : missingWhy
              : 'Some balances do not match the transactions.',
      };
    },
  },
  {
    id: 'order-per-account',
    title: "Each account's transactions are applied in the order they were sent",
    hint: 'The queue only keeps order inside one message group, and hands different groups out in parallel (even when a batch has to be retried).',
    section: 'message-groups-order-where-it-matters',
    /** @param {any} r */
    run(r) {
      const accts = accounts(r);
      /** @type {string[]} */
      const broken = [];
      let lines = 0;
      for (const a of accts.values()) {
        const st = a.statement ?? [];
        lines += st.length;
        for (let i = 1; i < st.length; i++) {
          if (st[i].seq < st[i - 1].seq) {
            broken.push(`${a.accountId}: ${st[i].txId} (sent #${Number(st[i].seq)}) applied after ${st[i - 1].txId} (sent #${Number(st[i - 1].seq)})`);
            break;
          }
        }
      }
      const sent = r.sent('ledger.fifo');
      const groups = new Set(sent.map((m) => m.groupId));
      /** @type {Map<string, Set<string | undefined>>} account → the message groups its transactions used */
      const groupsOf = new Map();
      for (const m of sent) {
        const account = /** @type {any} */ (m.value)?.accountId;
        if (typeof account !== 'string') continue;
        groupsOf.set(account, (groupsOf.get(account) ?? new Set()).add(m.groupId));
      }
      const split = [...groupsOf].filter(([, g]) => g.size > 1);
      return {
        pass: lines > 0 && broken.length === 0,
        expected: 'in every account statement, transactions in the order the queue accepted them',
        actual: lines === 0 ? 'no transaction was applied' : `${broken.length} of ${accts.size} accounts out of order${broken.length ? ` (${some(broken, 2)})` : ''}; ${groups.size} message groups used for ${accts.size} accounts`,
        message:
          lines === 0
            ? 'The ledger applied nothing: every send to ledger.fifo failed or was never made.'
            : split.length
              ? `Transactions of one account overtook each other: ${split[0][0]}'s transactions were sent in ${split[0][1].size} different message groups (${groups.size} groups in all), and the queue keeps order only inside one group — when a batch had to wait for its retry, later ones of the same account went ahead.`
              : `Transactions of one account were applied out of order although each account used one message group (${some(broken, 1)}): the ledger did not apply them in the order the queue handed them out.`,
      };
    },
  },
  {
    id: 'accounts-independent',
    title: 'Accounts do not wait for each other: the median transaction is applied within 1 s',
    hint: 'Order inside a group has a price: one batch of a group at a time. How much of the bank really needs to be in one line?',
    section: 'message-groups-order-where-it-matters',
    /** @param {any} r */
    run(r) {
      const w = waits(r);
      if (w.length === 0) return { pass: false, expected: 'median wait ≤ 1 s', actual: 'no transaction was applied', message: 'The ledger applied nothing.' };
      const p50 = w[Math.min(w.length - 1, Math.ceil(0.5 * w.length) - 1)];
      const waiting = r.summary.queues['ledger.fifo'].visible + r.summary.queues['ledger.fifo'].inFlight;
      const max = w[w.length - 1];
      const groups = new Set(r.where('sent', 'ledger.fifo').map((/** @type {any} */ s) => s.detail?.groupId)).size;
      return {
        pass: p50 <= 1000 && waiting === 0,
        expected: 'median wait from send to applied ≤ 1 s, nothing left waiting at the end',
        actual: `median ${(p50 / 1000).toFixed(1)} s, max ${(max / 1000).toFixed(1)} s over ${w.length} transactions, with ${groups} message group${groups === 1 ? '' : 's'}${waiting ? `; ${waiting} still waiting in ledger.fifo at the end` : ''}`,
        message: `Transactions queued up (median ${(p50 / 1000).toFixed(0)} s): with ${groups} message group${groups === 1 ? '' : 's'}, the ledger can work on only ${groups === 1 ? 'one batch at a time' : 'a few batches at a time'}, behind every other account's transactions.`,
      };
    },
  },
];
