// Stops in time — and returns, assuming the platform will call again for the rest.
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
    console.log(`${job.jobId}: stopped at row ${row} to avoid the timeout`);
  }
};
