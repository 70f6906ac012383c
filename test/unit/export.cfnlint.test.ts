// cfn-lint (with the SAM translator) on the template of every lesson's reference solution and every
// example scenario: zero errors and zero warnings. The YAML is also read back (PyYAML, which
// cfn-lint uses) and compared with the template object the exporter wrote, so the YAML writer cannot
// change a value unnoticed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportProject, planExport } from '../../src/export/project';
import { buildTemplate } from '../../src/export/template';
import { CFN_LINT_INSTALL, requireTool } from './export.tools';

const root = join(__dirname, '..', '..');

interface Source {
  label: string;
  scenario: unknown;
  baseDir: string;
}

/** Scenarios with RabbitMQ, Pub/Sub or Kinesis streams of their own are refused by the export (export.test.ts, systems.test.ts). */
function exportable(scenario: Record<string, unknown>): boolean {
  return scenario.rabbitmq === undefined && scenario.pubsub === undefined && scenario.kinesisStreams === undefined;
}

function sources(): Source[] {
  const out: Source[] = [];
  for (const d of readdirSync(join(root, 'lessons')).sort()) {
    const file = join(root, 'lessons', d, 'scenario.json');
    if (existsSync(file)) out.push({ label: `lesson ${d}`, scenario: JSON.parse(readFileSync(file, 'utf8')), baseDir: join(root, 'lessons', d, 'solution') });
  }
  for (const f of readdirSync(join(root, 'examples')).filter((f) => f.endsWith('.scenario.json')).sort()) {
    out.push({ label: `example ${f}`, scenario: JSON.parse(readFileSync(join(root, 'examples', f), 'utf8')), baseDir: join(root, 'examples') });
  }
  // Scheduled rules (function and queue targets), every kind of target input, a FIFO topic deduplicating by content, a function's environment variables.
  out.push({
    label: 'scheduled rules and target input',
    baseDir: join(root, 'examples'),
    scenario: {
      name: 'schedules',
      queues: [{ name: 'audit' }, { name: 'ledger.fifo', fifo: true }],
      topics: [{ name: 'entries.fifo', fifo: true, contentBasedDeduplication: true, subscriptions: [{ queue: 'ledger.fifo' }] }],
      buses: [
        {
          name: 'default',
          rules: [
            { name: 'warm', schedule: 'rate(5 minutes)', targets: [{ function: 'audit-log', input: '{"warmup": true}' }, { queue: 'audit', inputPath: '$.time' }] },
            { name: 'weekdays', schedule: 'cron(0 8 ? * MON-FRI *)', enabled: false, targets: [{ function: 'audit-log' }] },
          ],
        },
        {
          name: 'shop',
          rules: [
            {
              name: 'orders',
              pattern: { source: ['shop'], detail: { ip: [{ cidr: '10.0.0.0/24' }] } },
              targets: [
                { function: 'audit-log', inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: '{"order": <id>, "rule": <aws.events.rule-name>}' } },
                { queue: 'audit', inputTransformer: { inputPathsMap: { id: '$.detail.id' }, inputTemplate: '"order <id> placed"' } },
              ],
            },
          ],
        },
      ],
      // Environment variables: the function's own, merged by SAM with the Globals' SERVERLESS_LAB_RESOURCES.
      functions: [{ name: 'audit-log', handler: 'handlers/audit-log.ts#handler', environment: { AUDIT_QUEUE: 'audit', LOG_LEVEL: 'debug' } }],
    },
  });
  return out.filter((s) => exportable(s.scenario as Record<string, unknown>));
}

describe('export: cfn-lint on every lesson and example', function () {
  this.timeout(600_000);
  let version = '';
  const all = sources();
  const templates = new Map<string, string>();
  let lint: { status: number | null; stdout: string; stderr: string };
  before(() => {
    version = requireTool('cfn-lint', CFN_LINT_INSTALL);
    const dir = mkdtempSync(join(tmpdir(), 'slab-cfn-'));
    all.forEach((s, i) => {
      const out = join(dir, `app-${i}`);
      exportProject({ scenario: s.scenario, baseDir: s.baseDir, label: s.label }, out);
      templates.set(s.label, join(out, 'template.yaml'));
    });
    // A mutant the linter must catch (proof that it really checks the SAM events): an SQS event source with an unknown property.
    const mutant = join(dir, 'mutant.yaml');
    writeFileSync(mutant, readFileSync(templates.get(all.find((s) => s.label.includes('07-'))!.label)!, 'utf8').replace('BatchSize: 10', 'BatchSize: 10\n            BatchSizes: 10'));
    templates.set('mutant', mutant);
    // One cfn-lint run for every template (its start-up is most of its time).
    lint = spawnSync('cfn-lint', ['--format', 'parseable', ...templates.values()], { encoding: 'utf8' });
  });

  it('finds the lessons and examples, and cfn-lint reports nothing at all', () => {
    const mutant = templates.get('mutant')!;
    const output = `${lint.stdout}${lint.stderr}`;
    assert.match(output, /property BatchSizes not defined for resource of type SQS/);
    assert.deepEqual(output.split('\n').filter((l) => l.includes(':') && !l.startsWith(mutant) && l.trim() !== ''), []);
    assert.ok(all.filter((s) => s.label.startsWith('lesson')).length >= 15);
    assert.ok(all.filter((s) => s.label.startsWith('example')).length >= 2);
  });

  for (const s of all) {
    it(`${s.label}: the exported template lints clean`, () => {
      const template = templates.get(s.label)!;
      const mine = `${lint.stdout}${lint.stderr}`.split('\n').filter((l) => l.startsWith(template));
      assert.deepEqual(mine, [], `cfn-lint ${version} found problems in ${s.label}`);
      // Read back: the YAML means exactly the object the exporter built.
      const planned = planExport({ scenario: s.scenario, baseDir: s.baseDir, label: s.label });
      const { template: expected } = buildTemplate(planned.scenario, { codeUri: 'src/', handlerPath: (f) => `./handlers/${f.handler.split('#')[0]}` });
      const parsed = spawnSync('python3', ['-c', 'import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', template], { encoding: 'utf8' });
      assert.equal(parsed.status, 0, parsed.stderr);
      const read = JSON.parse(parsed.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(read.Resources as object), Object.keys(expected.Resources as object));
      assert.deepEqual(read.Globals, JSON.parse(JSON.stringify(expected.Globals)));
    });
  }
});
