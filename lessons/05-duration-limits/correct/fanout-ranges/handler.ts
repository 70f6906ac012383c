// Fan-out with a "range" string: the original job is split into ranges "a-b" of 40 rows.
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

const SIZE = 40;

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

type Msg = { jobId: string; rows: number; range?: string };

export const handler: Handler<SQSEvent> = async ({ Records }) => {
  for (const { body } of Records) {
    const m: Msg = JSON.parse(body);
    if (!m.range) {
      const sends: Promise<unknown>[] = [];
      for (let a = 0; a < m.rows; a += SIZE) sends.push(send('import-jobs', { ...m, range: `${a}-${Math.min(m.rows, a + SIZE) - 1}` }));
      await Promise.all(sends);
      continue;
    }
    const [a, b] = m.range.split('-').map(Number);
    for (let r = a; r <= b; r++) await importRow(m.jobId, r);
  }
};
