// `npm start`: serves a real VS Code (code-server) on 127.0.0.1 with Serverless Lab loaded from this
// folder and a sample workspace, and prints the URL to open. Settings, progress and the workspace are
// kept in .lab-tmp/ between runs. Ctrl+C stops it.   PORT=8080 npm start  picks the port.
import { join } from 'node:path';
import { freePort, repoRoot, startCodeServer } from '../test/harness/workbench.mjs';

const port = Number(process.env.PORT) || (await freePort());
const server = await startCodeServer({ port, dataDir: join(repoRoot, '.lab-tmp', 'start') });
const url = server.url();
console.log(`\nServerless Lab is running in VS Code at:\n\n  ${url}\n\nOpen it in a browser (the Serverless Lab icon is in the activity bar). Press Ctrl+C to stop.\n`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
