// Forgets to await the hand-over.
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

interface Job { jobId: string; rows: number; nextRow?: number }

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export const handler: Handler<SQSEvent> = async (event, context) => {
  for (const record of event.Records) {
    const job: Job = JSON.parse(record.body);
    let row = job.nextRow ?? 0;
    while (row < job.rows && context.getRemainingTimeInMillis() > 1000) await importRow(job.jobId, row++);
    if (row < job.rows) send('import-jobs', { ...job, nextRow: row });
  }
};
