// The test harness's own setup logic: the clean environment of nested npm installs, and what the
// first run installs (or asks a person to install) on which system.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

type Env = Record<string, string | undefined>;
interface Setup {
  npmFreeEnv(env: Env, extra?: Env): Env;
  isDebianLike(osRelease: string): boolean;
  missingPackages(needs: string[], deps: { env: Env; installed: (pkg: string) => boolean; exists: (path: string) => boolean; debian: boolean }): string[];
  installCommand(packages: string[], opts: { debian: boolean; root: boolean }): string;
}
// The harness is plain ESM JavaScript (it runs before anything is built); Node 24 requires it as is.
const setup = require('../harness/prerequisites.mjs') as Setup;
const { node24 } = require('../harness/codeServer.mjs') as { node24(): string };

const DEBIAN = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n';
const UBUNTU = 'NAME="Ubuntu"\nID=ubuntu\nID_LIKE=debian\n';
const MINT = 'NAME="Linux Mint"\nID=linuxmint\nID_LIKE="ubuntu debian"\n';
const FEDORA = 'NAME="Fedora Linux"\nID=fedora\n';

describe('test harness setup', () => {
  describe('npmFreeEnv: nested npm installs get a clean environment', () => {
    // What the machine's npm (on Node 20) sets for `npm test`: the values that broke code-server's install.
    const outer = {
      PATH: '/usr/bin',
      HOME: '/root',
      npm_config_user_agent: 'npm/11.19.1 node/v20.20.2 linux x64 workspaces/false',
      npm_config_nodedir: '/usr/include/node',
      npm_config_prefix: '/usr/local',
      npm_lifecycle_event: 'test',
      npm_lifecycle_script: 'npm run typecheck && …',
      npm_package_name: 'serverless-lab',
      npm_execpath: '/usr/local/lib/node_modules/npm/bin/npm-cli.js',
      npm_node_execpath: '/usr/local/bin/node',
      npm_command: 'test',
      NODE: '/usr/local/bin/node',
      INIT_CWD: '/work/main',
      SERVERLESS_LAB_TEST_CACHE: '/tmp/cache',
    };

    it('drops every npm_config_*, npm_lifecycle_*, npm_package_* value and what names the outer npm and its Node', () => {
      const env = setup.npmFreeEnv(outer);
      assert.deepEqual(Object.keys(env).sort(), ['HOME', 'PATH', 'SERVERLESS_LAB_TEST_CACHE']);
    });

    it('adds the values the harness sets itself after cleaning, so they win', () => {
      const env = setup.npmFreeEnv(outer, { npm_config_nodedir: '/node24', npm_config_yes: 'true' });
      assert.equal(env.npm_config_nodedir, '/node24');
      assert.equal(env.npm_config_yes, 'true');
      assert.equal(env.npm_config_user_agent, undefined);
    });

    it('a nested npm then reports its own Node to lifecycle scripts (it keeps an inherited user agent otherwise)', function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'lab-nested-npm-'));
      try {
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'nested', version: '1.0.0', scripts: { ua: 'node -e "console.log(process.env.npm_config_user_agent)"' } }));
        const node = node24();
        const path = `${dirname(node)}:${process.env.PATH}`;
        const run = (env: NodeJS.ProcessEnv) => spawnSync('npm', ['run', '-s', 'ua'], { cwd: dir, env, encoding: 'utf8' }).stdout.trim();
        const inherited = run({ ...process.env, ...outer, PATH: path });
        assert.match(inherited, /node\/v20\.20\.2/, 'the bug this guards against: an inherited user agent survives a nested npm');
        const clean = run(setup.npmFreeEnv({ ...process.env, ...outer }, { PATH: path }));
        assert.match(clean, new RegExp(`node/v${process.versions.node.split('.')[0]}\\.|node/v24\\.`));
        assert.doesNotMatch(clean, /v20\.20\.2/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('which systems the harness can install packages on', () => {
    it('Debian and its derivatives, by ID or ID_LIKE', () => {
      assert.equal(setup.isDebianLike(DEBIAN), true);
      assert.equal(setup.isDebianLike(UBUNTU), true);
      assert.equal(setup.isDebianLike(MINT), true);
      assert.equal(setup.isDebianLike(FEDORA), false);
      assert.equal(setup.isDebianLike(''), false);
    });
  });

  describe('missingPackages', () => {
    const none = () => false;
    const all = () => true;

    it('a fresh Debian machine lacks Chromium and every header package', () => {
      const missing = setup.missingPackages(['browser', 'code-server'], { env: {}, installed: none, exists: none, debian: true });
      assert.deepEqual(missing, ['chromium', 'libkrb5-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'ripgrep']);
    });

    it('Chromium counts as present when its executable exists, whatever installed it', () => {
      const seen: string[] = [];
      const exists = (p: string) => (seen.push(p), p === '/opt/chrome/chrome');
      assert.deepEqual(setup.missingPackages(['browser'], { env: { CHROMIUM_PATH: '/opt/chrome/chrome' }, installed: none, exists, debian: true }), []);
      assert.deepEqual(seen, ['/opt/chrome/chrome']);
      assert.deepEqual(setup.missingPackages(['browser'], { env: {}, installed: none, exists: (p: string) => p === '/usr/bin/chromium', debian: true }), []);
    });

    it('a CHROMIUM_PATH that does not exist is an error naming it, not an install', () => {
      assert.throws(() => setup.missingPackages(['browser'], { env: { CHROMIUM_PATH: '/nope/chromium' }, installed: all, exists: none, debian: true }), /CHROMIUM_PATH is \/nope\/chromium, which does not exist/);
    });

    it('only what dpkg does not list as installed', () => {
      const installed = (p: string) => p !== 'libsecret-1-dev';
      assert.deepEqual(setup.missingPackages(['code-server'], { env: {}, installed, exists: all, debian: true }), ['libsecret-1-dev']);
    });

    it('off Debian: a missing browser is reported; headers are left to the build (no dpkg to ask)', () => {
      assert.deepEqual(setup.missingPackages(['browser', 'code-server'], { env: {}, installed: none, exists: none, debian: false }), ['chromium']);
    });

    it('an unknown need is an error listing the known ones', () => {
      assert.throws(() => setup.missingPackages(['firefox'], { env: {}, installed: all, exists: all, debian: true }), /unknown prerequisite "firefox" \(known: browser, code-server\)/);
    });
  });

  describe('installCommand: the exact command when the harness cannot install', () => {
    it('Debian as root, Debian with sudo, and any other system', () => {
      assert.equal(setup.installCommand(['chromium'], { debian: true, root: true }), 'apt-get update && apt-get install -y --no-install-recommends chromium');
      assert.equal(setup.installCommand(['chromium', 'pkg-config'], { debian: true, root: false }), 'sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium pkg-config');
      assert.match(setup.installCommand(['chromium'], { debian: false, root: true }), /CHROMIUM_PATH.*Debian names: chromium/);
    });
  });
});
