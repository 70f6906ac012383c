// The sandbox's limits seen from the extension host: the real runtime process (forked through
// client.ts, as the editor does) must survive what a handler does, and tell the learner why.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { RuntimeClient } from '../../src/sandbox/client';
import { makeScrubber } from '../../src/sandbox/scrub';
import { FRAME_CHARS, MAX_IPC_BYTES, sliceText, FrameReader, type Frame, type Push } from '../../src/sandbox/protocol';
import type { TraceRecord } from '../../src/engine/trace';

const repo = path.resolve(__dirname, '..', '..');

function client(env: NodeJS.ProcessEnv = {}): RuntimeClient {
  return new RuntimeClient({
    runtimePath: path.join(repo, 'src', 'sandbox', 'runtime.ts'),
    nodePath: process.execPath,
    execArgv: ['-r', path.join(repo, 'test', 'register.js')],
    env: { SERVERLESS_LAB_TEST_HOOKS: '1', ...env },
    // The checkout stands for the extension's folder (the runtime runs from its sources here).
    hostDirs: { extensionDir: repo },
  });
}

function records(pushes: Push[]): TraceRecord[] {
  return pushes.flatMap((p) => (p.push === 'trace' && p.source === 'scenario' ? p.records : []));
}

describe('runtime protocol frames', () => {
  it('slices JSON text under FRAME_CHARS without splitting a surrogate pair, and joins it back', () => {
    const text = JSON.stringify({ s: '\u{1F600}'.repeat(5) + 'x'.repeat(7) + '\u4e2d'.repeat(3) });
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const parts = sliceText(text, size);
      assert.equal(parts.join(''), text);
      for (const p of parts) {
        assert.ok(p.length <= size || (size === 1 && p.length === 1), `${p.length} > ${size}`);
        const last = p.charCodeAt(p.length - 1);
        if (size > 1) assert.ok(!(last >= 0xd800 && last <= 0xdbff), 'a slice ends inside a surrogate pair');
      }
      const reader = new FrameReader();
      let out: unknown;
      parts.forEach((t, i) => (out = reader.push({ frame: 7, last: i === parts.length - 1, text: t })));
      assert.deepEqual(out, JSON.parse(text));
    }
  });

  it('refuses a frame of another message before the current one ended', () => {
    const reader = new FrameReader();
    assert.equal(reader.push({ frame: 1, last: false, text: '{"a":' }), undefined);
    assert.throws(() => reader.push({ frame: 2, last: true, text: '{}' }), /runtime message 2 began before message 1 ended/);
    assert.deepEqual(reader.push({ frame: 3, last: true, text: '{"b":1}' }), { b: 1 });
  });
});

describe('host scrubbing', () => {
  it('turns host paths into placeholders or workspace-relative paths, and environment values into their names', () => {
    const ws = path.join(homedir(), 'projects', 'my lab');
    const scrub = makeScrubber({ extensionDir: '/opt/ext/serverless-lab', workspaceDirs: [ws] }, { API_TOKEN: 'sk-live-0123456789', SHORT: 'abc', EMPTY: '' }, 'linux');
    const text = [
      `at run (/opt/ext/serverless-lab/dist/runtime.js:10:5)`,
      `at ${ws}/handler.ts:3:1 and ${ws}`,
      `file://${encodeURI(ws)}/handler.ts`,
      `${path.join(tmpdir(), 'limits-1', 'a.ts')}`,
      `${homedir()}/.config/app`,
      `token sk-live-0123456789 abc`,
    ].join('\n');
    assert.equal(
      scrub(text),
      ['at run (<extension>/dist/runtime.js:10:5)', 'at handler.ts:3:1 and .', 'file://handler.ts', '<tmp>/limits-1/a.ts', '~/.config/app', 'token <env API_TOKEN> abc'].join('\n'),
    );
  });

  it('matches Windows paths with either separator, ignoring case', () => {
    const scrub = makeScrubber({ extensionDir: 'C:\\Users\\Ada\\.vscode\\extensions\\lab' }, {}, 'win32');
    assert.equal(scrub('at c:\\users\\ada\\.vscode\\extensions\\lab\\dist\\runtime.js and C:/Users/Ada/.vscode/extensions/lab/x'), 'at <extension>\\dist\\runtime.js and <extension>/x');
  });
});

