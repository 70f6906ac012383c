/**
 * Text the runtime process writes for people to read (its stderr, crash reports, the compiler's
 * crash messages, errors the client shows) is scrubbed of the host: absolute paths of the
 * extension become `<extension>`, of a workspace folder become relative to it, of the temporary
 * folder `<tmp>` and of the home folder `~`; the value of any environment variable (6 characters
 * or more) becomes `<env NAME>`. Paths are matched with either separator, as file URLs too, and
 * case-insensitively on Windows.
 */
import { realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { posix, win32 } from 'node:path';

export interface HostDirs {
  /** The extension's folder (the one holding dist/runtime.js's dist/). */
  extensionDir?: string;
  /** The workspace folders open in the editor. */
  workspaceDirs?: string[];
}

/** The environment variable through which the client tells the runtime its HostDirs (JSON). */
export const HOST_DIRS_ENV = 'SERVERLESS_LAB_HOST_DIRS';
/** Environment values shorter than this are left alone (1, true, UTC …). */
const MIN_ENV_VALUE = 6;

export type Scrubber = (text: string) => string;

function variants(dir: string, platform: NodeJS.Platform): string[] {
  const out = new Set<string>();
  const add = (p: string) => {
    const trimmed = p.replace(/[\\/]+$/, '');
    if (trimmed.length < 2) return; // never '/' alone
    out.add(trimmed);
    out.add(trimmed.replace(/\\/g, '/'));
    out.add(trimmed.replace(/\//g, '\\'));
    // As a file URL spells it (spaces and the like percent-encoded).
    out.add(encodeURI(trimmed.replace(/\\/g, '/')));
  };
  add((platform === 'win32' ? win32 : posix).resolve(dir));
  try {
    add(realpathSync(dir));
  } catch {
    // gone, or never there: the resolved path is enough
  }
  return [...out];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function makeScrubber(dirs: HostDirs, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): Scrubber {
  const rules: Array<{ from: string; to: string; dirLike: boolean }> = [];
  for (const ws of dirs.workspaceDirs ?? []) for (const v of variants(ws, platform)) rules.push({ from: v, to: '', dirLike: true });
  if (dirs.extensionDir) for (const v of variants(dirs.extensionDir, platform)) rules.push({ from: v, to: '<extension>', dirLike: true });
  for (const v of variants(tmpdir(), platform)) rules.push({ from: v, to: '<tmp>', dirLike: true });
  for (const v of variants(homedir(), platform)) rules.push({ from: v, to: '~', dirLike: true });
  // Longest first: a workspace inside the home folder is named relative to the workspace.
  rules.sort((a, b) => b.from.length - a.from.length);
  const values = Object.entries(env)
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1].length >= MIN_ENV_VALUE && e[0] !== HOST_DIRS_ENV)
    .sort((a, b) => b[1].length - a[1].length);
  const flags = platform === 'win32' ? 'gi' : 'g';
  const pathRes = rules.map((r) => ({
    // A workspace path followed by a separator becomes relative ("<ws>/a.ts" → "a.ts"); alone it is ".".
    re: new RegExp(`${escape(r.from)}([\\\\/]?)`, flags),
    to: r.to,
  }));
  const envRes = values.map(([name, value]) => ({ re: new RegExp(escape(value), flags), to: `<env ${name}>` }));
  return (text: string): string => {
    let out = text;
    for (const { re, to } of pathRes) out = out.replace(re, (_m, sep: string) => (to === '' ? (sep ? '' : '.') : to + sep));
    for (const { re, to } of envRes) out = out.replace(re, to);
    return out;
  };
}

let processScrubber: Scrubber | undefined;

/** The scrubber of this process: the HostDirs the client passed (HOST_DIRS_ENV), the temp and home folders, this process's environment. */
export function scrubHost(text: string): string {
  if (!processScrubber) {
    let dirs: HostDirs = {};
    try {
      const raw = process.env[HOST_DIRS_ENV];
      if (raw) dirs = JSON.parse(raw) as HostDirs;
    } catch {
      dirs = {};
    }
    processScrubber = makeScrubber(dirs);
  }
  return processScrubber(text);
}
