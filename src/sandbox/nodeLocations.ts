/**
 * Where a Node.js executable may be on a learner's machine, besides the setting and PATH.
 *
 * An editor started from the Dock, the Start menu or a desktop launcher does not get the PATH of the
 * learner's shell, so a Node installed by a version manager is often not on its PATH. Each manager
 * keeps its versions in a folder of its own, one sub-folder per version:
 *
 *   nvm          $NVM_DIR (~/.nvm)/versions/node/v24.1.0/bin/node
 *   nvm-windows  %NVM_HOME% (%APPDATA%\nvm)\v24.1.0\node.exe
 *   fnm          $FNM_DIR (~/.local/share/fnm, ~/Library/Application Support/fnm, %APPDATA%\fnm, ~/.fnm)
 *                  /node-versions/v24.1.0/installation/bin/node   (Windows: …\installation\node.exe)
 *   volta        $VOLTA_HOME (~/.volta, %LOCALAPPDATA%\Volta)/tools/image/node/24.1.0/bin/node
 *   asdf         $ASDF_DATA_DIR (~/.asdf)/installs/nodejs/24.1.0/bin/node
 *   mise         $MISE_DATA_DIR ($XDG_DATA_HOME/mise, ~/.local/share/mise, %LOCALAPPDATA%\mise)
 *                  /installs/node/24.1.0/bin/node
 *   Homebrew     $HOMEBREW_PREFIX (/opt/homebrew, /usr/local, /home/linuxbrew/.linuxbrew)
 *                  /opt/node@24/bin/node, /opt/node/bin/node, /bin/node
 *   installers   C:\Program Files\nodejs\node.exe, %LOCALAPPDATA%\Programs\nodejs\node.exe, Scoop;
 *                /usr/local/bin/node (the nodejs.org macOS installer), /opt/local/bin/node (MacPorts)
 *
 * Everything here is a pure function of a `Machine` (platform, environment, a file system to list),
 * so the layouts of macOS and Windows are tested on Linux against fake folder trees.
 */
import * as path from 'node:path';

/** What the search needs to know of the machine; `localMachine()` in node.ts is the real one. */
export interface Machine {
  platform: NodeJS.Platform;
  arch: string;
  env: Record<string, string | undefined>;
  /** The user's home folder. */
  home: string;
  exists(file: string): boolean;
  /** Names in a folder; [] when it does not exist. */
  list(dir: string): string[];
}

/** Where a candidate was found: shown in the log and in the message when none fits. */
export type NodeSource =
  | 'setting'
  | 'extension host'
  | 'running Node'
  | 'this checkout'
  | 'PATH'
  | 'login shell PATH'
  | 'nvm'
  | 'nvm-windows'
  | 'fnm'
  | 'volta'
  | 'asdf'
  | 'mise'
  | 'Homebrew'
  | 'install folder';

export interface Location {
  path: string;
  source: NodeSource;
  /** The version its folder name says (e.g. "24.1.0"), when it says one. */
  folderVersion?: string;
}

export function pathApi(m: Pick<Machine, 'platform'>): path.PlatformPath {
  return m.platform === 'win32' ? path.win32 : path.posix;
}

function nodeExe(m: Machine): string {
  return m.platform === 'win32' ? 'node.exe' : 'node';
}

/** An environment variable, looked up case-insensitively on Windows (where `Path` and `PATH` are one). */
export function envVar(m: Machine, name: string): string | undefined {
  if (m.platform !== 'win32') return m.env[name] || undefined;
  const key = Object.keys(m.env).find((k) => k.toUpperCase() === name.toUpperCase());
  return (key && m.env[key]) || undefined;
}

/** `node` in each folder of a PATH-like list, in order. */
export function onPath(m: Machine, pathList: string | undefined, source: NodeSource): Location[] {
  const p = pathApi(m);
  const sep = m.platform === 'win32' ? ';' : ':';
  return (pathList ?? '')
    .split(sep)
    .filter(Boolean)
    .map((dir) => ({ path: p.join(dir.replace(/^"(.*)"$/, '$1'), nodeExe(m)), source }))
    .filter((l) => m.exists(l.path));
}

/** "v24.1.0" or "24.1.0" (a folder name) → [24, 1, 0]; undefined when it is not a version. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const v = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return v ? [Number(v[1]), Number(v[2]), Number(v[3])] : undefined;
}

function newestFirst(a: string, b: string): number {
  const [x, y] = [parseVersion(a)!, parseVersion(b)!];
  return y[0] - x[0] || y[1] - x[1] || y[2] - x[2];
}

/** One executable per version folder under `dir`, newest version first. */
function versions(m: Machine, dir: string, exe: (versionDir: string) => string, source: NodeSource): Location[] {
  const p = pathApi(m);
  return m
    .list(dir)
    .filter((name) => parseVersion(name))
    .sort(newestFirst)
    .map((name) => ({ path: exe(p.join(dir, name)), source, folderVersion: name.replace(/^v/, '') }))
    .filter((l) => m.exists(l.path));
}

function unique(dirs: Array<string | undefined>): string[] {
  return [...new Set(dirs.filter((d): d is string => !!d))];
}