describe('runtime process: sandbox limits', function () {
  this.timeout(90_000);
  let dir: string;
  const clients: RuntimeClient[] = [];
  const make = (env: NodeJS.ProcessEnv = {}) => {
    const c = client(env);
    clients.push(c);
    return c;
  };
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'runtime-limits-'));
  });
  after(async () => {
    for (const c of clients) await c.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  const scenario = (name: string, functions: Array<{ name: string; handler: string; code: string; startS: number }>): string => {
    for (const f of functions) writeFileSync(path.join(dir, f.handler), f.code);
    const doc = {
      name,
      durationS: 10,
      queues: functions.map((f) => ({ name: `to-${f.name}` })),
      functions: functions.map((f) => ({ name: f.name, handler: f.handler, memoryMb: 128, timeoutS: 2, events: [{ queue: `to-${f.name}`, batchSize: 1 }] })),
      traffic: functions.map((f) => ({ name: `feed-${f.name}`, target: { queue: `to-${f.name}` }, ratePerSecond: 1, startS: f.startS, durationS: 1 })),
    };
    const file = path.join(dir, `${name}.scenario.json`);
    writeFileSync(file, JSON.stringify(doc));
    return file;
  };

  it("a handler growing a dictionary object to the heap limit fails with Runtime.OutOfMemory, and the same runtime process runs the next handler", async () => {
    // 8 MB environments (a test hook), so the heap fills within the 2 s budget on a busy machine.
    const rt = make({ SERVERLESS_LAB_TEST_MAX_MEMORY_MB: '8' });
    const pushes: Push[] = [];
    rt.on('push', (p) => pushes.push(p));
    const restarts: string[] = [];
    rt.on('restart', (r) => restarts.push(r.reason));
    await rt.start();
    const pid = rt.pid;
    const file = scenario('dictionary', [
      { name: 'hog', handler: 'hog.ts', code: "export const handler = () => { const o: Record<string, number> = {}; for (let i = 0; ; i++) o['k' + i] = i; };\n", startS: 0 },
      { name: 'fine', handler: 'fine.ts', code: "export const handler = async (event: unknown) => ({ ok: true, got: event !== undefined });\n", startS: 5 },
    ]);
    await rt.request({ type: 'load', scenarioFile: file });
    await rt.request({ type: 'run' });
    const trace = records(pushes);
    const failed = trace.filter((r) => r.kind === 'failed' && r.resource === 'hog');
    assert.ok(failed.length >= 1, `hog failed (${trace.filter((r) => r.resource === 'hog').map((r) => r.kind).join(', ')})`);
    assert.equal(failed[0].detail?.error, "Runtime.OutOfMemory: the handler ran out of memory: the environment's heap is limited to 8 MB (the sandbox's cap; the function has 128 MB), and it was killed");
    const fine = trace.filter((r) => r.kind === 'succeeded' && r.resource === 'fine');
    assert.equal(fine.length, 1, 'the handler after it ran');
    assert.deepEqual(fine[0].detail?.returned, { ok: true, got: true });
    assert.equal(rt.pid, pid, 'the same runtime process');
    assert.deepEqual(restarts, []);
    // And a scenario loaded afterwards runs in it too.
    const again = scenario('after', [{ name: 'fine2', handler: 'fine.ts', code: "export const handler = async (event: unknown) => ({ ok: true, got: event !== undefined });\n", startS: 0 }]);
    await rt.request({ type: 'load', scenarioFile: again });
    await rt.request({ type: 'run' });
    assert.ok(records(pushes).some((r) => r.kind === 'succeeded' && r.resource === 'fine2'));
    assert.equal(rt.pid, pid);
    assert.equal(rt.restarts, 0);
  });

  /** The largest IPC message seen, bytes (as Node's IPC writes it: JSON), and the frames that were parts of a longer message. */
  const watch = (rt: RuntimeClient) => {
    const seen = { largest: 0, messages: 0, partial: 0 };
    rt.on('ipc', (raw) => {
      seen.messages++;
      seen.largest = Math.max(seen.largest, Buffer.byteLength(JSON.stringify(raw)));
      if (!(raw as Frame).last && (raw as Frame).frame !== undefined) seen.partial++;
    });
    return seen;
  };

  it('a run tracing big log lines reaches the host whole, in IPC messages of at most 1 MB', async () => {
    const rt = make();
    const pushes: Push[] = [];
    rt.on('push', (p) => pushes.push(p));
    const seen = watch(rt);
    // Lines of ~200,000 characters (non-ASCII and astral ones too), 12 per invocation: about 2.4 M characters a second of trace.
    const code = `export const handler = async (event: any) => { for (let i = 0; i < 12; i++) console.log('line-' + i + ':' + '\\u4e2d\\u{1F600}"\\\\'.repeat(40000)); return 'logged'; };\n`;
    const file = scenario('big-trace', [{ name: 'logger', handler: 'logger.ts', code, startS: 0 }]);
    await rt.request({ type: 'load', scenarioFile: file });
    await rt.request({ type: 'run' });
    const logs = records(pushes).filter((r) => r.kind === 'log' && r.resource === 'logger');
    assert.equal(logs.length, 12, 'every line arrived');
    const expected = '\u4e2d\u{1F600}"\\'.repeat(40000);
    logs.forEach((r, i) => assert.equal((r.detail?.args as string[])[0], `line-${i}:${expected}`));
    const chars = logs.reduce((n, r) => n + JSON.stringify(r).length, 0);
    assert.ok(chars > 2_000_000, `a big trace (${chars} characters)`);
    assert.ok(seen.partial > 0, 'long messages went as frames');
    assert.ok(seen.largest <= MAX_IPC_BYTES, `largest IPC message ${seen.largest} bytes`);
    assert.ok(FRAME_CHARS * 3 + 100 <= MAX_IPC_BYTES);
  });

  it('a check result with a thousand log lines comes back whole, in IPC messages of at most 1 MB', async () => {
    const rt = make();
    const seen = watch(rt);
    const handlerDir = mkdtempSync(path.join(dir, 'check-'));
    writeFileSync(path.join(handlerDir, 'handler.ts'), "export const handler = async (event: any) => { console.log('visit ' + JSON.stringify(event.pathParameters ?? {}) + ' ' + '#'.repeat(5000)); return { statusCode: 200, body: 'hi' }; };\n");
    const result = await rt.request<{ logs: Array<{ text: string }>; logsDropped: number; outcomes: unknown[] }>({ type: 'check', lessonDir: path.join(repo, 'lessons', '01-what-serverless-means'), handlerDir });
    assert.equal(result.logs.length, 1000);
    assert.ok(result.logsDropped > 0);
    for (const l of result.logs) assert.match(l.text, /^visit \{.*\} #{5000}$/);
    assert.ok(JSON.stringify(result).length > 5_000_000, 'the answer is over 5 MB of JSON');
    assert.ok(seen.partial > 0, 'it went as frames');
    assert.ok(seen.largest <= MAX_IPC_BYTES, `largest IPC message ${seen.largest} bytes`);
  });

  it("the runtime's crash report and raw stderr reach the host without host paths or environment values, and the runtime restarts", async () => {
    const secret = 'planted-secret-4f9c2e7a';
    const rt = make({ SERVERLESS_LAB_PLANTED: secret });
    const lines: string[] = [];
    rt.on('stderr', (line) => lines.push(line));
    const restarts: string[] = [];
    rt.on('restart', (r) => restarts.push(r.reason));
    await rt.start();
    await rt.request({ type: 'fault', kind: 'stderr' });
    const oldPid = rt.pid;
    await rt.request({ type: 'fault', kind: 'throw' }).catch(() => undefined);
    // The uncaught error ends the process: wait for the restart.
    for (let i = 0; i < 200 && restarts.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(restarts.length, 1, 'restarted after the crash');
    assert.match(restarts[0], /exited unexpectedly \(code 70\)/);
    assert.notEqual(rt.pid, oldPid);
    await rt.request({ type: 'ping' });
    const text = lines.join('\n');
    assert.match(text, /^planted <env SERVERLESS_LAB_PLANTED> in <extension>\/src\/sandbox\/runtime\.ts, <tmp>\/x\.json, ~\/\.config \(file:\/\/<extension>\/src\/sandbox\/x\.js:1:2\)$/m, text);
    assert.match(text, /^the runtime process crashed \(uncaught exception\): Error: planted <env SERVERLESS_LAB_PLANTED> in <extension>\/src\/sandbox\/runtime\.ts/m, text);
    for (const leak of [secret, repo, tmpdir(), homedir()]) assert.ok(!text.includes(leak), `stderr shows ${leak}:\n${text}`);
  });

  it('an error message from the runtime names workspace files relative to the workspace', async () => {
    const rt = new RuntimeClient({
      runtimePath: path.join(repo, 'src', 'sandbox', 'runtime.ts'),
      nodePath: process.execPath,
      execArgv: ['-r', path.join(repo, 'test', 'register.js')],
      hostDirs: { extensionDir: repo, workspaceDirs: [dir] },
    });
    clients.push(rt);
    await assert.rejects(rt.request({ type: 'load', scenarioFile: path.join(dir, 'missing', 'nothing.scenario.json') }), (err: Error) => {
      assert.match(err.message, /^cannot read missing\/nothing\.scenario\.json: ENOENT: no such file or directory, open 'missing\/nothing\.scenario\.json'$/);
      return true;
    });
  });
});
