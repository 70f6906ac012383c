// The AWS tools the export suites run (installed on the CI machine): found, or the exact install command.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export const CFN_LINT_INSTALL = "pip install 'cfn-lint==1.51.0'";
export const MOTO_INSTALL = "pip install 'moto[server]==5.2.1'";

/** Throws (failing the suite) with the install command when `tool <probe>` does not run. */
export function requireTool(tool: string, install: string, probe = '--version'): string {
  const r = spawnSync(tool, [probe], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${tool} is not installed (needed by the export suites; CI has it). Install it with:\n  ${install}`);
  return (r.stdout || r.stderr).trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** moto_server on 127.0.0.1 at a free port, answering; `stop()` kills it. */
export async function startMoto(): Promise<{ endpoint: string; stop: () => void }> {
  requireTool('moto_server', MOTO_INSTALL, '--help');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const until = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${endpoint}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until || child.exitCode !== null) {
      child.kill();
      throw new Error(`moto_server did not answer at ${endpoint}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { endpoint, stop: () => void child.kill() };
}
