// Computes a deadline once (Date.now() + remaining - margin) and compares the clock to it.
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

interface Job { jobId: string; rows: number; nextRow?: number }

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export const handler: Handler<SQSEvent> = async (event, context) => {
  const deadline = Date.now() + context.getRemainingTimeInMillis() - 1500;
  for (const record of event.Records) {
    const job: Job = JSON.parse(record.body);
    let next = job.nextRow ?? 0;
    for (; next < job.rows; next++) {
      if (Date.now() >= deadline) break;
      await importRow(job.jobId, next);
    }
    if (next < job.rows) await send('import-jobs', { ...job, nextRow: next });
  }
};
