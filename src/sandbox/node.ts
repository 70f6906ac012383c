/**
 * Which Node runs the runtime process. isolated-vm is a native module: it loads only in a Node whose
 * ABI (`process.versions.modules`) matches a prebuild shipped in the extension (isolated-vm 7.x:
 * Node 24 = ABI 137, Node 26 = ABI 147; the VSIXs add isolated-vm 6.2's Node 22 = ABI 127). The extension host itself may be Electron (desktop VS Code,
 * a different ABI) or a plain Node (code-server), so we look for a matching Node, in this order:
 *   1. the `serverlessLab.runtime.nodePath` setting (SERVERLESS_LAB_NODE for the CLI), when set;
 *   2. the extension host's own executable, when it is a plain Node;
 *   3. the Node of this checkout (the `node@24` devDependency), when the CLI runs from a clone;
 *   4. `node` on PATH;
 *   5. `node` on the login shell's PATH (an editor started from the Dock or a launcher lacks it);
 *   6. the folders of nvm, nvm-windows, fnm, volta, asdf, mise, Homebrew and the usual installers
 *      (nodeLocations.ts), newest version first.
 * The first candidate whose ABI has a prebuild wins. When none does, the error says exactly what to
 * install for this platform and lists what was found.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkoutLocations, envVar, Location, Machine, managedLocations, NodeSource, onPath, pathApi } from './nodeLocations';

export type { NodeSource } from './nodeLocations';

export interface NodeCandidate {
  path: string;
  version: string;
  abi: string;
  source: NodeSource;
}

export interface NodeInfo {
  version: string;
  abi: string;
}

/** The machine as the search sees it. Tests give a fake one; `localMachine()` is the real one. */
export interface NodeHost extends Machine {
  /** Version and ABI of a Node executable; undefined when it is not one (or is Electron). */
  probe(file: string): NodeInfo | undefined;
  /** PATH as the user's login shell sets it; undefined when there is none or it fails. */
  loginShellPath(): string | undefined;
  /** The running process, when it is a plain Node (not Electron). */
  self?: NodeInfo & { path: string };
  /** A file's real path (symlinks resolved), to probe each executable once. */
  realpath(file: string): string;
}

/** ABIs for which isolated-vm prebuilds exist for this platform, read from the shipped package. */
export function shippedAbis(isolatedVmDir: string, platform: string = process.platform, arch: string = process.arch): string[] {
  const dir = path.join(isolatedVmDir, 'prebuilds', `${platform}-${arch}`);
  if (!fs.existsSync(dir)) return [];
  const abis = new Set<string>();
  for (const file of fs.readdirSync(dir)) {
    const m = /\.abi(\d+)\./.exec(file);
    if (m) abis.add(m[1]);
  }
  return [...abis].sort();
}

/** The Node major line of each module ABI isolated-vm ships prebuilds for. */
export const NODE_FOR_ABI: Readonly<Record<string, string>> = { '115': '20', '127': '22', '137': '24', '147': '26' };

/** The Node lines (majors) the shipped prebuilds accept, e.g. ["24", "26"]. */
export function acceptedMajors(abis: string[]): string[] {
  return abis.map((a) => NODE_FOR_ABI[a]).filter((v): v is string => !!v);
}

function probeExecutable(file: string): NodeInfo | undefined {
  const r = spawnSync(file, ['-p', 'process.version + " " + process.versions.modules + " " + (process.versions.electron || "")'], {
    encoding: 'utf8',
    timeout: 5000,
    windowsHide: true,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', NODE_OPTIONS: '' },
  });
  if (r.status !== 0 || !r.stdout) return undefined;
  const [version, abi, electron] = r.stdout.trim().split(' ');
  if (electron || !/^v\d+\./.test(version ?? '')) return undefined; // Electron's Node has its own ABI line; prebuilds are for Node.
  return { version, abi };
}

/**
 * PATH as the user's interactive login shell sets it (where nvm, fnm, asdf, mise and Homebrew add
 * themselves), with a 3 s limit; undefined on Windows or when the shell fails.
 */
