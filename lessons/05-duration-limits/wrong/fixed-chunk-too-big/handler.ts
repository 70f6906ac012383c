// Splits the job into chunks of 150 rows ("half a file per invocation should be fine").
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

const CHUNK = 150;

export const handler: Handler<SQSEvent> = async (event) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body) as Job;
    const start = job.nextRow ?? 0;
    const end = Math.min(job.rows, start + CHUNK);
    for (let row = start; row < end; row++) await importRow(job.jobId, row);
    if (end < job.rows) await send('import-jobs', { ...job, nextRow: end });
  }
};
