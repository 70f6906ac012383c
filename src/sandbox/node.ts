/**
 * Which Node runs the runtime process. isolated-vm is a native module: it loads only in a Node whose
 * ABI (`process.versions.modules`) matches a prebuild shipped in the extension (isolated-vm 7.x:
 * Node 24 = ABI 137, Node 26 = ABI 147). The extension host itself may be Electron (desktop VS Code,
 * a different ABI) or a plain Node (code-server), so we look for a matching Node:
 *   1. the `serverlessLab.runtime.nodePath` setting, when set;
 *   2. the extension host's own executable, when it is a plain Node;
 *   3. `node` on PATH.
 * When none matches, the error says exactly what to install.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface NodeCandidate {
  path: string;
  version: string;
  abi: string;
  source: 'setting' | 'extension host' | 'PATH';
}

/** ABIs for which isolated-vm prebuilds exist for this platform, read from the shipped package. */
export function shippedAbis(isolatedVmDir: string, platform = process.platform, arch = process.arch): string[] {
  const dir = path.join(isolatedVmDir, 'prebuilds', `${platform}-${arch}`);
  if (!fs.existsSync(dir)) return [];
  const abis = new Set<string>();
  for (const file of fs.readdirSync(dir)) {
    const m = /\.abi(\d+)\./.exec(file);
    if (m) abis.add(m[1]);
  }
  return [...abis].sort();
}

const NODE_FOR_ABI: Record<string, string> = { '127': '22', '137': '24', '147': '26' };

function probe(candidate: string): { version: string; abi: string } | undefined {
  const r = spawnSync(candidate, ['-p', 'process.version + " " + process.versions.modules + " " + (process.versions.electron || "")'], {
    encoding: 'utf8',
    timeout: 5000,
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
  });
  if (r.status !== 0 || !r.stdout) return undefined;
  const [version, abi, electron] = r.stdout.trim().split(' ');
  if (electron) return undefined; // Electron's Node has its own ABI line; prebuilds are for Node.
  return { version, abi };
}

export class NoMatchingNodeError extends Error {
  constructor(
    readonly tried: Array<{ path: string; result: string }>,
    readonly abis: string[],
  ) {
    const wanted = abis.map((a) => NODE_FOR_ABI[a] ?? `ABI ${a}`).map((v) => `Node ${v}`);
    super(
      wanted.length
        ? `Serverless Lab runs learner code in isolated-vm, which needs ${wanted.join(' or ')} on this machine. ` +
            `Install one (for example from https://nodejs.org) and put it on PATH, or set "serverlessLab.runtime.nodePath" to its executable. ` +
            `Tried: ${tried.map((t) => `${t.path} (${t.result})`).join('; ') || 'nothing'}.`
        : `Serverless Lab ships no isolated-vm build for ${process.platform}-${process.arch}. Supported: linux x64/arm64, macOS arm64, Windows x64.`,
    );
    this.name = 'NoMatchingNodeError';
  }
}

/** Finds a Node that can load the shipped isolated-vm. Throws NoMatchingNodeError when none can. */
export function findRuntimeNode(isolatedVmDir: string, options: { setting?: string; pathEnv?: string } = {}): NodeCandidate {
  const abis = shippedAbis(isolatedVmDir);
  const tried: Array<{ path: string; result: string }> = [];
  const candidates: Array<[string, NodeCandidate['source']]> = [];
  if (options.setting) candidates.push([options.setting, 'setting']);
  if (!process.versions.electron) candidates.push([process.execPath, 'extension host']);
  for (const dir of (options.pathEnv ?? process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of process.platform === 'win32' ? ['node.exe'] : ['node']) {
      const file = path.join(dir, name);
      if (fs.existsSync(file) && !candidates.some(([p]) => p === file)) candidates.push([file, 'PATH']);
    }
  }
  for (const [candidate, source] of candidates) {
    if (source !== 'extension host' && !fs.existsSync(candidate)) {
      tried.push({ path: candidate, result: 'not found' });
      continue;
    }
    const info = source === 'extension host' ? { version: process.version, abi: process.versions.modules } : probe(candidate);
    if (!info) {
      tried.push({ path: candidate, result: 'not a Node.js executable' });
      continue;
    }
    if (abis.includes(info.abi)) return { path: candidate, version: info.version, abi: info.abi, source };
    tried.push({ path: candidate, result: `${info.version}, ABI ${info.abi}` });
  }
  throw new NoMatchingNodeError(tried, abis);
}