/** Folders of the version managers, Homebrew and the usual installers, for this platform. */
export function managedLocations(m: Machine): Location[] {
  const p = pathApi(m);
  const win = m.platform === 'win32';
  const mac = m.platform === 'darwin';
  const home = m.home;
  const appData = envVar(m, 'APPDATA') ?? (win ? p.join(home, 'AppData', 'Roaming') : undefined);
  const localAppData = envVar(m, 'LOCALAPPDATA') ?? (win ? p.join(home, 'AppData', 'Local') : undefined);
  const xdgData = envVar(m, 'XDG_DATA_HOME') ?? p.join(home, '.local', 'share');
  const bin = (dir: string) => (win ? p.join(dir, 'node.exe') : p.join(dir, 'bin', 'node'));
  const out: Location[] = [];

  if (win) {
    const nvmHome = envVar(m, 'NVM_HOME') ?? (appData && p.join(appData, 'nvm'));
    if (nvmHome) out.push(...versions(m, nvmHome, (d) => p.join(d, 'node.exe'), 'nvm-windows'));
  } else {
    const nvmDir = envVar(m, 'NVM_DIR') ?? p.join(home, '.nvm');
    out.push(...versions(m, p.join(nvmDir, 'versions', 'node'), bin, 'nvm'));
  }

  const fnmDirs = unique([
    envVar(m, 'FNM_DIR'),
    win ? appData && p.join(appData, 'fnm') : undefined,
    win && localAppData ? p.join(localAppData, 'fnm') : undefined,
    mac ? p.join(home, 'Library', 'Application Support', 'fnm') : undefined,
    win ? undefined : p.join(xdgData, 'fnm'),
    win ? undefined : p.join(home, '.fnm'),
  ]);
  for (const dir of fnmDirs) out.push(...versions(m, p.join(dir, 'node-versions'), (d) => bin(p.join(d, 'installation')), 'fnm'));

  const voltaHome = envVar(m, 'VOLTA_HOME') ?? (win ? localAppData && p.join(localAppData, 'Volta') : p.join(home, '.volta'));
  if (voltaHome) out.push(...versions(m, p.join(voltaHome, 'tools', 'image', 'node'), bin, 'volta'));

  if (!win) {
    const asdf = envVar(m, 'ASDF_DATA_DIR') ?? p.join(home, '.asdf');
    out.push(...versions(m, p.join(asdf, 'installs', 'nodejs'), bin, 'asdf'));
  }

  const miseDir = envVar(m, 'MISE_DATA_DIR') ?? (win ? localAppData && p.join(localAppData, 'mise') : p.join(xdgData, 'mise'));
  if (miseDir) out.push(...versions(m, p.join(miseDir, 'installs', 'node'), bin, 'mise'));

  if (!win) {
    const prefixes = unique([
      envVar(m, 'HOMEBREW_PREFIX'),
      mac ? '/opt/homebrew' : undefined,
      mac ? '/usr/local' : undefined,
      mac ? undefined : '/home/linuxbrew/.linuxbrew',
      mac ? undefined : p.join(home, '.linuxbrew'),
    ]);
    for (const prefix of prefixes) {
      const opt = p.join(prefix, 'opt');
      // Versioned formulae (node@24, node@22), newest first, then the unversioned `node`.
      const formulae = m
        .list(opt)
        .filter((name) => /^node@\d+$/.test(name))
        .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)));
      for (const name of [...formulae, 'node']) {
        const file = p.join(opt, name, 'bin', 'node');
        if (m.exists(file)) out.push({ path: file, source: 'Homebrew', ...(name === 'node' ? {} : { folderVersion: name.slice(5) }) });
      }
      // /usr/local/bin/node is also where the nodejs.org installer puts it: listed with the installers.
      const linked = p.join(prefix, 'bin', 'node');
      if (prefix !== '/usr/local' && m.exists(linked)) out.push({ path: linked, source: 'Homebrew' });
    }
  }

  const installers = win
    ? unique([
        p.join(envVar(m, 'ProgramFiles') ?? 'C:\\Program Files', 'nodejs', 'node.exe'),
        envVar(m, 'NVM_SYMLINK') && p.join(envVar(m, 'NVM_SYMLINK')!, 'node.exe'),
        p.join(envVar(m, 'ProgramFiles(x86)') ?? 'C:\\Program Files (x86)', 'nodejs', 'node.exe'),
        localAppData && p.join(localAppData, 'Programs', 'nodejs', 'node.exe'),
        p.join(envVar(m, 'SCOOP') ?? p.join(home, 'scoop'), 'apps', 'nodejs-lts', 'current', 'node.exe'),
        p.join(envVar(m, 'SCOOP') ?? p.join(home, 'scoop'), 'apps', 'nodejs', 'current', 'node.exe'),
      ])
    : mac
      ? ['/usr/local/bin/node', '/opt/local/bin/node']
      : ['/usr/local/bin/node', '/usr/bin/node', '/snap/bin/node'];
  for (const file of installers) if (m.exists(file)) out.push({ path: file, source: 'install folder' });
  return out;
}

/**
 * The Node a checkout of the project brings (the `node@24` devDependency), so the CLI run from a
 * clone works with any `node` first on PATH.
 */
export function checkoutLocations(m: Machine, projectRoot: string): Location[] {
  const p = pathApi(m);
  const modules = p.join(projectRoot, 'node_modules');
  const platformPackage = `node-${m.platform === 'win32' ? 'win' : m.platform}-${m.arch}`;
  return [
    p.join(modules, 'node', 'bin', nodeExe(m)),
    p.join(modules, 'node', 'node_modules', platformPackage, 'bin', nodeExe(m)),
    p.join(modules, '.bin', nodeExe(m)),
  ]
    .filter((file) => m.exists(file))
    .map((file) => ({ path: file, source: 'this checkout' as const }));
}
