// Continues with its own message shape ({ file, from }) and budgets each row at its worst case.
import { send, tablePut, work, type Handler } from 'serverless-lab';

type Upload = { jobId: string; rows: number };
type Continuation = { file: Upload; from: number };

const WORST_ROW_MS = 100;
const MARGIN_MS = 700;

async function importRow(jobId: string, row: number): Promise<void> {
  await work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export const handler: Handler<{ Records: { body: string }[] }> = async (event, context) => {
  for (const record of event.Records) {
    const parsed = JSON.parse(record.body) as Upload | Continuation;
    const { file, from } = 'file' in parsed ? parsed : { file: parsed, from: 0 };
    let row = from;
    while (row < file.rows && context.getRemainingTimeInMillis() - WORST_ROW_MS > MARGIN_MS) await importRow(file.jobId, row++);
    if (row < file.rows) await send('import-jobs', { file, from: row } satisfies Continuation);
  }
};
