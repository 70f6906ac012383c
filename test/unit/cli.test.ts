import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { main, parseDuration } from '../../src/cli/main';

const root = join(__dirname, '..', '..');
const examples = join(root, 'examples');
const lessonsRoot = join(root, 'lessons');

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

describe('serverless-lab CLI', function () {
  this.timeout(60_000);
  // Several tests run the built CLI (dist/cli.js) as a user would.
  before(() => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr);
  });

  it('--help lists the commands; each command has its own help', () => {
    for (const argv of [['--help'], [], ['help']]) {
      const r = run(argv);
      assert.equal(r.code, 0);
      assert.match(r.out, /^Usage: serverless-lab <command>/);
      for (const c of ['simulate <scenario.json>', 'lessons', 'check <lesson>']) assert.ok(r.out.includes(`  ${c} `), c);
    }
    for (const [argv, usage, option] of [
      [['simulate', '--help'], 'simulate <scenario.json>', '--executor'],
      [['help', 'lessons'], 'lessons', '--lessons'],
      [['check', '10', '-h'], 'check <lesson>', '--handler'],
    ] as const) {
      const r = run([...argv]);
      assert.equal(r.code, 0, argv.join(' '));
      assert.ok(r.out.startsWith(`Usage: serverless-lab ${usage} [options]`), r.out);
      assert.match(r.out, new RegExp(`^  ${option} `, 'm'));
    }
  });

  it('bad usage exits 2 with a one-line message', () => {
    for (const argv of [
      ['simulate'],
      ['frobnicate'],
      ['help', 'frobnicate'],
      ['simulate', 'x.json', '--until', '5 parsecs'],
      ['simulate', 'x.json', '--seed', '-1'],
      ['simulate', 'x.json', '--executor', 'docker'],
      ['simulate', 'x.json', 'y.json'],
      ['simulate', join(examples, 'nope.json')],
      ['check'],
      ['check', 'streams', '--handler'],
      ['check', 'streams', '--seeds', '0'],
      ['check', 'streams', '--seeds', '101'],
      ['check', 'streams', '--seeds', 'many'],
      ['lessons', '--lessons', tmpdir()],
    ]) {
      const r = run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.err.trim().split('\n').length, 1, r.err);
      assert.match(r.err, /^serverless-lab: /);
    }
  });

  it('an unknown option is an error naming it and the options of that command', () => {
    const sim = run(['simulate', 'x.json', '--wat']);
    assert.equal(sim.code, 2);
    assert.equal(sim.err, 'serverless-lab: simulate: unknown option --wat (options: --seed, --until, --json, --trace, --trace-max-mb, --executor; see serverless-lab simulate --help)\n');
    const check = run(['check', 'streams', '--trace', 'x']);
    assert.equal(check.code, 2);
    assert.match(check.err, /check: unknown option --trace \(options: --handler, --json, --seed, --seeds, --lessons;/);
    assert.match(run(['lessons', '--seed', '3']).err, /lessons: unknown option --seed/);
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

  it('a missing or broken handler file, or a Node built-in import, is a problem at functions[i].handler (both executors)', () => {
    const dir = scenarioDir({
      's.json': JSON.stringify({ name: 's', functions: [{ name: 'a', handler: 'missing.js' }, { name: 'b', handler: 'broken.js' }, { name: 'c', handler: 'sneaky.js' }] }),
      'broken.js': 'export function handler( {',
      'sneaky.js': "const cp = require('child_process');\nexport function handler() { return cp.execSync('id'); }\n",
    });
    for (const executor of ['sandbox', 'inprocess']) {
      const r = run(['simulate', join(dir, 's.json'), '--executor', executor]);
      assert.equal(r.code, 2, executor);
      assert.match(r.err, /3 problems/);
      assert.match(r.err, /functions\[0\]\.handler: .*handler file not found: missing\.js/);
      assert.match(r.err, /functions\[1\]\.handler: broken\.js:1:\d+: /);
      assert.match(r.err, /functions\[2\]\.handler: sneaky\.js:1:\d+: Node built-in 'child_process' is not available in a handler/);
    }
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

  it('simulate runs the other-systems example: RabbitMQ routes, Pub/Sub pushes in order, Kinesis is counted; nothing lost', () => {
    const text = run(['simulate', join(examples, 'other-systems.scenario.json')]);
    assert.equal(text.code, 0, text.err);
    for (const heading of ['Kinesis streams', 'RabbitMQ exchanges', 'RabbitMQ queues', 'Pub/Sub topics', 'Pub/Sub subscriptions']) assert.ok(text.out.includes(`\n${heading}\n`), heading);
    const s = JSON.parse(run(['simulate', join(examples, 'other-systems.scenario.json'), '--json']).out);
    const published = s.exchanges.orders.published;
    assert.equal(published, s.traffic.checkout.requests);
    assert.equal(s.rabbitQueues.billing.acked, published, 'every order.*.created is billed');
    assert.ok(s.rabbitQueues['eu-shipping'].acked > 0 && s.rabbitQueues['eu-shipping'].acked < published);
    assert.equal(s.exchanges.orders.routed, published + s.rabbitQueues['eu-shipping'].sent);
    assert.equal(s.pubsubSubscriptions['ship-in-order'].acked, published);
    const audit = s.pubsubSubscriptions['large-orders-audit'];
    assert.equal(audit.sent + audit.filteredOut, published);
    assert.equal(s.kinesisStreams.clicks.produced, s.traffic.browsing.requests);
    const items = s.tables['click-batches'].items;
    assert.ok(items >= s.functions['count-clicks'].succeeded && items <= s.functions['count-clicks'].invoked, `one row per batch: ${items}`);
    assert.equal(s.lost, 0);
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
    // Byte for byte: the trace holds virtual time only, even with handlers in the sandbox.
    assert.equal(readFileSync(a, 'utf8'), readFileSync(b, 'utf8'));
  });


  it('a handler reading Date.now(), performance.now(), Math.random() and crypto gives the same trace bytes for a seed (both executors, separate processes)', () => {
    const dir = scenarioDir({
      's.json': JSON.stringify({
        name: 'clocks',
        durationS: 4,
        seed: 11,
        queues: [{ name: 'out' }],
        functions: [{ name: 'stamp', handler: 'stamp.ts', durationMs: 150 }],
        traffic: [{ name: 't', target: { function: 'stamp' }, ratePerSecond: 10, durationS: 3 }],
      }),
      'stamp.ts': `import { send, work } from 'serverless-lab';
const loadedAt = new Date().toISOString();
export const handler = async () => {
  const at = Date.now();
  const id = crypto.randomUUID();
  const bytes = Array.from(crypto.getRandomValues(new Uint8Array(4)));
  work(Math.floor(Math.random() * 50));
  console.log({ at, perf: performance.now(), later: Date.now(), loadedAt, id, bytes, r: Math.random() });
  await send('out', { id, at: new Date().toISOString() });
};
`,
    });
    const traceOf = (executor: string, seed: string, name: string): string => {
      const file = join(dir, name);
      const r = spawnCli(['simulate', join(dir, 's.json'), '--executor', executor, '--seed', seed, '--trace', file], dir);
      assert.equal(r.status, 0, r.stderr);
      return readFileSync(file, 'utf8');
    };
    const sandbox = traceOf('sandbox', '11', 'a.jsonl');
    assert.equal(traceOf('sandbox', '11', 'b.jsonl'), sandbox, 'sandbox: same seed, same bytes');
    const records = sandbox.trim().split('\n').map((l) => JSON.parse(l));
    const logs = records.filter((x) => x.kind === 'log');
    assert.equal(logs.length, 30);
    assert.ok(new Set(logs.map((x) => x.detail.env)).size > 1, 'several environments');
    for (const log of logs) {
      const v = log.detail.args[0];
      // The handler's clock is the virtual instant of its invocation, on the simulation's calendar.
      assert.equal(v.at, Date.UTC(2026, 0, 1) + log.t);
      assert.ok(v.later >= v.at && v.later < v.at + 50);
      assert.match(v.loadedAt, /^2026-01-01T00:00:0\d\.\d{3}Z$/);
    }
    assert.equal(new Set(logs.map((x) => x.detail.args[0].id)).size, 30, 'every UUID differs');
    assert.notEqual(traceOf('sandbox', '12', 'c.jsonl'), sandbox, 'another seed, other numbers');
    const inprocess = traceOf('inprocess', '11', 'd.jsonl');
    assert.equal(traceOf('inprocess', '11', 'e.jsonl'), inprocess, 'in-process: same seed, same bytes');
    assert.notEqual(traceOf('inprocess', '12', 'f.jsonl'), inprocess);
  });

  it("local-time Date methods read UTC, as on Lambda, whatever the machine's zone (both executors)", () => {
    const dir = scenarioDir({
      's.json': JSON.stringify({ name: 'tz', durationS: 1, functions: [{ name: 'clock', handler: 'clock.ts' }], traffic: [{ name: 't', target: { function: 'clock' }, ratePerSecond: 1, durationS: 1 }] }),
      'clock.ts': 'export const handler = () => { const d = new Date(); console.log([d.getHours(), d.getTimezoneOffset(), d.toString()]); };\n',
    });
    for (const executor of ['sandbox', 'inprocess']) {
      const file = join(dir, `${executor}.jsonl`);
      const env = { ...process.env, TZ: 'America/New_York', PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) };
      const r = spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), 'simulate', join(dir, 's.json'), '--executor', executor, '--trace', file], { cwd: dir, encoding: 'utf8', env });
      assert.equal(r.status, 0, r.stderr);
      const log = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((x) => x.kind === 'log');
      const [hours, offset, text] = log.detail.args[0];
      assert.equal(hours, 0, executor);
      assert.equal(offset, 0, executor);
      assert.match(text, /^Thu Jan 01 2026 00:00:00 GMT\+0000/, executor);
    }
  });

  it('handler modules: evaluated once per environment, serverless-lab imports, console → log (both executors agree)', () => {
    const dir = scenarioDir({
      's.json': JSON.stringify({
        name: 'mods',
        durationS: 5,
        queues: [{ name: 'out' }],
        functions: [{ name: 'counter', handler: 'counter.ts#count', reservedConcurrency: 2, durationMs: 900 }],
        traffic: [{ name: 't', target: { function: 'counter' }, ratePerSecond: 2, durationS: 3 }],
      }),
      'counter.ts': "import { send } from 'serverless-lab';\nimport { label } from './util';\nlet n: number = 0;\nexport const count = async (e: unknown, ctx: { environmentId: string }) => { n++; console.log(label(n)); await send('out', { env: ctx.environmentId, n }); };\n",
      'util.ts': 'export function label(n: number): string { return `call ${n}`; }\n',
    });
    const outputs = ['sandbox', 'inprocess'].map((executor) => {
      const trace = join(dir, `${executor}.jsonl`);
      const r = run(['simulate', join(dir, 's.json'), '--json', '--trace', trace, '--executor', executor]);
      assert.equal(r.code, 0, r.err);
      const records = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.equal(records.filter((x) => x.kind === 'sent' && x.resource === 'out').length, 6);
      const logs = records.filter((x) => x.kind === 'log' && x.resource === 'counter').map((x) => x.detail.args[0]);
      // Two environments (each invocation takes 900 ms at 2/s): each counts from 1 on its own.
      assert.deepEqual(logs.slice(0, 2), ['call 1', 'call 1'], executor);
      assert.equal(logs.length, 6);
      const s = JSON.parse(r.out);
      assert.equal(s.functions.counter.coldStarts, 2);
      return r.out;
    });
    assert.equal(outputs[0], outputs[1]);
  });

  it('an async handler works in simulate in both executors, with the same trace bytes', () => {
    const dir = scenarioDir({
      's.json': JSON.stringify({
        name: 'async',
        durationS: 3,
        queues: [{ name: 'out' }],
        functions: [{ name: 'fetcher', handler: 'fetcher.ts', async: { maxRetries: 0 } }],
        traffic: [{ name: 't', target: { function: 'fetcher' }, ratePerSecond: 2, durationS: 2 }],
      }),
      'fetcher.ts': "import { send } from 'serverless-lab';\nconst lookup = async (n: number) => n * 2;\nexport async function handler(e: unknown, ctx: { awsRequestId: string }) {\n  const doubled = await lookup(21);\n  await Promise.resolve();\n  await send('out', { doubled, id: ctx.awsRequestId });\n  return doubled;\n}\n",
    });
    const sandbox = run(['simulate', join(dir, 's.json'), '--json']);
    assert.equal(sandbox.code, 0, sandbox.err);
    const s = JSON.parse(sandbox.out);
    assert.equal(s.functions.fetcher.invoked, 4);
    assert.equal(s.functions.fetcher.succeeded, 4);
    assert.equal(s.queues.out.sent, 4);
    const traces = ['sandbox', 'inprocess'].map((executor) => {
      const trace = join(dir, `${executor}.jsonl`);
      const out = run(['simulate', join(dir, 's.json'), '--json', '--executor', executor, '--trace', trace]);
      assert.equal(out.code, 0, out.err);
      assert.equal(JSON.parse(out.out).functions.fetcher.succeeded, 4);
      return readFileSync(trace, 'utf8');
    });
    assert.equal(traces[0], traces[1]);
    assert.match(traces[0], /"kind":"call-done"/);
  });

  describe('lessons', () => {
    const folders = readdirSync(lessonsRoot).filter((f) => existsSync(join(lessonsRoot, f, 'lesson.json')));
    const sections = JSON.parse(readFileSync(join(lessonsRoot, 'sections.json'), 'utf8')) as Array<{ id: string; title: string }>;

    it('lists every lesson with its section, exercise and number of checks (--json)', () => {
      const r = run(['lessons', '--json']);
      assert.equal(r.code, 0, r.err);
      const rows = JSON.parse(r.out) as Array<{ number: number; id: string; title: string; section: string; sectionTitle: string; exercise: boolean; checks: number }>;
      assert.equal(rows.length, folders.length);
      assert.equal(rows.length, 17);
      for (const row of rows) {
        const folder = folders.find((f) => JSON.parse(readFileSync(join(lessonsRoot, f, 'lesson.json'), 'utf8')).id === row.id)!;
        const meta = JSON.parse(readFileSync(join(lessonsRoot, folder, 'lesson.json'), 'utf8'));
        assert.equal(row.number, Number(folder.slice(0, 2)));
        assert.equal(row.title, meta.title);
        assert.equal(row.section, meta.section);
        assert.equal(row.sectionTitle, sections.find((s) => s.id === meta.section)!.title);
        assert.equal(row.exercise, Boolean(meta.exercise));
        assert.equal(row.checks, meta.exercise ? require(join(lessonsRoot, folder, meta.exercise.checks)).length : 0);
      }
      // Grouped: sections in sections.json order, never interleaved.
      const order = rows.map((row) => row.section).filter((s, i, all) => all.indexOf(s) === i);
      assert.deepEqual(order, sections.map((s) => s.id).filter((id) => order.includes(id)));
    });

    it('prints a table grouped by section', () => {
      const r = run(['lessons']);
      assert.equal(r.code, 0, r.err);
      for (const s of sections) assert.match(r.out, new RegExp(`^${s.title.replace(/[()]/g, '\\$&')}$`, 'm'));
      assert.match(r.out, /^ {2}10 {2}streams +Streams: partitions, keys, offsets and replay +exercise, 4 checks$/m);
      assert.match(r.out, /^17 lessons, 17 with an exercise\./m);
      const lines = r.out.split('\n');
      assert.ok(lines.indexOf('Brokers: queues, topics, streams') < lines.findIndex((l) => /^ +7 +queues /.test(l)));
    });

    it('--lessons reads another folder', () => {
      const dir = mkdtempSync(join(tmpdir(), 'slab-lessons-'));
      cpSync(join(lessonsRoot, 'sections.json'), join(dir, 'sections.json'));
      const only = folders.find((f) => f.startsWith('07-'))!;
      cpSync(join(lessonsRoot, only), join(dir, only), { recursive: true });
      const rows = JSON.parse(run(['lessons', '--json', '--lessons', dir]).out);
      assert.deepEqual(rows.map((row: { id: string }) => row.id), ['queues']);
    });
  });

  describe('check', () => {
    /** The files of a lesson variant (solution, starter, wrong/x) copied to a fresh folder, as --handler arguments. */
    function handlerArgs(folder: string, variant: string, overlay?: string): string[] {
      const dir = mkdtempSync(join(tmpdir(), 'slab-check-'));
      cpSync(join(lessonsRoot, folder, variant), dir, { recursive: true });
      if (overlay) cpSync(join(lessonsRoot, folder, overlay), dir, { recursive: true });
      return readdirSync(dir).flatMap((f) => ['--handler', join(dir, f)]);
    }

    for (const [lesson, folder] of [['7', '07-queues'], ['fifo-queues', '08-fifo-queues'], ['10', '10-streams']]) {
      it(`the reference solution of ${folder} passes: exit 0, every check ✓`, () => {
        const r = run(['check', lesson, ...handlerArgs(folder, 'solution')]);
        assert.equal(r.code, 0, r.out + r.err);
        const checks = require(join(lessonsRoot, folder, 'checks.js')) as Array<{ id: string }>;
        for (const c of checks) assert.match(r.out, new RegExp(`^ {2}✓ ${c.id}: `, 'm'));
        assert.match(r.out, new RegExp(`^All ${checks.length} checks passed`, 'm'));
      });
    }

    it('the starter fails: exit 1, the failed check with expected, actual and hint', () => {
      const r = run(['check', '10', ...handlerArgs('10-streams', 'starter')]);
      assert.equal(r.code, 1);
      const checks = require(join(lessonsRoot, '10-streams', 'checks.js')) as Array<{ id: string; hint: string }>;
      const caught = checks.find((c) => c.id === 'caught-up')!;
      assert.match(r.out, /^ {2}✗ caught-up: /m);
      assert.ok(r.out.includes(`hint:     ${caught.hint}`), r.out);
      // The starter commits every offset but applies nothing: caught-up fails for that reason.
      assert.match(r.out, /committed records it never applied/);
      assert.match(r.out, /actual: +total lag 0 .*0 of 8 customers have a row/);
      assert.match(r.out, /^1 of 4 checks passed/m); // the starter's producer logs every transaction
    });

    it('--json prints the check result, matching the human verdicts', () => {
      const args = handlerArgs('10-streams', 'solution', 'wrong/throws-on-overdraft');
      const json = run(['check', 'streams', '--json', ...args]);
      assert.equal(json.code, 1);
      const result = JSON.parse(json.out);
      assert.equal(result.lessonId, 'streams');
      assert.deepEqual(result.outcomes.map((o: { id: string }) => o.id), ['every-transaction-logged', 'per-customer-partition', 'projection-matches-replay', 'caught-up']);
      const caught = result.outcomes.find((o: { id: string }) => o.id === 'caught-up');
      assert.equal(caught.pass, false);
      assert.match(caught.message, /is behind/);
      assert.ok(result.handlerErrors.some((e: { file: string; message: string }) => e.file.endsWith('projector.ts') && /insufficient funds/.test(e.message)));
      const text = run(['check', 'streams', ...args]).out;
      for (const o of result.outcomes) assert.match(text, new RegExp(`^ {2}${o.pass ? '✓' : '✗'} ${o.id}: `, 'm'));
    });

    it('a correct solution that differs from the reference passes lesson 10 (idempotent by transaction id)', () => {
      const args = handlerArgs('10-streams', 'solution');
      const dir = mkdtempSync(join(tmpdir(), 'slab-alt-'));
      writeFileSync(
        join(dir, 'projector.ts'),
        "import { tableGet, tablePut } from 'serverless-lab';\n" +
          'type Row = { customerId: string; balance: number; bounced: number; applied: string[] };\n' +
          'export async function handler(event: { Records: Array<{ value: string }> }) {\n' +
          '  for (const { value } of event.Records) {\n' +
          '    const tx = JSON.parse(value);\n' +
          "    const row = (await tableGet('balances', tx.customerId) as Row | undefined) ?? { customerId: tx.customerId, balance: 0, bounced: 0, applied: [] };\n" +
          '    if (row.applied.includes(tx.txId)) continue;\n' +
          "    if (tx.type === 'deposit') row.balance += tx.amount;\n" +
          '    else if (tx.amount <= row.balance) row.balance -= tx.amount;\n' +
          '    else row.bounced++;\n' +
          '    row.applied.push(tx.txId);\n' +
          "    await tablePut('balances', row);\n" +
          '  }\n}\n',
      );
      const r = run(['check', '10', ...args.slice(0, 2), '--handler', join(dir, 'projector.ts'), '--json']);
      assert.match(args[1], /producer\.ts$/);
      assert.equal(r.code, 0, r.out);
      assert.ok(JSON.parse(r.out).outcomes.every((o: { pass: boolean }) => o.pass));
    });

    it('a learner may write an exercise file in JavaScript: projector.js stands for projector.ts', () => {
      const args = handlerArgs('10-streams', 'solution');
      const dir = mkdtempSync(join(tmpdir(), 'slab-js-'));
      writeFileSync(
        join(dir, 'projector.js'),
        "const { tableGet, tablePut } = require('serverless-lab');\n" +
          'exports.handler = async (event) => {\n' +
          '  for (const record of event.Records) {\n' +
          '    const tx = JSON.parse(record.value);\n' +
          "    const row = (await tableGet('balances', tx.customerId)) || { customerId: tx.customerId, balance: 0, bounced: 0, upTo: -1 };\n" +
          '    if (record.offset <= row.upTo) continue;\n' +
          "    if (tx.type === 'deposit') row.balance += tx.amount;\n" +
          '    else if (tx.amount <= row.balance) row.balance -= tx.amount;\n' +
          '    else row.bounced += 1;\n' +
          '    row.upTo = record.offset;\n' +
          "    await tablePut('balances', row);\n" +
          '  }\n};\n',
      );
      const r = run(['check', 'streams', ...args.slice(0, 2), '--handler', join(dir, 'projector.js'), '--json']);
      assert.equal(r.code, 0, r.out + r.err);
      assert.ok(JSON.parse(r.out).outcomes.every((o: { pass: boolean }) => o.pass));
      // Given twice (as .ts and as .js) is a usage error naming both.
      const twice = run(['check', 'streams', ...args, '--handler', join(dir, 'projector.js')]);
      assert.equal(twice.code, 2);
      assert.match(twice.err, /projector\.ts is already given as .*projector\.(ts|js)/);
    });

    it('an unknown lesson: exit 2 with did-you-mean and the known ids', () => {
      const r = run(['check', 'strams']);
      assert.equal(r.code, 2);
      assert.match(r.err, /^serverless-lab: unknown lesson "strams" — did you mean "streams"\? \(known: 1 what-serverless-means, 2 faas-lifecycle, .*15 choreography-claim-check, 16 rabbitmq-and-pubsub, 17 kinesis-shards\)\n$/);
      assert.match(run(['check', '99']).err, /unknown lesson "99" \(known: 1 what-serverless-means/);
      assert.equal(run(['check', '07', ...handlerArgs('07-queues', 'solution')]).code, 0, 'a zero-padded number');
    });

    it('a missing handler file, or one that is not part of the exercise: exit 2 naming it', () => {
      const [, producer] = handlerArgs('10-streams', 'solution');
      const empty = mkdtempSync(join(tmpdir(), 'slab-empty-'));
      const missing = spawnCli(['check', 'streams', '--handler', producer], empty);
      assert.equal(missing.status, 2);
      assert.match(missing.stderr, /^serverless-lab: missing projector\.ts or projector\.js: lesson streams expects producer\.ts, projector\.ts; none found in /);
      const typo = run(['check', 'streams', '--handler', join(empty, 'nope.ts')]);
      assert.equal(typo.code, 2);
      assert.match(typo.err, /--handler .*nope\.ts: no such file/);
      writeFileSync(join(empty, 'consumer.ts'), 'export const handler = () => 1;\n');
      const other = run(['check', 'streams', '--handler', join(empty, 'consumer.ts')]);
      assert.match(other.err, /consumer\.ts is not a file of this exercise \(lesson streams expects producer\.ts, projector\.ts\)/);
    });

    describe('over several seeds', () => {
      /**
       * A lesson whose verdict depends on the seed: the handler fails when the first Math.random() of
       * its environment (seeded from the scenario seed) is below `p` — as a race would, on some seeds only.
       */
      function coinLesson(p: number): { lessons: string; workspace: string } {
        const lessons = mkdtempSync(join(tmpdir(), 'slab-coin-lessons-'));
        writeFileSync(join(lessons, 'sections.json'), JSON.stringify([{ id: 'luck', title: 'Luck' }]));
        const dir = join(lessons, '01-coin');
        mkdirSync(join(dir, 'starter'), { recursive: true });
        mkdirSync(join(dir, 'solution'));
        writeFileSync(join(dir, 'lesson.json'), JSON.stringify({ id: 'coin', title: 'Coin', section: 'luck', order: 1, summary: 'A flaky handler.', page: 'page.md', exercise: { scenario: 'scenario.json', files: ['handler.ts'], checks: 'checks.js', hints: ['Never fail.'] } }));
        writeFileSync(join(dir, 'page.md'), '# Coin\n\n## Never fail\n\nEvery invocation succeeds.\n');
        writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ name: 'coin', seed: 1, durationS: 2, functions: [{ name: 'coin', handler: 'handler.ts' }], traffic: [{ name: 't', target: { function: 'coin' }, ratePerSecond: 1, durationS: 1 }] }));
        writeFileSync(
          join(dir, 'checks.js'),
          `module.exports = [{ id: 'never-fails', title: 'No invocation fails', hint: 'Never fail.', section: 'never-fail',
  run: (r) => { const failed = r.where('failed').length; return { pass: failed === 0, expected: 'no failed invocation', actual: failed + ' failed', message: failed ? 'an invocation failed' : 'ok' }; } }];\n`,
        );
        const flaky = `export const handler = () => { const x = Math.random(); if (x < ${p}) throw new Error('unlucky: ' + x); return x; };\n`;
        for (const v of ['starter', 'solution']) writeFileSync(join(dir, v, 'handler.ts'), flaky);
        const workspace = mkdtempSync(join(tmpdir(), 'slab-coin-ws-'));
        mkdirSync(join(workspace, 'serverless-lab', 'coin'), { recursive: true });
        writeFileSync(join(workspace, 'serverless-lab', 'coin', 'handler.ts'), flaky);
        return { lessons, workspace };
      }
      /** Run the CLI in `cwd` (where ./serverless-lab/<lesson>/ is). */
      function runIn(cwd: string, argv: string[]) {
        const before = process.cwd();
        process.chdir(cwd);
        try {
          return run(argv);
        } finally {
          process.chdir(before);
        }
      }

      it('a check that fails on some seeds only is found, reported with its seed, and replayed with --seed', () => {
        const { lessons, workspace } = coinLesson(0.22);
        const verdicts = Array.from({ length: 12 }, (_, i) => {
          const r = runIn(workspace, ['check', 'coin', '--lessons', lessons, '--seed', String(i + 1), '--json']);
          assert.ok(r.code === 0 || r.code === 1, r.err);
          const result = JSON.parse(r.out);
          assert.deepEqual(result.seedsRun, [i + 1], '--seed alone runs that seed only');
          return r.code === 0;
        });
        const firstFail = verdicts.indexOf(false) + 1;
        // The fixture: seed 1 passes, a later one fails (a race shows up on some seeds only).
        assert.ok(verdicts[0] && firstFail > 1, `verdicts by seed: ${verdicts}`);
        const sweep = runIn(workspace, ['check', 'coin', '--lessons', lessons, '--seeds', '12']);
        assert.equal(sweep.code, 1);
        assert.ok(sweep.out.includes(`Fails on seed ${firstFail} — replay with --seed ${firstFail} (passed on seed${firstFail > 2 ? 's 1–' : ' '}${firstFail - 1}).`), sweep.out);
        assert.match(sweep.out, new RegExp(`^0 of 1 checks passed on seed ${firstFail} — replay with --seed ${firstFail} \\(`, 'm'));
        assert.match(sweep.out, /unlucky: 0\.\d+/);
        const json = JSON.parse(runIn(workspace, ['check', 'coin', '--lessons', lessons, '--seeds', '12', '--json']).out);
        assert.equal(json.failedSeed, firstFail);
        assert.equal(json.seed, firstFail);
        assert.deepEqual(json.seedsRun, Array.from({ length: firstFail }, (_, i) => i + 1));
        // Replaying the seed gives the same failure, byte for byte apart from the wall time.
        const replay = JSON.parse(runIn(workspace, ['check', 'coin', '--lessons', lessons, '--seed', String(firstFail), '--json']).out);
        assert.deepEqual({ ...replay.outcomes[0] }, json.outcomes[0]);
        assert.deepEqual(replay.logs, json.logs);
        // Fewer seeds than the first failing one: it passes, and says on which seeds.
        const short = runIn(workspace, ['check', 'coin', '--lessons', lessons, '--seeds', String(firstFail - 1)]);
        assert.equal(short.code, 0, short.out);
        assert.match(short.out, new RegExp(`^All 1 checks passed — passes on ${firstFail - 1 === 1 ? 'seed 1' : `${firstFail - 1} seeds \\(1–${firstFail - 1}\\)`} \\(`, 'm'));
        // --seed with --seeds: the sweep starts there.
        const from = JSON.parse(runIn(workspace, ['check', 'coin', '--lessons', lessons, '--seed', String(firstFail + 1), '--seeds', '2', '--json']).out);
        assert.equal(from.seedsRun[0], firstFail + 1);
      });

      it('by default the checks run on 5 seeds; a handler that never fails passes on every one', () => {
        const { lessons, workspace } = coinLesson(0);
        const r = runIn(workspace, ['check', 'coin', '--lessons', lessons]);
        assert.equal(r.code, 0, r.out + r.err);
        assert.match(r.out, /^All 1 checks passed — passes on 5 seeds \(1–5\) \(/m);
        assert.deepEqual(JSON.parse(runIn(workspace, ['check', 'coin', '--lessons', lessons, '--json']).out).seedsRun, [1, 2, 3, 4, 5]);
        // Code that does not compile fails once, on no particular seed.
        writeFileSync(join(workspace, 'serverless-lab', 'coin', 'handler.ts'), 'export const handler = () => {\n');
        const broken = JSON.parse(runIn(workspace, ['check', 'coin', '--lessons', lessons, '--json']).out);
        assert.equal(broken.error.kind, 'compile');
        assert.equal(broken.failedSeed, undefined);
      });
    });

    it("uses ./serverless-lab/<lesson-id>/ (the editor's folder), else the current directory", () => {
      const workspace = mkdtempSync(join(tmpdir(), 'slab-ws-'));
      mkdirSync(join(workspace, 'serverless-lab'));
      cpSync(join(lessonsRoot, '10-streams', 'solution'), join(workspace, 'serverless-lab', 'streams'), { recursive: true });
      const fromLearnerDir = spawnCli(['check', 'streams'], workspace);
      assert.equal(fromLearnerDir.status, 0, fromLearnerDir.stdout + fromLearnerDir.stderr);
      const here = join(workspace, 'serverless-lab', 'streams');
      cpSync(join(lessonsRoot, '10-streams', 'starter', 'projector.ts'), join(here, 'projector.ts'));
      const fromCwd = spawnCli(['check', '10'], here);
      assert.equal(fromCwd.status, 1);
      assert.match(fromCwd.stdout, /✗ projection-matches-replay/);
      // --handler replaces one file; the other still comes from the folder.
      const fixed = spawnCli(['check', '10', '--handler', join(lessonsRoot, '10-streams', 'solution', 'projector.ts')], here);
      assert.equal(fixed.status, 0, fixed.stdout);
      assert.equal(readFileSync(join(here, 'projector.ts'), 'utf8'), readFileSync(join(lessonsRoot, '10-streams', 'starter', 'projector.ts'), 'utf8'), 'the learner file is untouched');
      // A current directory holding the exercise file in JavaScript only (payments.js for payments.ts).
      const jsOnly = mkdtempSync(join(tmpdir(), 'slab-js-'));
      cpSync(join(lessonsRoot, '07-queues', 'correct', 'read-then-claim-js', 'payments.js'), join(jsOnly, 'payments.js'));
      const fromJs = spawnCli(['check', 'queues', '--seeds', '1'], jsOnly);
      assert.equal(fromJs.status, 0, fromJs.stdout + fromJs.stderr);
    });
  });

  describe('the built program (node dist/cli.js)', function () {
    this.timeout(60_000);

    it('runs simulate, lessons and check with exit codes 0, 1 and 2 (started without --no-node-snapshot)', () => {
      const ok = spawnCli(['simulate', join(examples, 'fan-out.scenario.json'), '--until', '10s'], root);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /Lost: 0/);
      assert.equal(spawnCli(['lessons'], root).status, 0);
      const fail = spawnCli(['check', 'queues', ...handlerArgsOf('07-queues', 'starter')], root);
      assert.equal(fail.status, 1, fail.stderr);
      assert.match(fail.stdout, /✗ /);
      const bad = spawnCli(['simulate'], root);
      assert.equal(bad.status, 2);
      assert.equal(bad.stderr, 'serverless-lab: simulate: missing <scenario.json>\n');
    });

    it('the TypeScript entry runs too: node -r ./test/register.js src/cli/main.ts', () => {
      const ok = spawnSync(process.execPath, ['-r', './test/register.js', 'src/cli/main.ts', 'check', '10', ...handlerArgsOf('10-streams', 'solution')], { cwd: root, encoding: 'utf8' });
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /All 4 checks passed/);
    });

    it("from a checkout, with the machine's Node 20 first on PATH, it runs on the project's own Node 24 (node dist/cli.js and npx)", function () {
      const old = oldNode();
      if (!old) this.skip();
      const env = bareEnv(dirname(old!));
      const direct = spawnSync(old!, [join(root, 'dist', 'cli.js'), 'check', '10', ...handlerArgsOf('10-streams', 'solution')], { cwd: root, encoding: 'utf8', env });
      assert.equal(direct.status, 0, direct.stdout + direct.stderr);
      assert.match(direct.stdout, /All 4 checks passed/);
      const npx = join(dirname(old!), 'npx');
      if (existsSync(npx)) {
        const viaNpx = spawnSync(npx, ['--no-install', 'serverless-lab', 'check', 'queues', ...handlerArgsOf('07-queues', 'starter')], { cwd: root, encoding: 'utf8', env });
        assert.equal(viaNpx.status, 1, viaNpx.stdout + viaNpx.stderr);
        assert.match(viaNpx.stdout, /✗ /);
      }
    });

    it('installed outside a checkout, with no Node that can load isolated-vm: exit 2 and exactly what to install', function () {
      const old = oldNode();
      // The search also looks in the usual install folders: this test needs them free of Node 24/26.
      if (!old || ['/usr/local/bin/node', '/usr/bin/node', '/snap/bin/node'].some((n) => existsSync(n) && /^v(24|26)\./.test(spawnSync(n, ['-v'], { encoding: 'utf8' }).stdout))) this.skip();
      const installed = mkdtempSync(join(tmpdir(), 'slab-installed-'));
      for (const item of ['package.json', 'lessons', 'dist/cli.js', 'node_modules/isolated-vm', 'node_modules/node-gyp-build', 'node_modules/esbuild', 'node_modules/@esbuild']) cpSync(join(root, item), join(installed, item), { recursive: true });
      const env = bareEnv(dirname(old!));
      const r = spawnSync(old!, [join(installed, 'dist', 'cli.js'), 'check', 'streams'], { cwd: installed, encoding: 'utf8', env });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^serverless-lab: Serverless Lab runs learner code in isolated-vm, which needs Node 24 or 26; none was found on this machine\. Install Node\.js 24: from https:\/\/nodejs\.org\/en\/download \(or `nvm install 24`\)\. /);
      assert.match(r.stderr, /or set SERVERLESS_LAB_NODE to its executable\. Found: /);
      const oldVersion = spawnSync(old!, ['-v'], { encoding: 'utf8' }).stdout.trim().slice(1);
      assert.ok(r.stderr.includes(`${old} (running Node: Node ${oldVersion})`), r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      // A wrong SERVERLESS_LAB_NODE is named as such.
      const wrong = spawnSync(old!, [join(installed, 'dist', 'cli.js'), 'check', 'streams'], { cwd: installed, encoding: 'utf8', env: { ...env, SERVERLESS_LAB_NODE: join(installed, 'nope') } });
      assert.equal(wrong.status, 2);
      assert.ok(wrong.stderr.includes(`${join(installed, 'nope')} (setting: no such file)`), wrong.stderr);
      // Commands that run no learner code work on any Node.
      assert.equal(spawnSync(old!, [join(installed, 'dist', 'cli.js'), 'lessons'], { cwd: installed, encoding: 'utf8', env }).status, 0);
    });
  });
});

