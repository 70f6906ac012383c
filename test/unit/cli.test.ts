import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main, parseDuration } from '../../src/cli/main';

const root = join(__dirname, '..', '..');
const examples = join(root, 'examples');

function run(argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function scenarioDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'slab-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

describe('serverless-lab CLI', () => {
  it('--help prints usage and exits 0', () => {
    const r = run(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: serverless-lab simulate <scenario\.json>/);
  });

  it('bad usage exits 2 with a one-line message', () => {
    for (const argv of [['simulate'], ['frobnicate'], ['simulate', 'x.json', '--until', '5 parsecs'], ['simulate', 'x.json', '--seed', '-1'], ['simulate', 'x.json', '--wat'], ['simulate', join(examples, 'nope.json')]]) {
      const r = run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /^serverless-lab: /);
    }
  });

  it('parses durations', () => {
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('15m'), 900_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('30'), 30_000);
  });

  it('a scenario with problems: every problem with its path, exit 2', () => {
    const dir = scenarioDir({
      'bad.json': JSON.stringify({ name: 'bad', queues: [{ name: 'orders', visibilityTimeoutS: -5 }], functions: [{ name: 'w', handler: 'w.js', events: [{ queue: 'ordrs' }] }] }),
    });
    const r = run(['simulate', join(dir, 'bad.json')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /2 problems/);
    assert.match(r.err, /queues\[0\]\.visibilityTimeoutS: must be a number between 0 and 43200, got -5/);
    assert.match(r.err, /functions\[0\]\.events\[0\]\.queue: unknown queue "ordrs" \(known: orders\)/);
  });

  it('a missing or broken handler file is a problem at functions[i].handler', () => {
    const dir = scenarioDir({
      's.json': JSON.stringify({ name: 's', functions: [{ name: 'a', handler: 'missing.js' }, { name: 'b', handler: 'broken.js' }] }),
      'broken.js': 'export function handler( {',
    });
    const r = run(['simulate', join(dir, 's.json')]);
    assert.equal(r.code, 2);
    assert.match(r.err, /functions\[0\]\.handler: handler file not found/);
    assert.match(r.err, /functions\[1\]\.handler: cannot compile/);
  });

  it('simulate prints a readable summary; --json prints the summary object', () => {
    const text = run(['simulate', join(examples, 'fan-out.scenario.json'), '--until', '60s']);
    assert.equal(text.code, 0, text.err);
    assert.match(text.out, /Scenario fan-out \(seed 7\): 1 min of virtual time/);
    assert.match(text.out, /make-thumbnail +invoked \d+, succeeded \d+, cold starts \d+; duration p50/);
    assert.match(text.out, /Lost: 0/);
    assert.match(text.out, /Cost: \$/);
    const json = run(['simulate', join(examples, 'fan-out.scenario.json'), '--until', '60s', '--json', '--seed', '3']);
    assert.equal(json.code, 0);
    const s = JSON.parse(json.out);
    assert.equal(s.seed, 3);
    assert.equal(s.lost, 0);
    assert.equal(s.virtualMs, 60_000);
    assert.equal(s.topics['photo-uploaded'].delivered, 3 * s.topics['photo-uploaded'].published);
  });

  it('--trace writes every record as a JSON line, identical for the same seed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'slab-trace-'));
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    assert.equal(run(['simulate', join(examples, 'fan-out.scenario.json'), '--until', '20s', '--json', '--trace', a]).code, 0);
    const summary = JSON.parse(run(['simulate', join(examples, 'fan-out.scenario.json'), '--until', '20s', '--json', '--trace', b]).out);
    const lines = readFileSync(a, 'utf8').trim().split('\n');
    assert.equal(lines.length, summary.events);
    assert.deepEqual(Object.keys(JSON.parse(lines[0])).slice(0, 4), ['seq', 't', 'kind', 'resource']);
    assert.equal(readFileSync(a, 'utf8'), readFileSync(b, 'utf8'));
  });

  it('handler modules: evaluated once per environment, serverless-lab imports, console → log, no Node built-ins', () => {
    const dir = scenarioDir({
      's.json': JSON.stringify({
        name: 'mods',
        durationS: 5,
        queues: [{ name: 'out' }],
        functions: [
          { name: 'counter', handler: 'counter.ts#count', reservedConcurrency: 2, durationMs: 900 },
          { name: 'sneaky', handler: 'sneaky.js', async: { maxRetries: 0 } },
        ],
        traffic: [
          { name: 't', target: { function: 'counter' }, ratePerSecond: 2, durationS: 3 },
          { name: 'u', target: { function: 'sneaky' }, ratePerSecond: 1, durationS: 1 },
        ],
      }),
      'counter.ts': "import { send } from 'serverless-lab';\nimport { label } from './util';\nlet n: number = 0;\nconst env = Math.random();\nexport const count = (e: unknown, ctx: { environmentId: string }) => { n++; console.log(label(n)); send('out', { env: ctx.environmentId, n, same: env === env }); };\n",
      'util.ts': 'export function label(n: number): string { return `call ${n}`; }\n',
      'sneaky.js': "const fs = require('fs');\nexport function handler() { return fs.readFileSync('/etc/passwd', 'utf8'); }\n",
    });
    const r = run(['simulate', join(dir, 's.json'), '--json', '--trace', join(dir, 't.jsonl')]);
    assert.equal(r.code, 0, r.err);
    const records = readFileSync(join(dir, 't.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const sent = records.filter((x) => x.kind === 'sent' && x.resource === 'out');
    assert.equal(sent.length, 6);
    const logs = records.filter((x) => x.kind === 'log' && x.resource === 'counter');
    assert.equal(logs.length, 6);
    assert.equal(logs[0].detail.args[0], 'call 1');
    // Two environments (each invocation takes 900 ms at 2/s): each counts from 1 on its own.
    const s = JSON.parse(r.out);
    assert.equal(s.functions.counter.coldStarts, 2);
    const sneaky = records.find((x) => x.kind === 'failed' && x.resource === 'sneaky');
    assert.match(sneaky.detail.error, /require\('fs'\) is not available in a handler module/);
    assert.equal(s.functions.sneaky.dropped, 1);
    assert.equal(s.lost, 1);
  });

  it('runs as a program: node -r ./test/register.js src/cli/main.ts (exit codes)', () => {
    const ok = spawnSync(process.execPath, ['-r', './test/register.js', 'src/cli/main.ts', 'simulate', 'examples/fan-out.scenario.json', '--until', '10s'], { cwd: root, encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /Lost: 0/);
    const bad = spawnSync(process.execPath, ['-r', './test/register.js', 'src/cli/main.ts', 'simulate'], { cwd: root, encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'serverless-lab: simulate: missing <scenario.json>\n');
  });
});
