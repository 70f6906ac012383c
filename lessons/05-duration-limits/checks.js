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
 * Per job: the rows imported by finished invocations.
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
  return { rows };
}

/**
 * Writes by finished invocations under keys that are not importRow's "<jobId>#<row>".
 * @param {import('../../src/lessons/checks').RunView} r
 */
function strayKeys(r) {
  const finished = new Set(r.where('succeeded', FN).map((rec) => rec.id));
  const stray = r.where('written', TABLE).filter((w) => w.cause !== undefined && finished.has(w.cause) && !/^job-\d+#\d+$/.test(String(w.id)));
  return { count: stray.length, example: stray.length ? String(stray[0].id) : '' };
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

/** The job a message or key belongs to ("job-2"), whatever the layout around it. @param {string} text */
const jobIn = (text) => /job-\d+/.exec(text)?.[0];

/**
 * The pieces each job was imported in, from the trace: every importer invocation with the messages it
 * handled, the rows it wrote (per job), the messages it sent and the sends it did not await.
 * @param {import('../../src/lessons/checks').RunView} r
 */
function pieceModel(r) {
  /** @type {Map<string, {id: string, t: number, body: string, value: unknown, cause?: string, job?: string}>} */
  const messages = new Map();
  for (const m of r.sent(QUEUE)) messages.set(m.id, { ...m, job: jobIn(m.body) });
  const done = new Set(r.where('call-done', FN).map((x) => `${x.detail?.env}#${x.detail?.callId}`));
  /** @type {Map<string, any>} */
  const byId = new Map();
  for (const inv of r.invocations(FN)) {
    const msgs = (inv.cause ?? '').split(',').filter((id) => messages.has(id));
    byId.set(inv.id, { ...inv, msgs, rows: new Map(), sent: [], frozen: [] });
  }
  for (const w of r.where('written', TABLE)) {
    const p = w.cause === undefined ? undefined : byId.get(w.cause);
    const m = /^(.*)#(\d+)$/.exec(String(w.id));
    if (!p || !m) continue;
    p.rows.set(m[1], [...(p.rows.get(m[1]) ?? []), Number(m[2])]);
  }
  for (const m of messages.values()) if (m.cause !== undefined) byId.get(m.cause)?.sent.push(m);
  for (const c of r.where('call-pending', FN)) {
    if (c.detail?.target !== QUEUE || c.id === undefined) continue;
    byId.get(c.id)?.frozen.push({ line: /** @type {any} */ (c.detail?.location)?.line, done: done.has(`${c.detail?.env}#${c.detail?.callId}`) });
  }
  const loops = r.where('loop-detected', FN).map((x) => ({ id: String(x.id), msgs: String(x.cause ?? '').split(','), depth: Number(x.detail?.depth ?? 16), chain: String(x.detail?.chain ?? '') }));
  /** The pieces of a job, in the order they started: invocations that handled one of its messages or wrote one of its rows. @param {string} job */
  const of = (job) =>
    [...byId.values()]
      .filter((p) => p.rows.has(job) || p.msgs.some((/** @type {string} */ id) => messages.get(id)?.job === job))
      .map((p) => ({ ...p, mine: [...(p.rows.get(job) ?? [])].sort((a, b) => a - b) }))
      .sort((a, b) => a.t - b.t);
  return { messages, byId, of, loops };
}

/** "req-3 rows 120–239" / "req-4 (no row)" @param {{id: string, mine: number[]}} p */
const pieceText = (p) => `${p.id} ${p.mine.length ? `rows ${ranges(p.mine)}` : '(no row)'}`;

/** The pieces of a job as a short list. @param {{id: string, mine: number[]}[]} list */
const piecesText = (list) => (list.length > 6 ? [...list.slice(0, 5).map(pieceText), `… ${list.length - 5} more`] : list.map(pieceText)).join(', ');

/**
 * Why the tail of a job (rows from `from` on) was never imported, from its pieces and the messages sent for it.
 * @param {ReturnType<typeof pieceModel>} model @param {string} job @param {number} from
 */
function whyTailMissing(model, job, from) {
  const pieces = model.of(job).filter((p) => p.outcome === 'succeeded');
  const forJob = [...model.messages.values()].filter((m) => m.job === job);
  const original = forJob.find((m) => !model.byId.has(m.cause ?? ''));
  const handedOn = forJob.filter((m) => model.byId.has(m.cause ?? ''));
  const head = `${job} stopped at row ${from} (pieces: ${piecesText(pieces)})`;
  // A continuation whose piece imported nothing: the message did not say what to do.
  const idle = pieces.filter((p) => p.mine.length === 0 && p.msgs.some((/** @type {string} */ id) => handedOn.some((m) => m.id === id)));
  if (idle.length) {
    const p = idle[0];
    const m = /** @type {any} */ (model.messages.get(p.msgs.find((/** @type {string} */ id) => model.messages.get(id)?.job === job) ?? ''));
    const ov = /** @type {any} */ (original?.value);
    const cv = /** @type {any} */ (m?.value);
    const lost = ov && typeof ov === 'object' && cv && typeof cv === 'object' ? Object.keys(ov).filter((k) => !(k in cv)) : [];
    const again = handedOn.filter((x) => x.cause !== undefined && idle.some((q) => q.id === x.cause)).length;
    const took = p.end !== undefined ? ` and ended after ${((p.end - p.t) / 1000).toFixed(2)} s of its 10 s without importing a row` : ' and imported no row';
    const then = again ? `, then handed the same work on again (${again} such message(s))` : ', and sent nothing';
    const why = lost.length
      ? `: the continuation lacks ${lost.map((k) => `\`${k}\``).join(', ')} that the job message ${original?.body.slice(0, 80)} had — it must carry everything the next piece needs.`
      : `: the message carries every field the job message had, so the test that decides whether another row fits was false before the first row.`;
    return `${head}: ${idle.length} piece(s) got a continuation and imported nothing — ${p.id} got ${m?.id} ${m?.body.slice(0, 120)}${took}${then}${why}${loopText(model, job)}`;
  }
  const loops = model.loops.filter((l) => l.msgs.some((id) => model.messages.get(id)?.job === job));
  if (loops.length) {
    const l = loops[0];
    const full = pieces.filter((p) => p.mine.length);
    const size = full.length ? Math.round(full.reduce((n, p) => n + p.mine.length, 0) / full.length) : 0;
    return `${head}: its chain of hand-overs reached ${l.depth} invocations of ${FN}, and Lambda's recursive loop detection stopped the next one (${l.id}, for ${l.msgs[0]}; ${loops.length} stop(s) in all): to Lambda, a function that keeps sending to the queue that invokes it is a loop. ${size ? `Pieces of about ${size} rows need ${Math.ceil(ROWS_PER_JOB / size)} invocations per file, more than 16: ` : ''}import as many rows as fit in each piece, or fan out.`;
  }
  const last = [...pieces].reverse().find((p) => p.mine.length) ?? pieces[pieces.length - 1];
  const frozen = last?.frozen ?? [];
  if (last && frozen.length && last.sent.every((/** @type {any} */ m) => m.job !== job)) {
    const line = frozen[0].line;
    return `${head}: its last piece, ${last.id}, sent the rest of the job without awaiting it${line ? ` (line ${line})` : ''}: the handler returned with the send in flight, so it froze with the environment and ${frozen.some((/** @type {any} */ f) => f.done) ? 'went out only when that environment was used again, too late or not at all' : 'never happened'}. Await the send before returning.`;
  }
  const unhandled = handedOn.filter((m) => ![...model.byId.values()].some((p) => p.msgs.includes(m.id)));
  if (unhandled.length) return `${head}: ${unhandled.map((m) => m.id).join(', ')} sent for ${job} ${unhandled.length === 1 ? 'was' : 'were'} never handled by the end of the run.`;
  if (handedOn.length && last && last.sent.every((/** @type {any} */ m) => m.job !== job))
    return `${head}: the ${handedOn.length + (original ? 1 : 0)} messages for ${job} were all handled, but no message asked for rows ${from}–${ROWS_PER_JOB - 1}, and the last piece, ${last.id}, sent nothing: the rest of the job was never handed on.`;
  return `${head}, and no message was sent to ${QUEUE} for it: the rest of the job was never handed on.`;
}

