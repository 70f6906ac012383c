// JavaScript: compares the method itself, not its result (getRemainingTimeInMillis without ()).
import { send, tablePut, work } from 'serverless-lab';

async function importRow(jobId, row) {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export const handler = async (event, context) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body);
    let row = job.nextRow ?? 0;
    while (row < job.rows && context.getRemainingTimeInMillis > 1000) await importRow(job.jobId, row++);
    if (row < job.rows) await send('import-jobs', { ...job, nextRow: row });
  }
};
