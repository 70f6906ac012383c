// Writes one VSIX per target platform into dist/vsix/, each carrying exactly its own native files:
//   - the isolated-vm prebuilds of its platform (and libc: glibc for linux-*, musl for alpine-*),
//   - the esbuild binary of its platform (`@esbuild/<platform>`, fetched from the npm registry with
//     `npm pack` at the version of the installed esbuild, cached in node_modules/.cache/),
// and nothing twice. Targets isolated-vm publishes no prebuild for (darwin-x64, win32-arm64) get a
// VSIX without native files; that extension says on activation what does not work there and why.
//
// Each target is staged in a folder of its own (the files .vscodeignore lets through, with only that
// target's native files) and packaged there with `vsce package --target <t>`; every VSIX is then
// opened and its native files checked against its target (checkVsix below), and put through the
// checks `ovsx publish` makes before uploading (openVsxProblems), before it counts.
//
//   node scripts/package.mjs [--target linux-x64 …] [--out dist/vsix] [--no-build]
//   (`npm run package` builds the production bundles first and packages every target)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Every target the lab is published for. `ivm`: the isolated-vm prebuild folder and libc;
 * `esbuild`: the package with the esbuild binary for that platform and the binary's path in it.
 */
export const TARGETS = {
  'linux-x64': { ivm: { dir: 'linux-x64', libc: 'glibc' }, esbuild: { pkg: '@esbuild/linux-x64', bin: 'bin/esbuild' } },
  'linux-arm64': { ivm: { dir: 'linux-arm64', libc: 'glibc' }, esbuild: { pkg: '@esbuild/linux-arm64', bin: 'bin/esbuild' } },
  'alpine-x64': { ivm: { dir: 'linux-x64', libc: 'musl' }, esbuild: { pkg: '@esbuild/linux-x64', bin: 'bin/esbuild' } },
  'alpine-arm64': { ivm: { dir: 'linux-arm64', libc: 'musl' }, esbuild: { pkg: '@esbuild/linux-arm64', bin: 'bin/esbuild' } },
  'darwin-arm64': { ivm: { dir: 'darwin-arm64' }, esbuild: { pkg: '@esbuild/darwin-arm64', bin: 'bin/esbuild' } },
  'win32-x64': { ivm: { dir: 'win32-x64' }, esbuild: { pkg: '@esbuild/win32-x64', bin: 'esbuild.exe' } },
  // No isolated-vm prebuild exists for these: the VSIX carries no native file at all.
  'darwin-x64': {},
  'win32-arm64': {},
};

/** Every supported target ships one prebuild per Node line (and its libc): Node 22 from isolated-vm 6.2, 24 and 26 from 7.x. */
export const SHIPPED_ABIS = { 127: 'Node 22', 137: 'Node 24', 147: 'Node 26' };

/** The executable magic each target's binaries must start with. */
const MAGIC = {
  linux: { bytes: [0x7f, 0x45, 0x4c, 0x46], name: 'ELF' },
  darwin: { bytes: [0xcf, 0xfa, 0xed, 0xfe], name: 'Mach-O 64' },
  win32: { bytes: [0x4d, 0x5a], name: 'PE (MZ)' },
};
/** ELF e_machine / Mach-O cputype / PE machine for each architecture. */
const MACHINE = {
  linux: { x64: 0x3e, arm64: 0xb7 },
  darwin: { x64: 0x01000007, arm64: 0x0100000c },
  win32: { x64: 0x8664, arm64: 0xaa64 },
};

/** The target of this machine (what VS Code would install here). */
export function hostTarget() {
  const musl = process.platform === 'linux' && !process.report?.getReport().header.glibcVersionRuntime;
  return `${musl ? 'alpine' : process.platform}-${process.arch}`;
}

function os(target) {
  return target.startsWith('alpine') ? 'linux' : target.split('-')[0];
}
function arch(target) {
  return target.split('-')[1];
}