/** What Lambda's recursive loop detection did to a job's chain, as a sentence (or ''). @param {ReturnType<typeof pieceModel>} model @param {string} job */
function loopText(model, job) {
  const loops = model.loops.filter((l) => l.msgs.some((id) => model.messages.get(id)?.job === job));
  return loops.length ? ` After ${loops[0].depth} invocations in that chain, Lambda's recursive loop detection stopped the next (${loops[0].id}).` : '';
}

/**
 * The first piece that imported rows an earlier piece of the same job had already imported, and why.
 * @param {ReturnType<typeof pieceModel>} model @param {string[]} jobs
 */
function firstOverlap(model, jobs) {
  for (const job of jobs) {
    const pieces = model.of(job).filter((p) => p.outcome === 'succeeded' && p.mine.length);
    /** @type {Map<number, string>} row → the piece that imported it first */
    const owner = new Map();
    for (const p of pieces) {
      const again = p.mine.filter((row) => owner.has(row));
      if (again.length) {
        const before = pieces.find((q) => q.id === owner.get(again[0]));
        const starts = pieces.map((q) => q.mine[0]);
        return { job, piece: p, before, again, starts };
      }
      for (const row of p.mine) owner.set(row, p.id);
    }
  }
  return undefined;
}

/** What an overlap says about the hand-over. @param {NonNullable<ReturnType<typeof firstOverlap>>} o */
function overlapText(o) {
  const { job, piece, before, again, starts } = o;
  const start = piece.mine[0];
  const shared = piece.msgs.filter((/** @type {string} */ id) => before?.msgs.includes(id));
  const lead = `${job}: ${piece.id} imported rows ${ranges(piece.mine)}, but ${before?.id} had already imported ${again.length === 1 ? `row ${again[0]}` : `rows ${ranges(again)}`} (pieces started at rows ${starts.slice(0, 8).join(', ')}${starts.length > 8 ? ', …' : ''})`;
  if (shared.length) return `${lead}: both handled the same message, ${shared[0]}, delivered twice.`;
  if (start === 0) return `${lead}: the job was restarted from the beginning instead of continuing where the last invocation stopped — the message handed on must say where to go on.`;
  const resume = Math.max(...(before?.mine ?? [start - 1])) + 1;
  const repeatsStart = starts.filter((x) => x === start).length > 1;
  return repeatsStart
    ? `${lead}: the continuations ask for row ${start} again and again instead of moving on — the message handed on still carries an old position.`
    : `${lead}: the continuation it handled starts at row ${start}, ${resume - start} row(s) before the first row ${before?.id} did not import (${resume}).`;
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
      let message = `Every invocation finished in time (the longest took ${(longest / 1000).toFixed(2)} s of the 10 s allowed).`;
      if (!pass && timeouts) {
        // The first invocation stopped: where it was in its job when the time ran out.
        const model = pieceModel(r);
        const p = [...model.byId.values()].find((x) => x.outcome === 'timed-out');
        const job = p ? [...p.rows.keys()][0] ?? model.messages.get(p.msgs[0])?.job : undefined;
        const mine = job ? [...(p.rows.get(job) ?? [])].sort((a, b) => a - b) : [];
        const where = p
          ? ` ${p.id}${job ? ` (${job})` : ''} had imported ${mine.length ? `rows ${ranges(mine)} (${mine.length})` : 'no row'} when it was stopped${p.sent.length ? '' : ', without handing anything on'}.`
          : '';
        const finished = durations.length ? ` The ${durations.length} invocation(s) that finished took up to ${(longest / 1000).toFixed(2)} s.` : ' No invocation stopped by itself in time.';
        message = `${timeouts} invocations were stopped at the 10 s timeout.${where}${finished} Check the time left before each row and stop while the slowest row (100 ms) and the invocation's overhead still fit; a timed-out job comes back after the 60 s visibility timeout and fails again.`;
      }
      return {
        pass,
        expected: '0 timed-out invocations (timeout 10 s)',
        actual: `${timeouts} timed out of ${fn?.invoked ?? 0} invocations; ${durations.length ? `longest finished invocation ${(longest / 1000).toFixed(2)} s` : 'none finished'}`,
        message,
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
        const model = pieceModel(r);
        const { rows } = jobProgress(r);
        const skipped = [];
        const tails = [];
        for (const job of jobs) {
          const done = rows.get(job) ?? new Set();
          const missing = [];
          for (let row = 0; row < ROWS_PER_JOB; row++) if (!done.has(row)) missing.push(row);
          if (!missing.length) continue;
          const last = Math.max(-1, ...done);
          const inside = missing.filter((row) => row < last);
          if (inside.length)
            skipped.push(`${job}: rows ${ranges(inside)} (${inside.length}) skipped, although later rows were imported (pieces: ${piecesText(model.of(job).filter((p) => p.outcome === 'succeeded'))})`);
          else tails.push({ job, from: missing[0] });
        }
        const overlap = repeated ? firstOverlap(model, jobs) : undefined;
        const stray = strayKeys(r);
        if (stray.count && stray.count >= want - total)
          message += ` ${stray.count} rows were written under keys like "${stray.example}", not importRow's "<jobId>#<row>" (e.g. "job-1#0"): importRow was changed — leave it as it is.`;
        else if (skipped.length)
          message += ` Rows were skipped between pieces: ${skipped.slice(0, 2).join('; ')}. A continuation must start exactly at the first row the previous piece did not import.`;
        else if (!byTimedOut && !dlq && overlap) message += ` ${overlapText(overlap)}`;
        else if (!byTimedOut && !dlq && tails.length) message += ` ${tails.slice(0, 2).map((x) => whyTailMissing(model, x.job, x.from)).join(' ')}`;
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
      else if (!pass) {
        const overlap = firstOverlap(pieceModel(r), expectedJobs(r));
        message = `${twice} rows were imported more than once (up to ${most} times)${overlap ? `. ${overlapText(overlap)}` : '.'}`;
      }
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
            ? `No row was imported by an invocation that finished${strayKeys(r).count ? ` under importRow's "<jobId>#<row>" keys (rows were written as "${strayKeys(r).example}")` : ''}.`
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
      const loopsStopped = r.count('loop-detected', FN);
      const timeouts = r.summary.functions[FN]?.timedOut ?? 0;
      const pass = !!q && q.sent > 0 && left === 0 && dead === 0 && r.summary.lost === 0;
      return {
        pass,
        expected: `0 messages left in ${QUEUE}, 0 in ${DLQ}, 0 lost`,
        actual: `${q?.sent ?? 0} messages sent to ${QUEUE} (jobs and continuations), ${left} still there, ${dead} dead-lettered, ${r.summary.lost} lost`,
        message: pass
          ? `Done: ${q?.sent} messages (the jobs and their continuations) all processed.`
          : `${dead ? `${dead} jobs were dead-lettered after failing 3 times${left ? ` and ${left} messages are still in ${QUEUE}` : ''}` : `${left} messages are still in ${QUEUE} at the end of the run: some job never finishes`}${loopsStopped ? `; Lambda's recursive loop detection stopped ${loopsStopped} invocation(s) handling them (a chain of 16 hand-overs through ${QUEUE}), so each stopped message goes back to the queue until its redrive policy moves it to ${DLQ}` : timeouts ? `; ${timeouts} invocation(s) timed out, and a timed-out job's message comes back after the 60 s visibility timeout` : ''}.`,
      };
    },
  },
];
