// What the real-browser and real-VS-Code parts need from the machine, installed on first use the way
// `playwright install --with-deps` does: on Debian/Ubuntu as root (or with password-less sudo) the
// missing Debian packages are installed with a progress line each; anywhere else the run stops before
// the suites with the exact command to run. Nothing is ever skipped silently.
//
//   node test/harness/prerequisites.mjs [browser] [code-server]   installs both when no name is given
//
// Also here: the clean environment every nested `npm install` gets (see npmFreeEnv).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Debian packages per need, with why each is there. */
export const NEEDS = {
  browser: {
    what: 'headless Chromium (drives the diagram webview and the real VS Code)',
    packages: ['chromium'],
  },
  'code-server': {
    what: "headers code-server's native modules build against, and ripgrep for VS Code's search",
    packages: ['libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'ripgrep'],
  },
};

export const CHROMIUM_DEFAULT = '/usr/bin/chromium';
export function chromiumPath(env = process.env) {
  return env.CHROMIUM_PATH || CHROMIUM_DEFAULT;
}

function progress(line) {
  process.stderr.write(`[setup] ${line}\n`);
}

/**
 * The environment for an npm (or npx) started from inside an npm script: without what the outer npm
 * set to describe itself. The outer npm's `npm_config_user_agent` names *its* Node (20 on these
 * machines) and a nested npm keeps an inherited value, so code-server's postinstall, which reads the
 * Node major from it, refused to install. `npm_config_*` (the outer npm's resolved config, including
 * its global prefix and nodedir), `npm_lifecycle_*`, `npm_package_*`, `npm_execpath`,
 * `npm_node_execpath`, `npm_command` and `INIT_CWD` all go; `extra` is added afterwards.
 */
export function npmFreeEnv(env = process.env, extra = {}) {
  const clean = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key === 'NODE') continue;
    clean[key] = value;
  }
  return { ...clean, ...extra };
}

/** Reads /etc/os-release: is this Debian or a derivative (Ubuntu…)? */
export function isDebianLike(osRelease = readOsRelease()) {
  if (!osRelease) return false;
  const fields = Object.fromEntries(
    osRelease.split('\n').map((l) => l.match(/^([A-Z_]+)=(.*)$/)).filter(Boolean).map(([, k, v]) => [k, v.replace(/^"|"$/g, '')]),
  );
  return [fields.ID, ...(fields.ID_LIKE ?? '').split(/\s+/)].some((id) => id === 'debian' || id === 'ubuntu');
}

function readOsRelease() {
  try {
    return readFileSync('/etc/os-release', 'utf8');
  } catch {
    return undefined;
  }
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function canSudo() {
  return spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
}

/**
 * What is missing for the given needs, as Debian package names. `browser` counts as present when
 * CHROMIUM_PATH (or /usr/bin/chromium) exists, whatever installed it.
 */
export function missingPackages(needs, { env = process.env, installed = dpkgInstalled, exists = existsSync, debian = isDebianLike() } = {}) {
  const missing = [];
  for (const need of needs) {
    const spec = NEEDS[need];
    if (!spec) throw new Error(`unknown prerequisite "${need}" (known: ${Object.keys(NEEDS).join(', ')})`);
    if (need === 'browser' && exists(chromiumPath(env))) continue;
    if (need === 'browser' && env.CHROMIUM_PATH) {
      throw new Error(`CHROMIUM_PATH is ${env.CHROMIUM_PATH}, which does not exist: point it at a Chromium executable or unset it`);
    }
    // Off Debian there is no dpkg to ask: the headers are judged by the build itself.
    if (!debian && need !== 'browser') continue;
    for (const pkg of spec.packages) if (!debian || !installed(pkg)) missing.push(pkg);
  }
  return [...new Set(missing)];
}

/** The exact command a person runs to install `packages`, for this system. */
export function installCommand(packages, { debian = isDebianLike(), root = process.getuid?.() === 0 } = {}) {
  if (debian) return `${root ? '' : 'sudo '}apt-get update && ${root ? '' : 'sudo '}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  return `install Chromium (then set CHROMIUM_PATH to its executable if it is not at ${CHROMIUM_DEFAULT}) and the development headers of Kerberos, libxkbfile and libsecret, pkg-config and ripgrep with your system's package manager (Debian names: ${packages.join(' ')})`;
}

/**
 * Makes sure the needs are met, installing missing Debian packages when it can. Throws with the exact
 * command when it cannot (not Debian, not root and no password-less sudo, or apt-get failed).
 */
export function ensurePrerequisites(needs, { env = process.env } = {}) {
  const missing = missingPackages(needs, { env });
  if (missing.length === 0) return [];
  const debian = isDebianLike();
  const root = process.getuid?.() === 0;
  const command = installCommand(missing, { debian, root });
  if (!debian || (!root && !canSudo())) {
    throw new Error(`missing: ${missing.join(', ')} (${needs.map((n) => NEEDS[n].what).join('; ')}).\nRun:\n  ${command}\nthen run the tests again.`);
  }
  const sudo = root ? [] : ['sudo'];
  const run = (args) => {
    const [cmd, ...rest] = [...sudo, ...args];
    execFileSync(cmd, rest, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  const started = Date.now();
  for (const need of needs) {
    const mine = NEEDS[need].packages.filter((p) => missing.includes(p));
    if (mine.length) progress(`${need}: installing ${mine.join(' ')} — ${NEEDS[need].what} (first run only)…`);
  }
  try {
    progress('apt-get update…');
    run(['apt-get', 'update', '-qq']);
    progress(`apt-get install ${missing.join(' ')}…`);
    run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
  } catch (err) {
    const stderr = err.stderr?.toString().trim().split('\n').slice(-8).join('\n') ?? String(err);
    throw new Error(`installing ${missing.join(', ')} failed:\n${stderr}\nRun it yourself:\n  ${command}`);
  }
  const still = missingPackages(needs, { env });
  if (still.length) throw new Error(`apt-get finished but ${still.join(', ')} is still missing.\nRun:\n  ${command}`);
  progress(`installed ${missing.join(' ')} in ${Math.round((Date.now() - started) / 1000)} s`);
  return missing;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const names = process.argv.slice(2);
  try {
    const done = ensurePrerequisites(names.length ? names : Object.keys(NEEDS));
    if (!done.length) progress('system packages: all present');
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