/** The CPU architecture a binary was built for, read from its header; undefined when not a binary of `system`. */
export function binaryArch(bytes, system) {
  const magic = MAGIC[system];
  if (!magic.bytes.every((b, i) => bytes[i] === b)) return undefined;
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let machine;
  if (system === 'linux') machine = view.readUInt16LE(18);
  else if (system === 'darwin') machine = view.readUInt32LE(4);
  else machine = view.readUInt16LE(view.readUInt32LE(0x3c) + 4);
  return Object.entries(MACHINE[system]).find(([, m]) => m === machine)?.[0] ?? `machine 0x${machine.toString(16)}`;
}

/**
 * Checks a VSIX's file list and native binaries against its target; returns the problems (empty
 * when right). `read(name)` gives a file's bytes. Native files are `.node` and esbuild binaries.
 */
export function checkVsix(target, names, read) {
  const spec = TARGETS[target];
  if (!spec) return [`unknown target ${target}`];
  const problems = [];
  const system = os(target);
  const native = names.filter((n) => n.endsWith('.node') || /(^|\/)esbuild(\.exe)?$/.test(n));
  const expected = [];
  if (spec.ivm) {
    const prebuilds = native.filter((n) => n.startsWith('extension/node_modules/isolated-vm/prebuilds/'));
    for (const [abi, node] of Object.entries(SHIPPED_ABIS)) {
      if (!prebuilds.some((n) => n.includes(`.abi${abi}.`))) problems.push(`no isolated-vm prebuild for ${node} (ABI ${abi})`);
    }
    for (const n of prebuilds) {
      const rel = n.slice('extension/node_modules/isolated-vm/prebuilds/'.length);
      const [dir, file] = rel.split('/');
      if (dir !== spec.ivm.dir) problems.push(`${n}: prebuild of ${dir}, not ${spec.ivm.dir}`);
      if (spec.ivm.libc && !file.includes(`.${spec.ivm.libc}.`)) problems.push(`${n}: not a ${spec.ivm.libc} prebuild`);
      expected.push(n);
    }
    const esbuild = `extension/node_modules/${spec.esbuild.pkg}/${spec.esbuild.bin}`;
    if (!names.includes(esbuild)) problems.push(`missing ${esbuild}`);
    expected.push(esbuild);
    for (const n of [...prebuilds, esbuild].filter((f) => names.includes(f))) {
      const found = binaryArch(read(n), system);
      if (found !== arch(target)) problems.push(`${n}: ${found ? `built for ${found}` : `not a ${MAGIC[system].name} binary`}, not ${arch(target)}`);
    }
  }
  for (const n of native) if (!expected.includes(n)) problems.push(`${n}: a native file that is not this target's`);
  const seen = new Map();
  for (const n of native) {
    const digest = createHash('sha256').update(read(n)).digest('hex');
    if (seen.has(digest)) problems.push(`${n}: the same binary as ${seen.get(digest)}`);
    else seen.set(digest, n);
  }
  for (const must of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/runtime.js', 'extension/dist/cli.js', 'extension/lessons/sections.json']) {
    if (!names.includes(must)) problems.push(`missing ${must}`);
  }
  const manifest = names.includes('extension.vsixmanifest') ? read('extension.vsixmanifest').toString('utf8') : '';
  if (!manifest.includes(`TargetPlatform="${target}"`)) problems.push(`extension.vsixmanifest does not name TargetPlatform="${target}"`);
  return problems;
}

/** The target platforms Open VSX accepts (its TargetPlatform enum, as for the Marketplace). */
export const OPEN_VSX_TARGETS = ['win32-x64', 'win32-arm64', 'linux-x64', 'linux-arm64', 'linux-armhf', 'alpine-x64', 'alpine-arm64', 'darwin-x64', 'darwin-arm64', 'web', 'universal'];

/**
 * What `ovsx publish <file>` checks before it uploads, offline: the manifest read from the VSIX
 * (ovsx's own reader), its required fields, and a license (ovsx refuses an unlicensed extension in
 * CI); plus a target platform the registry knows. Returns the problems.
 */
