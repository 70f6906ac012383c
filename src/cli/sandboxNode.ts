/**
 * Where the command line finds its files, and the Node it needs for the sandbox.
 *
 * The CLI ships inside the extension (dist/cli.js), so the lessons and isolated-vm are found
 * relative to the bundle, as the extension finds them relative to its own folder.
 *
 * isolated-vm is a native module: it loads only in a Node whose ABI matches a shipped prebuild
 * (Node 24 or 26), and it wants `--no-node-snapshot`. When the CLI was started by another Node, or
 * without the flag, it runs itself again with a matching Node (found exactly as the editor finds
 * one: src/sandbox/node.ts; from a checkout, the project's own `node@24` devDependency comes right
 * after SERVERLESS_LAB_NODE and the running Node) and the flag, and passes the exit code on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { findRuntimeNode, NoMatchingNodeError, shippedAbis } from '../sandbox/node';

/** Set in the environment of the re-started CLI, so it never re-starts itself twice. */
const REEXEC_ENV = 'SERVERLESS_LAB_CLI_REEXEC';
/** The CLI's counterpart of the `serverlessLab.runtime.nodePath` setting. */
export const NODE_ENV = 'SERVERLESS_LAB_NODE';

/** The extension's root: the nearest folder above `from` holding package.json and lessons/. */
export function extensionRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'lessons', 'sections.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`cannot find the Serverless Lab folder (package.json and lessons/) above ${from}`);
  }
}

function isolatedVmDir(root: string): string {
  try {
    return dirname(require.resolve('isolated-vm/package.json', { paths: [root] }));
  } catch {
    return join(root, 'node_modules', 'isolated-vm');
  }
}

/** True when this process can load isolated-vm as the sandbox wants it. */
export function sandboxReady(root: string): boolean {
  const flag = process.execArgv.includes('--no-node-snapshot') || (process.env.NODE_OPTIONS ?? '').includes('--no-node-snapshot');
  return flag && !process.versions.electron && shippedAbis(isolatedVmDir(root)).includes(process.versions.modules);
}

/**
 * Run this CLI again under a Node that can load isolated-vm, with `--no-node-snapshot`; returns
 * its exit code. `undefined` when this process is already suitable (or already the re-start).
 */
export function reexecForSandbox(argv: string[], err: (text: string) => void): number | undefined {
  const root = extensionRoot();
  if (sandboxReady(root) || process.env[REEXEC_ENV] === '1') return undefined;
  let node;
  try {
    node = findRuntimeNode(isolatedVmDir(root), { setting: process.env[NODE_ENV] || undefined, projectRoot: root, selfSource: 'running Node' });
  } catch (e) {
    if (!(e instanceof NoMatchingNodeError)) throw e;
    err(`serverless-lab: ${e.describe({ pick: `or set ${NODE_ENV} to its executable` })}\n`);
    return 2;
  }
  const r = spawnSync(node.path, ['--no-node-snapshot', ...process.execArgv, process.argv[1], ...argv], {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_ENV]: '1' },
  });
  if (r.error) {
    err(`serverless-lab: cannot start ${node.path}: ${r.error.message}\n`);
    return 2;
  }
  return r.status ?? 1;
}
