// `npm start`: serves a real VS Code (code-server) on 127.0.0.1 with Serverless Lab loaded from this
// folder and a sample workspace, and prints the URL to open. Settings, progress and the workspace are
// kept in .lab-tmp/ between runs. Ctrl+C stops it.   PORT=8080 npm start  picks the port.
// The port is kept across runs too (.lab-tmp/start/port) unless it is taken: the browser keeps the
// workbench's state per origin, so a new port would look like a fresh VS Code and break bookmarks.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort, repoRoot, startCodeServer } from '../test/harness/workbench.mjs';

const dataDir = join(repoRoot, '.lab-tmp', 'start');
const portFile = join(dataDir, 'port');

/** Whether nothing listens on 127.0.0.1:port now. */
function isFree(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

async function choosePort() {
  if (process.env.PORT) return Number(process.env.PORT);
  let remembered;
  try {
    remembered = Number(readFileSync(portFile, 'utf8').trim());
  } catch {
    remembered = undefined;
  }
  if (remembered > 0 && remembered < 65536 && (await isFree(remembered))) return remembered;
  if (remembered) console.log(`port ${remembered} (used last time) is taken; picking another one`);
  return freePort();
}

const port = await choosePort();
mkdirSync(dataDir, { recursive: true });
writeFileSync(portFile, `${port}\n`);
const server = await startCodeServer({ port, dataDir });
const url = server.url();
console.log(`\nServerless Lab is running in VS Code at:\n\n  ${url}\n\nOpen it in a browser (the Serverless Lab icon is in the activity bar). Press Ctrl+C to stop.\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
