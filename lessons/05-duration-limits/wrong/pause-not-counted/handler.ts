// Spares the customer database with a 40 ms pause after every row, and budgets each piece by the
// rows' own cost: at most 100 ms a row, 9 s of rows. But waiting is the invocation's time too: the
// pauses (and the table's answers) come on top of the budget, and the piece runs into the timeout.
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

const PAUSE_MS = 40;
const SLOWEST_ROW_MS = 100;
const BUDGET_MS = 9000;

export const handler: Handler<SQSEvent> = async (event) => {
  for (const record of event.Records) {
    const job = JSON.parse(record.body) as Job;
    let row = job.nextRow ?? 0;
    for (let spent = 0; row < job.rows && spent + SLOWEST_ROW_MS <= BUDGET_MS; spent += SLOWEST_ROW_MS) {
      await importRow(job.jobId, row++);
      await sleep(PAUSE_MS);
    }
    if (row < job.rows) await send('import-jobs', { ...job, nextRow: row });
  }
};
