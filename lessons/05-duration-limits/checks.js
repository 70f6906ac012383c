// @ts-check
// Checks for "Duration limits": a job longer than the function's timeout is split into pieces
// that each finish in time, chained through a queue, until every row is imported.

const FN = 'importer';
const QUEUE = 'import-jobs';
const DLQ = 'import-jobs-dlq';
const TABLE = 'customers';
const JOBS_FROM = 'uploads';
const ROWS_PER_JOB = 300;

/**
 * Rows imported by invocations that FINISHED. The lab runs a handler's code at the instant its
 * invocation starts, so a timed-out invocation's writes are in the table; in the real service the
 * invocation is stopped at the timeout, part-way through. Its writes are not counted here.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function importedRows(r) {
  const finished = new Set(r.where('succeeded', FN).map((rec) => rec.id));
  const timedOut = new Set(r.where('timed-out', FN).map((rec) => rec.id));
  /** @type {Map<string, number>} key → writes by finished invocations */
  const good = new Map();
  let byTimedOut = 0;
  for (const w of r.where('written', TABLE)) {
    if (w.cause !== undefined && finished.has(w.cause)) good.set(String(w.id), (good.get(String(w.id)) ?? 0) + 1);
    else if (w.cause !== undefined && timedOut.has(w.cause)) byTimedOut++;
  }
  return { good, byTimedOut };
}

/** What importRow declares for a row (the page says not to change it): 40–100 ms. @param {number} row */
const rowCostMs = (row) => 40 + ((row * 37) % 60);

/**
 * Per job: the rows imported by finished invocations, and the continuations the importer sent for it.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function jobProgress(r) {
  const finished = new Set(r.where('succeeded', FN).map((rec) => rec.id));
  /** @type {Map<string, Set<number>>} */
  const rows = new Map();
  for (const w of r.where('written', TABLE)) {
    if (w.cause === undefined || !finished.has(w.cause)) continue;
    const m = /^(.*)#(\d+)$/.exec(String(w.id));
    if (!m) continue;
    const set = rows.get(m[1]) ?? new Set();
    set.add(Number(m[2]));
    rows.set(m[1], set);
  }
  const importer = new Set(r.where('invoked', FN).map((rec) => rec.id));
  /** @type {Map<string, number>} continuations sent per job */
  const handedOn = new Map();
  for (const m of r.sent(QUEUE)) {
    if (m.cause === undefined || !importer.has(m.cause)) continue;
    const job = /** @type {any} */ (m.value)?.jobId ?? /job-\d+/.exec(m.body)?.[0];
    if (typeof job === 'string') handedOn.set(job, (handedOn.get(job) ?? 0) + 1);
  }
  return { rows, handedOn };
}