export async function openVsxProblems(file, target) {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const { readVSIXPackage } = require('ovsx/lib/zip');
  const { validateManifest } = require('ovsx/lib/util');
  const problems = [];
  let manifest;
  try {
    manifest = await readVSIXPackage(file);
    validateManifest(manifest);
  } catch (err) {
    return [`ovsx: ${err.message}`];
  }
  const { names } = await readVsix(file);
  if (!manifest.license && !names.some((n) => /^extension\/LICEN[CS]E(\.(md|txt))?$/i.test(n))) problems.push('ovsx: no license (neither "license" in package.json nor a LICENSE file)');
  if (!OPEN_VSX_TARGETS.includes(target)) problems.push(`ovsx: Open VSX has no target platform "${target}"`);
  if (!/^[\w-]+$/.test(manifest.publisher) || !/^[\w-]+$/.test(manifest.name)) problems.push(`ovsx: namespace and name must be letters, digits, - and _ ("${manifest.publisher}.${manifest.name}")`);
  return problems;
}

/** The VSIX's entries: names and a reader of their bytes. */
export async function readVsix(file) {
  const { default: JSZip } = await import('jszip');
  const zip = await JSZip.loadAsync(readFileSync(file));
  const names = Object.keys(zip.files).filter((n) => !zip.files[n].dir);
  const bytes = new Map();
  for (const n of names) bytes.set(n, Buffer.from(await zip.files[n].async('uint8array')));
  return { names, read: (n) => bytes.get(n) ?? Buffer.alloc(0) };
}

