// Plans the piece up front with the worst case (100 ms a row), hands the rest on FIRST, then imports.
import { send, tablePut, work, type SQSEvent, type Context } from 'serverless-lab';

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

const WORST = 100;
const RESERVE = 800;

export async function handler(event: SQSEvent, context: Context) {
  for (const rec of event.Records) {
    const { jobId, rows, nextRow = 0 } = JSON.parse(rec.body) as { jobId: string; rows: number; nextRow?: number };
    const fits = Math.max(1, Math.floor((context.getRemainingTimeInMillis() - RESERVE) / WORST));
    const stop = Math.min(rows, nextRow + fits);
    if (stop < rows) await send('import-jobs', { jobId, rows, nextRow: stop });
    for (let i = nextRow; i < stop; i++) await importRow(jobId, i);
  }
}