export function readLoginShellPath(platform: NodeJS.Platform, env: NodeJS.ProcessEnv): string | undefined {
  if (platform === 'win32') return undefined;
  const shell = env.SHELL || (platform === 'darwin' ? '/bin/zsh' : '/bin/sh');
  const marker = '__SERVERLESS_LAB_PATH__';
  const script = path.basename(shell) === 'fish' ? `printf '${marker}%s\\n' (string join : $PATH)` : `printf '${marker}%s\\n' "$PATH"`;
  const r = spawnSync(shell, ['-i', '-l', '-c', script], { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'], env: { ...env, TERM: 'dumb' } });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith(marker));
  return line ? line.slice(marker.length).trim() || undefined : undefined;
}

/** This machine, this process. The login shell is asked at most once per machine object. */
export function localMachine(): NodeHost {
  let shellPath: { value: string | undefined } | undefined;
  return {
    platform: process.platform,
    arch: process.arch,
    env: process.env,
    home: os.homedir(),
    exists: (file) => {
      try {
        return fs.statSync(file).isFile();
      } catch {
        return false;
      }
    },
    list: (dir) => {
      try {
        return fs.readdirSync(dir);
      } catch {
        return [];
      }
    },
    probe: probeExecutable,
    loginShellPath: () => (shellPath ??= { value: readLoginShellPath(process.platform, process.env) }).value,
    self: process.versions.electron ? undefined : { path: process.execPath, version: process.version, abi: process.versions.modules },
    realpath: (file) => {
      try {
        return fs.realpathSync(file);
      } catch {
        return file;
      }
    },
  };
}

export interface Tried {
  path: string;
  source: NodeSource;
  result: string;
}

export interface FindOptions {
  /** The setting (or SERVERLESS_LAB_NODE): a Node executable, or a folder holding one. */
  setting?: string;
  /** The project folder when run from a checkout: its `node@24` devDependency is a candidate. */
  projectRoot?: string;
  /** The module ABIs with a prebuild; read from `isolatedVmDir` when left out. */
  abis?: string[];
  /** The machine to search; this one when left out. */
  host?: NodeHost;
  /** What to call the running process in the log and the message ("extension host" by default). */
  selfSource?: 'extension host' | 'running Node';
}

/** The setting names a folder (e.g. an nvm version folder) or the executable itself. */
function settingExecutable(m: NodeHost, setting: string): string {
  if (m.exists(setting)) return setting;
  const p = pathApi(m);
  const exe = m.platform === 'win32' ? 'node.exe' : 'node';
  return [p.join(setting, exe), p.join(setting, 'bin', exe)].find((f) => m.exists(f)) ?? setting;
}

/** Candidates in order; the login shell is asked only when everything before it failed. */
function* candidates(m: NodeHost, options: FindOptions): Generator<Location> {
  if (options.setting) yield { path: settingExecutable(m, options.setting), source: 'setting' };
  if (m.self) yield { path: m.self.path, source: options.selfSource ?? 'extension host' };
  if (options.projectRoot) yield* checkoutLocations(m, options.projectRoot);
  yield* onPath(m, envVar(m, 'PATH'), 'PATH');
  if (m.platform !== 'win32') yield* onPath(m, m.loginShellPath(), 'login shell PATH');
  yield* managedLocations(m);
}

/** Finds a Node that can load the shipped isolated-vm. Throws NoMatchingNodeError when none can. */
export function findRuntimeNode(isolatedVmDir: string, options: FindOptions = {}): NodeCandidate {
  const m = options.host ?? localMachine();
  const abis = options.abis ?? shippedAbis(isolatedVmDir, m.platform, m.arch);
  const majors = acceptedMajors(abis);
  const tried: Tried[] = [];
  if (abis.length === 0) throw new NoMatchingNodeError(tried, abis, m.platform, m.arch);
  const seen = new Set<string>();
  for (const candidate of candidates(m, options)) {
    const { source } = candidate;
    if (source === 'setting' && !m.exists(candidate.path)) {
      tried.push({ path: candidate.path, source, result: 'no such file' });
      continue;
    }
    const isSelf = source === (options.selfSource ?? 'extension host');
    const real = m.realpath(candidate.path);
    if (seen.has(real)) continue;
    seen.add(real);
    const folderMajor = candidate.folderVersion?.split('.')[0];
    if (folderMajor && !majors.includes(folderMajor)) {
      tried.push({ path: candidate.path, source, result: `Node ${candidate.folderVersion}` });
      continue;
    }
    const info = isSelf && m.self ? m.self : m.probe(candidate.path);
    if (!info) {
      tried.push({ path: candidate.path, source, result: 'not a Node.js executable' });
      continue;
    }
    if (abis.includes(info.abi)) return { path: candidate.path, version: info.version, abi: info.abi, source };
    tried.push({ path: candidate.path, source, result: `Node ${info.version.replace(/^v/, '')}` });
  }
  throw new NoMatchingNodeError(tried, abis, m.platform, m.arch);
}

const PLATFORM_NAMES: Record<string, string> = {
  'darwin-x64': 'macOS on Intel (darwin-x64)',
  'darwin-arm64': 'macOS on Apple silicon (darwin-arm64)',
  'win32-arm64': 'Windows on Arm (win32-arm64)',
  'win32-x64': 'Windows x64',
  'win32-ia32': '32-bit Windows (win32-ia32)',
};

/** "22, 24 or 26": the accepted Node lines, for a sentence. */
export function nodeLines(majors: string[]): string {
  return majors.length <= 1 ? (majors[0] ?? '') : `${majors.slice(0, -1).join(', ')} or ${majors[majors.length - 1]}`;
}

/** Human name of a platform-arch pair. */
export function platformName(platform: string, arch: string): string {
  return PLATFORM_NAMES[`${platform}-${arch}`] ?? `${platform}-${arch}`;
}

/** Exactly what to install, for this platform: the newest accepted line, and how. */
export function installAdvice(platform: string, majors: string[]): string {
  const line = majors.includes('24') ? '24' : [...majors].sort((a, b) => Number(b) - Number(a))[0];
  const download = 'https://nodejs.org/en/download';
  if (platform === 'darwin') return `Install Node.js ${line}: \`brew install node@${line}\`, or the macOS installer from ${download}.`;
  if (platform === 'win32') return `Install Node.js ${line}: the Windows installer from ${download} (or \`winget install OpenJS.NodeJS.LTS\`).`;
  return `Install Node.js ${line}: from ${download} (or \`nvm install ${line}\`).`;
}

/** How the message tells the reader to name a Node by hand. */
export interface SettingWording {
  /** e.g. `or set SERVERLESS_LAB_NODE to its executable`. */
  pick: string;
}

export const EDITOR_WORDING: SettingWording = { pick: 'or set serverlessLab.runtime.nodePath to its executable' };

export class NoMatchingNodeError extends Error {
  constructor(
    readonly tried: Tried[],
    readonly abis: string[],
    readonly platform: string = process.platform,
    readonly arch: string = process.arch,
  ) {
    super('');
    this.name = 'NoMatchingNodeError';
    this.message = this.describe(EDITOR_WORDING);
  }

  /** True when this platform has no prebuild at all: no Node can help. */
  get unsupportedPlatform(): boolean {
    return this.abis.length === 0;
  }

  /** The message, with the reader's way of naming a Node by hand. */
  describe(wording: SettingWording): string {
    if (this.unsupportedPlatform) return unsupportedPlatformMessage(this.platform, this.arch);
    const majors = acceptedMajors(this.abis);
    const wanted = `Node ${nodeLines(majors)}`;
    const found = this.tried.map((t) => `${t.path} (${t.source}: ${t.result})`).join('; ');
    return (
      `Serverless Lab runs learner code in isolated-vm, which needs ${wanted}; none was found on this machine. ` +
      `${installAdvice(this.platform, majors)} The lab finds it on PATH or where nvm, fnm, volta, asdf, mise or Homebrew put it; ${wording.pick}. ` +
      `Found: ${found || 'no Node.js at all'}.`
    );
  }
}

/** What the lab does on a platform isolated-vm has no prebuild for, and why. */
export function unsupportedPlatformMessage(platform: string, arch: string): string {
  return (
    `Serverless Lab cannot run learner code on ${platformName(platform, arch)}: the sandbox (isolated-vm, a native module) ` +
    `publishes no build for it, so exercises, checks and the playground cannot run. Lessons and their diagrams can still be read. ` +
    `Supported: Linux x64/arm64 (glibc and musl), macOS on Apple silicon, Windows x64.`
  );
}
