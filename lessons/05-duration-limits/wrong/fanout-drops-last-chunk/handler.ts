// Fan-out in 70-row chunks, counted with Math.floor: the last partial chunk is never sent.
import { send, tablePut, work, type Handler, type SQSEvent } from 'serverless-lab';

const CHUNK = 70;

async function importRow(jobId: string, row: number): Promise<void> {
  work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export const handler: Handler<SQSEvent> = async (event) => {
  for (const record of event.Records) {
    const msg = JSON.parse(record.body) as { jobId: string; rows: number; chunk?: number };
    if (msg.chunk === undefined) {
      const chunks = Math.floor(msg.rows / CHUNK);
      for (let c = 0; c < chunks; c++) await send('import-jobs', { ...msg, chunk: c });
      continue;
    }
    const start = msg.chunk * CHUNK;
    for (let row = start; row < Math.min(msg.rows, start + CHUNK); row++) await importRow(msg.jobId, row);
  }
};
