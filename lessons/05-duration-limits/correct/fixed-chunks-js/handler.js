// Fan-out up front, in JavaScript: the first message of a file becomes six chunks of 50 rows,
// each well inside the timeout (at most 5 s of rows).
import { send, tablePut, work } from 'serverless-lab';

const CHUNK = 50;

async function importRow(jobId, row) {
  await work(40 + ((row * 37) % 60));
  await tablePut('customers', { id: `${jobId}#${row}`, jobId, row });
}

export async function handler(event) {
  for (const { body } of event.Records) {
    const msg = JSON.parse(body);
    if (msg.chunk === undefined) {
      for (let start = 0; start < msg.rows; start += CHUNK) {
        await send('import-jobs', { jobId: msg.jobId, rows: msg.rows, chunk: { start, end: Math.min(msg.rows, start + CHUNK) } });
      }
      continue;
    }
    for (let row = msg.chunk.start; row < msg.chunk.end; row++) await importRow(msg.jobId, row);
  }
}
