// Stops in time and re-queues the job — but re-queues it exactly as it came in.
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

export const handler: Handler<SQSEvent> = async (event, context) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body) as Job;
    let row = job.nextRow ?? 0;
    while (row < job.rows && context.getRemainingTimeInMillis() > 1000) {
      await importRow(job.jobId, row);
      row++;
    }
    if (row < job.rows) await send('import-jobs', record.body); // hand the job on to the next invocation
  }
};