/** The machine's own Node when it is not one the sandbox accepts (Node 20 here), else undefined. */
function oldNode(): string | undefined {
  return ['/usr/local/bin/node', '/usr/bin/node'].find((n) => existsSync(n) && !/^v(24|26)\./.test(spawnSync(n, ['-v'], { encoding: 'utf8' }).stdout));
}

/** An environment with only `bin` (and the system folders) on PATH, an empty home and no login shell to ask. */
function bareEnv(bin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: [bin, '/usr/bin', '/bin'].join(delimiter), HOME: mkdtempSync(join(tmpdir(), 'slab-home-')), SHELL: '/nonexistent/shell' };
  for (const key of ['TMPDIR', 'LANG']) if (process.env[key]) env[key] = process.env[key];
  return env;
}

/** The built CLI, run as a user would: `node dist/cli.js …` with Node 24 (no --no-node-snapshot). */
function spawnCli(argv: string[], cwd: string) {
  const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH].join(delimiter) };
  return spawnSync(process.execPath, [join(root, 'dist', 'cli.js'), ...argv], { cwd, encoding: 'utf8', env });
}

function handlerArgsOf(folder: string, variant: string): string[] {
  const dir = join(lessonsRoot, folder, variant);
  return readdirSync(dir).flatMap((f) => ['--handler', join(dir, f)]);
}