function esbuildVersion() {
  return JSON.parse(readFileSync(join(repoRoot, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
}

/** isolated-vm 7 has no Node 22 build; 6.2's Node 22 (ABI 127) prebuilds ship next to 7's. */
export const NODE22_ISOLATED_VM = { pkg: 'isolated-vm', version: '6.2.0', abi: '127' };

/**
 * A package from the npm registry, unpacked: fetched once with `npm pack` into
 * node_modules/.cache/serverless-lab-package/ and reused. Returns its folder.
 */
export function fetchPackage(pkg, version, log = () => {}) {
  const cached = join(repoRoot, 'node_modules', '.cache', 'serverless-lab-package', `${pkg.replace('/', '-')}-${version}`);
  if (existsSync(join(cached, 'package', 'package.json'))) return join(cached, 'package');
  log(`fetching ${pkg}@${version} from the npm registry`);
  mkdirSync(cached, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', `${pkg}@${version}`, '--pack-destination', cached, '--silent'], { cwd: cached, encoding: 'utf8', shell: process.platform === 'win32' });
  const tarball = join(cached, out.trim().split('\n').pop());
  execFileSync('tar', ['-xzf', tarball, '-C', cached]);
  rmSync(tarball);
  return join(cached, 'package');
}

/** The folder of `@esbuild/<platform>` at the installed esbuild's version: the installed one when it is the host's, else fetched. */
export function esbuildPackage(pkg, log = () => {}) {
  const version = esbuildVersion();
  const installed = join(repoRoot, 'node_modules', pkg);
  if (existsSync(join(installed, 'package.json')) && JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')).version === version) return installed;
  return fetchPackage(pkg, version, log);
}

/** The Node 22 prebuild files (from isolated-vm 6.2) of a prebuild folder and libc: [folder, file name][]. */
export function node22Prebuilds(dir, libc, log = () => {}) {
  const from = join(fetchPackage(NODE22_ISOLATED_VM.pkg, NODE22_ISOLATED_VM.version, log), 'prebuilds', dir);
  if (!existsSync(from)) return [];
  return readdirSync(from)
    .filter((f) => f.includes(`.abi${NODE22_ISOLATED_VM.abi}.`) && (!libc || f.includes(`.${libc}.`)))
    .map((f) => join(from, f));
}

/** Copies what the VSIX needs into `stage`, with only `target`'s native files. */
function stageTarget(target, stage, log) {
  const spec = TARGETS[target];
  // Never a VSIX, a source map or the stage of another target.
  const filter = (src) => !/\.(vsix|map)$/.test(src) && !src.startsWith(join(repoRoot, 'dist', 'vsix'));
  const copy = (from, to = from) => {
    if (existsSync(join(repoRoot, from))) cpSync(join(repoRoot, from), join(stage, to), { recursive: true, filter });
  };
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', '.vscodeignore', 'dist', 'lessons', 'media', 'schemas', 'types']) copy(f);
  if (!spec.ivm) return;
  const ivm = 'node_modules/isolated-vm';
  for (const f of ['package.json', 'isolated-vm.js', 'isolated-vm.d.ts', 'LICENSE']) copy(`${ivm}/${f}`);
  const prebuilds = join(repoRoot, ivm, 'prebuilds', spec.ivm.dir);
  for (const f of readdirSync(prebuilds)) {
    if (spec.ivm.libc && !f.includes(`.${spec.ivm.libc}.`)) continue;
    copy(`${ivm}/prebuilds/${spec.ivm.dir}/${f}`);
  }
  for (const file of node22Prebuilds(spec.ivm.dir, spec.ivm.libc, log)) cpSync(file, join(stage, ivm, 'prebuilds', spec.ivm.dir, file.split(/[\\/]/).pop()));
  copy('node_modules/node-gyp-build');
  for (const f of ['package.json', 'lib/main.js', 'LICENSE.md']) copy(`node_modules/esbuild/${f}`);
  const esbuild = esbuildPackage(spec.esbuild.pkg, log);
  for (const f of ['package.json', spec.esbuild.bin]) cpSync(join(esbuild, f), join(stage, 'node_modules', spec.esbuild.pkg, f));
}

/** Packages one target; returns { target, file, bytes, problems }. */
export async function packageTarget(target, { outDir = join(repoRoot, 'dist', 'vsix'), log = () => {} } = {}) {
  if (!TARGETS[target]) throw new Error(`unknown target "${target}" (targets: ${Object.keys(TARGETS).join(', ')})`);
  if (!existsSync(join(repoRoot, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run node scripts/build.mjs --production first');
  mkdirSync(outDir, { recursive: true });
  const stage = mkdtempSync(join(tmpdir(), `serverless-lab-stage-${target}-`));
  try {
    stageTarget(target, stage, log);
    const file = join(outDir, `serverless-lab-${target}.vsix`);
    const vsce = join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
    // Without native files the stage has no node_modules: nothing for vsce to list with npm.
    const deps = TARGETS[target].ivm ? [] : ['--no-dependencies'];
    try {
      execFileSync(process.execPath, [vsce, 'package', '--target', target, '--out', file, ...deps], { cwd: stage, stdio: 'pipe', encoding: 'utf8' });
    } catch (err) {
      throw new Error(`vsce package --target ${target} failed: ${(err.stderr || err.stdout || err.message).trim()}`);
    }
    const { names, read } = await readVsix(file);
    const problems = [...checkVsix(target, names, read), ...(await openVsxProblems(file, target))];
    return { target, file, bytes: statSync(file).size, problems, files: names.length };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Packages every target (or `targets`); throws when a VSIX's contents are wrong. */
export async function packageAll({ targets = Object.keys(TARGETS), outDir, log = console.log } = {}) {
  const results = [];
  for (const target of targets) {
    const t0 = Date.now();
    const r = await packageTarget(target, { outDir, log });
    log(`${target.padEnd(13)} ${(r.bytes / 1024 / 1024).toFixed(2).padStart(6)} MiB  ${r.files} files  ${relative(repoRoot, r.file)}  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    results.push(r);
  }
  const bad = results.filter((r) => r.problems.length > 0);
  if (bad.length) throw new Error(bad.map((r) => `${r.target}:\n  ${r.problems.join('\n  ')}`).join('\n'));
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const targets = [];
  let outDir;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--target') targets.push(args[++i]);
    else if (args[i] === '--out') outDir = args[++i];
    else if (args[i] === '--no-build') continue;
    else {
      console.error(`package.mjs: unknown argument ${args[i]} (use --target <t>, --out <dir>, --no-build)`);
      process.exit(2);
    }
  }
  for (const t of targets) {
    if (!TARGETS[t]) {
      console.error(`package.mjs: unknown target "${t}" (targets: ${Object.keys(TARGETS).join(', ')})`);
      process.exit(2);
    }
  }
  if (!args.includes('--no-build')) execFileSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs'), '--production'], { cwd: repoRoot, stdio: 'inherit' });
  try {
    await packageAll({ targets: targets.length ? targets : undefined, outDir });
  } catch (err) {
    console.error(`package.mjs: ${err.message}`);
    process.exit(1);
  }
}
