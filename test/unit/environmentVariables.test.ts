// A function's environment variables (src/engine/environmentVariables.ts): Lambda's rules in the
// scenario (each problem names functions[i].environment.NAME), the process.env an environment gets,
// and the variables reaching handlers through the platform, in a run, per execution environment.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { environmentProblems, lambdaHandler, RESERVED_ENVIRONMENT_KEYS, runtimeEnvironment } from '../../src/engine/environmentVariables';
import { ValidationError } from '../../src/engine/errors';

import { validateScenario } from '../../src/engine/scenario';
import { Simulation } from '../../src/engine/simulation';
import { clearCompileCache } from '../../src/sandbox/compile';
import { VmExecutor } from '../../src/sandbox/vmExecutor';

const scenario = (environment: unknown, extra: Record<string, unknown> = {}) => ({ name: 'env', functions: [{ name: 'f', handler: 'h.js', environment, ...extra }] });
const problems = (environment: unknown) => validateScenario(scenario(environment)).problems;

describe('environment variables: the scenario', () => {
  it('accepts string values under names Lambda accepts', () => {
    assert.deepEqual(problems({ TABLE_NAME: 'orders', queueUrl: 'q', A1_b: '', NODE_OPTIONS: '--enable-source-maps', LANG: 'C' }), []);
  });

  it('names the bad variable: a number, a name Lambda refuses, a reserved name', () => {
    const got = problems({ RETRIES: 3, '1ST': 'x', 'BAD-NAME': 'x', _PRIVATE: 'x', AWS_REGION: 'eu-west-1', _HANDLER: 'x', TZ: 'Europe/Paris' });
    const byPath = Object.fromEntries(got.map((p) => [p.path, p.message]));
    assert.deepEqual(Object.keys(byPath).sort(), ['functions[0].environment.1ST', 'functions[0].environment.AWS_REGION', 'functions[0].environment.BAD-NAME', 'functions[0].environment.RETRIES', 'functions[0].environment.TZ', 'functions[0].environment._HANDLER', 'functions[0].environment._PRIVATE'].sort());
    assert.match(byPath['functions[0].environment.RETRIES'], /must be a string, got 3/);
    assert.match(byPath['functions[0].environment.1ST'], /not a valid environment variable name: .*start with a letter/);
    assert.match(byPath['functions[0].environment._PRIVATE'], /start with a letter/);
    assert.match(byPath['functions[0].environment.AWS_REGION'], /AWS_REGION is reserved: the Lambda runtime sets it itself/);
    assert.equal(got.length, 7, 'one problem per variable');
  });

  it('refuses more than 4 KB, measured as Lambda does (the JSON text, in bytes)', () => {
    // {"A":"…"} is 8 bytes plus the value: a value of 4088 one-byte characters is exactly 4096.
    assert.deepEqual(problems({ A: 'x'.repeat(4088) }), []);
    const over = problems({ A: 'x'.repeat(4089) });
    assert.equal(over.length, 1);
    assert.equal(over[0].path, 'functions[0].environment');
    assert.match(over[0].message, /4097 bytes as JSON, more than Lambda's limit of 4 KB/);
    // Multi-byte characters count as their UTF-8 bytes.
    assert.equal(problems({ A: 'é'.repeat(2045) }).length, 1);
    assert.deepEqual(problems({ A: 'é'.repeat(2044) }), []);
  });

  it('refuses an environment that is not an object of strings', () => {
    assert.match(problems(['A=1']).map((p) => `${p.path}: ${p.message}`).join(), /functions\[0\]\.environment: must be an object/);
    assert.match(problems('A=1').map((p) => `${p.path}: ${p.message}`).join(), /functions\[0\]\.environment: must be an object/);
  });

  it('the platform refuses the same, naming the field, and changes nothing', () => {
    assert.deepEqual(environmentProblems({ LAMBDA_TASK_ROOT: '/x' }, 'environment').map((p) => p.path), ['environment.LAMBDA_TASK_ROOT']);
    const sim = new Simulation({ name: 'p', durationS: 1 });
    const platform = sim.platform;
    assert.throws(() => platform.define({ name: 'g', handler: 'h.js', environment: { AWS_LAMBDA_FUNCTION_NAME: 'x' } }), (e: unknown) => e instanceof ValidationError && e.path === 'environment.AWS_LAMBDA_FUNCTION_NAME');
    assert.throws(() => platform.define({ name: 'g', handler: 'h.js', environment: { N: 1 as unknown as string } }), (e: unknown) => e instanceof ValidationError && e.path === 'environment.N');
    assert.doesNotThrow(() => platform.define({ name: 'g', handler: 'h.js', environment: { N: '1' } }), 'the refused definitions left nothing behind');
  });
});

describe('environment variables: what a handler sees', () => {
  it("the function's own variables, then Lambda's with the lab's values; a reserved key never overrides", () => {
    const env = runtimeEnvironment({ name: 'orders', handler: 'src/orders.ts#main', memoryMb: 512, environment: { TABLE_NAME: 't', PATH: '/custom', AWS_REGION: 'x' } }, 'env-3');
    assert.equal(env.TABLE_NAME, 't');
    assert.equal(env.PATH, '/custom', 'an unreserved default can be replaced, as on Lambda');
    assert.equal(env.AWS_REGION, 'us-east-1');
    assert.equal(env._HANDLER, 'src/orders.main');
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, '512');
    assert.equal(env.AWS_LAMBDA_LOG_STREAM_NAME, '2026/01/01/[$LATEST]env-3');
    assert.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, 'on-demand');
    assert.equal(runtimeEnvironment({ name: 'o', handler: 'h.js', memoryMb: 128, provisioned: true }, 'e').AWS_LAMBDA_INITIALIZATION_TYPE, 'provisioned-concurrency');
    for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', '_X_AMZN_TRACE_ID']) assert.equal(env[key], undefined, key);
    // Every value is a string, and nothing comes from this process's environment.
    for (const [k, v] of Object.entries(env)) {
      assert.equal(typeof v, 'string', k);
      if (k !== 'PATH' && process.env[k] !== undefined && k !== 'LANG' && k !== 'TZ') assert.notEqual(v, process.env[k], `${k} is the host's`);
    }
    assert.ok(RESERVED_ENVIRONMENT_KEYS.every((k) => !(k in env) || k === '_HANDLER' || /^(AWS_|LAMBDA_|TZ)/.test(k)));
  });

  it("_HANDLER is Lambda's file.export form of the handler setting", () => {
    assert.equal(lambdaHandler('handler.ts'), 'handler.handler');
    assert.equal(lambdaHandler('./handlers/worker.js#process'), 'handlers/worker.process');
    assert.equal(lambdaHandler('worker.main'), 'worker.main');
    assert.equal(lambdaHandler('dir/consumer'), 'dir/consumer.handler');
  });

  it('in a run: each execution environment starts from the configuration, and keeps what its handler set', function () {
    this.timeout(30_000);
    const dir = mkdtempSync(join(tmpdir(), 'env-run-'));
    clearCompileCache();
    const executor = new VmExecutor({ rootDir: dir });
    try {
      writeFileSync(
        join(dir, 'h.js'),
        `import { work } from 'serverless-lab';
export const handler = async () => {
  const seen = process.env.SEEN;
  process.env.SEEN = (seen ?? '') + '+';
  work(50);
  return { table: process.env.TABLE_NAME, fn: process.env.AWS_LAMBDA_FUNCTION_NAME, mem: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, seen: seen ?? null, stream: process.env.AWS_LAMBDA_LOG_STREAM_NAME };
};
`,
      );
      const sim = new Simulation(
        {
          name: 'env-run',
          durationS: 5,
          functions: [{ name: 'reader', handler: 'h.js', memoryMb: 256, environment: { TABLE_NAME: 'orders-table' } }],
          // Two at once (two environments), then two more later (warm: each reuses one).
          traffic: [{ name: 'load', target: { function: 'reader' }, ratePerSecond: 1000, durationS: 0.002 }, { name: 'later', target: { function: 'reader' }, ratePerSecond: 1000, durationS: 0.002, startS: 2 }],
        },
        { seed: 3, executor },
      );
      sim.run();
      const returned = sim.ctx.trace
        .records()
        .filter((r) => r.kind === 'succeeded')
        .map((r) => r.detail?.returned as { table: string; fn: string; mem: string; seen: string | null; stream: string });
      assert.equal(returned.length, 4);
      for (const r of returned) assert.deepEqual([r.table, r.fn, r.mem], ['orders-table', 'reader', '256']);
      assert.deepEqual(returned.map((r) => r.seen).sort(), ['+', '+', null, null], 'each environment kept what its own handler set');
      assert.equal(new Set(returned.map((r) => r.stream)).size, 2, 'one log stream per environment');
    } finally {
      executor.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
