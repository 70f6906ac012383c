// The sandbox suite (attacks included) on Node 22, with the isolated-vm build the VSIXs ship for it.
//
// isolated-vm 7 publishes no Node 22 build; the VSIXs carry isolated-vm 6.2's Node 22 (ABI 127)
// prebuilds next to 7's (scripts/package.mjs). This runs the same test files the unit suite runs for
// the sandbox, the compiler and the runtime process, under a Node 22 from the npm registry
// (`node-<platform>-<arch>@22`, fetched once into node_modules/.cache/), with 6.2's prebuild put
// beside 7's in node_modules/isolated-vm for the run and taken away afterwards.
//
//   npm run test:node22
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fetchPackage, hostTarget, node22Prebuilds, repoRoot, TARGETS } from './package.mjs';

const SUITE = ['test/unit/sandbox.attacks.test.ts', 'test/unit/sandbox.executor.test.ts', 'test/unit/sandbox.compile.test.ts', 'test/unit/runtime.test.ts'];

const target = TARGETS[hostTarget()];
if (!target?.ivm) {
  console.error(`test-node22: isolated-vm has no build for ${hostTarget()}`);
  process.exit(2);
}
if (process.platform === 'win32') {
  console.error('test-node22: runs on Linux and macOS (it unpacks the node-<platform> package from the npm registry)');
  process.exit(2);
}
const nodePackage = `node-${process.platform}-${process.arch}`;
const node = join(fetchPackage(nodePackage, '22', console.log), 'bin', 'node');
const version = execFileSync(node, ['-v'], { encoding: 'utf8' }).trim();
const added = [];
for (const file of node22Prebuilds(target.ivm.dir, target.ivm.libc, console.log)) {
  const to = join(repoRoot, 'node_modules', 'isolated-vm', 'prebuilds', target.ivm.dir, file.split('/').pop());
  if (!existsSync(to)) {
    copyFileSync(file, to);
    added.push(to);
  }
}
console.log(`sandbox suite on Node ${version} (${node}), isolated-vm 6.2's ABI 127 prebuild`);
let status;
try {
  const mocha = join(repoRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');
  status = spawnSync(node, [mocha, '--no-config', '-r', 'test/register.js', '--extension', 'ts', '--node-option', 'no-node-snapshot', '--timeout', '30000', ...SUITE], { cwd: repoRoot, stdio: 'inherit' }).status;
} finally {
  for (const f of added) rmSync(f);
}
process.exit(status ?? 1);
