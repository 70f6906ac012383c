// Chains small fixed pieces of 15 rows ("small is safe"): 20 pieces per file.
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

interface Job { jobId: string; rows: number; nextRow?: number }

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export const handler: Handler<SQSEvent> = async (event) => {
  for (const record of event.Records) {
    const job: Job = JSON.parse(record.body);
    const from = job.nextRow ?? 0;
    const to = Math.min(job.rows, from + 15);
    for (let row = from; row < to; row++) await importRow(job.jobId, row);
    if (to < job.rows) await send('import-jobs', { ...job, nextRow: to });
  }
};
