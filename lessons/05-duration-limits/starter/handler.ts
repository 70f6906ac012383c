// Imports a customer file, row by row. Each message on 'import-jobs' is
// one job:
//   { "jobId": "job-1", "rows": 300 }
// A file takes about 21 s to import, and this function's timeout is
// 10 s.
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

interface Job {
  jobId: string;
  rows: number;
  /** Where to continue (0 when absent): yours to use. */
  nextRow?: number;
}

/**
 * Import one row: parse, validate, write. Takes 40–100 ms. Don't change
 * this.
 */
async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export const handler: Handler<SQSEvent> = async (event, context) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body) as Job;

    // TODO: this loop needs ~21 s, the timeout is 10 s: the invocation
    // is killed part-way, the message comes back after the visibility
    // timeout, and the same thing happens again. Import only what fits
    // in the time left (context.getRemainingTimeInMillis()), keeping a
    // safety margin, then await send('import-jobs',
    // { ...job, nextRow }) so another invocation continues.
    for (let row = job.nextRow ?? 0; row < job.rows; row++) {
      await importRow(job.jobId, row);
    }
  }
};