/** "0–119, 121–299" @param {number[]} sorted */
function ranges(sorted) {
  const out = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    out.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

function expectedJobs(r) {
  const n = r.where('request', JOBS_FROM).length;
  return Array.from({ length: n }, (_, i) => `job-${i + 1}`);
}

module.exports = [
  {
    id: 'no-timeouts',
    title: 'No invocation hits the 10 s timeout',
    hint: 'context.getRemainingTimeInMillis() tells you how much time is left; stop early enough that the slowest row and the invocation\'s overhead still fit.',
    section: 'what-a-timeout-does-to-queued-work',
    run(r) {
      const fn = r.summary.functions[FN];
      const timeouts = fn?.timedOut ?? 0;
      const durations = r.where('succeeded', FN).map((rec) => Number(rec.detail?.durationMs ?? 0));
      const longest = durations.length ? Math.max(...durations) : 0;
      const pass = (fn?.invoked ?? 0) > 0 && timeouts === 0;
      return {
        pass,
        expected: '0 timed-out invocations (timeout 10 s)',
        actual: `${timeouts} timed out of ${fn?.invoked ?? 0} invocations; ${durations.length ? `longest finished invocation ${(longest / 1000).toFixed(2)} s` : 'none finished'}`,
        message: pass
          ? `Every invocation finished in time (the longest took ${(longest / 1000).toFixed(2)} s of the 10 s allowed).`
          : `${timeouts} invocations were stopped at the 10 s timeout: a fixed amount of work, or stopping only when no time is left at all, does not fit — rows take 40–100 ms and the invocation has its own overhead. A timed-out job comes back after the 60 s visibility timeout and fails again.`,
      };
    },
  },
  {
    id: 'every-row-imported',
    title: `Every row of every file is imported (${ROWS_PER_JOB} per file)`,
    hint: 'When an invocation stops early, who will import the rest? Put a message on the queue that says where to continue.',
    section: 'three-ways-to-split',
    run(r) {
      const jobs = expectedJobs(r);
      const { good, byTimedOut } = importedRows(r);
      const perJob = jobs.map((job) => {
        let n = 0;
        for (let row = 0; row < ROWS_PER_JOB; row++) if (good.has(`${job}#${row}`)) n++;
        return { job, n };
      });
      const total = perJob.reduce((s, x) => s + x.n, 0);
      const want = jobs.length * ROWS_PER_JOB;
      const pass = jobs.length > 0 && total === want;
      const dlq = r.summary.queues[DLQ]?.sent ?? 0;
      let message = `All ${want} rows of ${jobs.length} files were imported.`;
      if (!pass) {
        message = `Only ${total} of ${want} rows were imported by invocations that finished (${perJob.map((x) => `${x.job}: ${x.n}`).join(', ')}).`;
        if (byTimedOut) message += ` ${byTimedOut} writes came from invocations that timed out: the real service stops them part-way, so they are not counted.`;
        if (dlq) message += ` ${dlq} jobs ended in the dead-letter queue.`;
        const repeated = [...good.values()].some((n) => n > 1);
        // Where the rows went missing, job by job: skipped in the middle, or a tail never handed on.
        const { rows, handedOn } = jobProgress(r);
        const skipped = [];
        const tails = [];
        for (const job of jobs) {
          const done = rows.get(job) ?? new Set();
          const missing = [];
          for (let row = 0; row < ROWS_PER_JOB; row++) if (!done.has(row)) missing.push(row);
          if (!missing.length) continue;
          const last = Math.max(-1, ...done);
          const inside = missing.filter((row) => row < last);
          if (inside.length) skipped.push(`${job}: rows ${ranges(inside)} (${inside.length}) skipped, although later rows were imported`);
          else tails.push({ job, from: missing[0], sent: handedOn.get(job) ?? 0 });
        }
        if (skipped.length)
          message += ` Rows were skipped between pieces: ${skipped.slice(0, 2).join('; ')}. A continuation must start exactly at the first row the previous piece did not import.`;
        else if (!byTimedOut && !dlq && repeated) message += ' The same first rows are imported again and again: each hand-over starts the file from the beginning.';
        else if (!byTimedOut && !dlq && tails.length) {
          const never = tails.filter((x) => x.sent === 0);
          message += never.length
            ? ` ${never.map((x) => `${x.job} stopped at row ${x.from}`).join(', ')}, and no message was sent to ${QUEUE} for ${never.length === 1 ? 'it' : 'them'}: the rest of the job was never handed on.`
            : ` ${tails.map((x) => `${x.job} stopped at row ${x.from} after ${x.sent} continuation(s)`).join(', ')}: the last continuation did not import the rest.`;
        }
      }
      return {
        pass,
        expected: `${want} rows (${jobs.length} files × ${ROWS_PER_JOB})`,
        actual: `${total} rows imported by finished invocations`,
        message,
      };
    },
  },
  {
    id: 'each-row-once',
    title: 'No row is imported twice',
    hint: 'The message you send must carry the progress made so far, so the next invocation starts where this one stopped.',
    section: 'three-ways-to-split',
    run(r) {
      const { good } = importedRows(r);
      let twice = 0;
      let most = 0;
      for (const n of good.values()) {
        if (n > 1) twice++;
        most = Math.max(most, n);
      }
      const pass = good.size > 0 && twice === 0;
      const timeouts = r.summary.functions[FN]?.timedOut ?? 0;
      let message = 'Every row was imported exactly once: each piece continued where the previous one stopped.';
      if (good.size === 0) message = 'No row was imported by an invocation that finished.';
      else if (!pass && timeouts)
        message = `${twice} rows were imported more than once (up to ${most} times): after a timeout the job's message comes back and is processed again, redoing rows that were already written.`;
      else if (!pass)
        message = `${twice} rows were imported more than once (up to ${most} times): the job is being restarted from the beginning instead of continuing where the last invocation stopped.`;
      return {
        pass,
        expected: 'each row written once',
        actual: `${good.size} rows written, ${twice} of them more than once (up to ${most} times)`,
        message,
      };
    },
  },
  {
    id: 'rows-cost-what-they-cost',
    title: 'Each row takes the time importRow declares (40–100 ms): the work is split, not shrunk',
    hint: 'Leave importRow as it is: the exercise is to split a job that does not fit, not to make it fit.',
    section: 'exercise-import-a-customer-file',
    run(r) {
      const finished = new Map(r.invocations(FN).filter((i) => i.outcome === 'succeeded').map((i) => [i.id, i]));
      const durations = new Map(r.where('succeeded', FN).map((rec) => [rec.id, Number(rec.detail?.durationMs ?? 0)]));
      /** @type {Map<string, number[]>} invocation → rows it wrote */
      const byInvocation = new Map();
      for (const w of r.where('written', TABLE)) {
        if (w.cause === undefined || !finished.has(w.cause)) continue;
        const m = /#(\d+)$/.exec(String(w.id));
        if (!m) continue;
        byInvocation.set(w.cause, [...(byInvocation.get(w.cause) ?? []), Number(m[1])]);
      }
      const cheap = [];
      let rows = 0;
      for (const [id, list] of byInvocation) {
        rows += list.length;
        const want = list.reduce((sum, row) => sum + rowCostMs(row), 0);
        const took = durations.get(id) ?? 0;
        if (took < want) cheap.push({ id, rows: list.length, took, want });
      }
      const pass = rows > 0 && cheap.length === 0;
      const c = cheap[0];
      return {
        pass,
        expected: 'every finished invocation lasted at least the 40–100 ms per row importRow declares for the rows it imported',
        actual: rows === 0 ? 'no row was imported by a finished invocation' : `${cheap.length} of ${byInvocation.size} invocations finished faster than their rows cost${c ? ` (e.g. ${c.rows} rows in ${(c.took / 1000).toFixed(2)} s where they take ${(c.want / 1000).toFixed(2)} s)` : ''}`,
        message: pass
          ? 'Every row cost its 40–100 ms: the job was split, not shortened.'
          : rows === 0
            ? 'No row was imported by an invocation that finished.'
            : `importRow was changed: an invocation imported ${c.rows} rows in ${(c.took / 1000).toFixed(2)} s, but those rows take ${(c.want / 1000).toFixed(2)} s (40–100 ms each). A real import does not get faster because the timeout is short: split the job instead.`,
      };
    },
  },
  {
    id: 'queue-drained',
    title: 'Every job finishes: the queue is empty and nothing is dead-lettered',
    hint: 'A job that times out three times goes to the dead-letter queue; a job that is re-sent forever never leaves the queue.',
    section: 'what-a-timeout-does-to-queued-work',
    run(r) {
      const q = r.summary.queues[QUEUE];
      const dlq = r.summary.queues[DLQ];
      const left = (q?.visible ?? 0) + (q?.inFlight ?? 0) + (q?.delayed ?? 0);
      const dead = (dlq?.sent ?? 0);
      const pass = !!q && q.sent > 0 && left === 0 && dead === 0 && r.summary.lost === 0;
      return {
        pass,
        expected: `0 messages left in ${QUEUE}, 0 in ${DLQ}, 0 lost`,
        actual: `${q?.sent ?? 0} messages sent to ${QUEUE} (jobs and continuations), ${left} still there, ${dead} dead-lettered, ${r.summary.lost} lost`,
        message: pass
          ? `Done: ${q?.sent} messages (the jobs and their continuations) all processed.`
          : dead
            ? `${dead} jobs were dead-lettered after failing 3 times.`
            : `${left} messages are still in ${QUEUE} at the end of the run: some job never finishes.`,
      };
    },
  },
];
