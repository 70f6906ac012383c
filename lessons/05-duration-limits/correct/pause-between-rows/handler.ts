// Spares the customer database: a 25 ms pause after every row. The pause is the invocation's time
// too (it is billed, and getRemainingTimeInMillis() goes down while it waits), so checking the time
// left before each row still stops each piece in time — it just imports fewer rows per piece.
import { setTimeout as sleep } from 'node:timers/promises';
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

interface Job {
  jobId: string;
  rows: number;
  nextRow?: number;
}

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

const PAUSE_MS = 25;
const SAFETY_MARGIN_MS = 1000;

export const handler: Handler<SQSEvent> = async (event, context) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body) as Job;
    let row = job.nextRow ?? 0;
    while (row < job.rows && context.getRemainingTimeInMillis() > SAFETY_MARGIN_MS) {
      await importRow(job.jobId, row++);
      await sleep(PAUSE_MS);
    }
    if (row < job.rows) await send('import-jobs', { ...job, nextRow: row });
  }
};
