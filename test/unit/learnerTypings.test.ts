// What the learner's editor says about the lesson files: Start Exercise puts the lab's typings
// (types/serverless-lab.d.ts) and a tsconfig.json (LEARNER_TSCONFIG) beside the starter, so every
// starter a learner opens, and every reference and other correct solution Show Reference Solution
// puts beside it, must type-check there with no error — a red squiggle under `console.log` in a
// starter tells a learner their first line is wrong.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { LEARNER_TSCONFIG } from '../../src/lessons/exerciseFiles';
import { loadCatalog } from '../../src/lessons/loader';

const root = path.resolve(__dirname, '..', '..');
const shipped = path.join(root, 'types', 'serverless-lab.d.ts');

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? tsFiles(path.join(dir, d.name)) : /\.m?ts$/.test(d.name) && !d.name.endsWith('.d.ts') ? [path.join(dir, d.name)] : []));
}

/** Errors of a program over `files` with the learner's compiler options, as `file:line: message`. */
function typeErrors(files: string[], extra: Record<string, string> = {}): string[] {
  const { options, errors } = ts.convertCompilerOptionsFromJson(LEARNER_TSCONFIG.compilerOptions, root);
  assert.deepEqual(errors, [], 'LEARNER_TSCONFIG is a valid tsconfig');
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (extra[name] !== undefined ? ts.createSourceFile(name, extra[name], lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => extra[name] !== undefined || fileExists(name);
  const program = ts.createProgram([...files, ...Object.keys(extra), shipped], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const at = d.file && d.start !== undefined ? `${path.relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return at + ts.flattenDiagnosticMessageText(d.messageText, ' ');
  });
}

describe("the learner's workspace typings", function () {
  this.timeout(60_000);

  it('declare the sandbox\'s console (every method a line of the invocation\'s log) and nothing of the DOM or Node', () => {
    const file = path.join(root, 'test', 'unit', '__console__.ts');
    const ok = `for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) console[m]('a', 1, { b: 2 });\nexport {};\n`;
    assert.deepEqual(typeErrors([], { [file]: ok }), []);
    // What the sandbox does not have stays an error in the editor too.
    const absent = `document.title = 'x';\nconst r: Response | undefined = undefined;\nprocess.binding('fs');\nprocess.mainModule;\nexport { r };\n`;
    const errors = typeErrors([], { [file]: absent });
    for (const name of ['document', 'Response', 'binding', 'mainModule']) assert.ok(errors.some((e) => e.includes(`'${name}'`)), `${name} is not declared: ${errors.join('\n')}`);
  });

  it("declare Lambda's process: env (the function's variables and Lambda's), nextTick, hrtime, exit; also as node:process", () => {
    const file = path.join(root, 'test', 'unit', '__process__.ts');
    const ok = `import proc, { env, nextTick } from 'node:process';
import { hrtime } from 'process';
const table: string = process.env.TABLE_NAME ?? 'orders';
const region: string | undefined = env.AWS_REGION;
const memory = Number(process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
process.env.SEEN = 'yes';
nextTick((a: number, b: string) => console.log(a, b), 1, 'x');
proc.nextTick(() => {});
const t: [number, number] = process.hrtime(hrtime());
const ns: bigint = process.hrtime.bigint();
const up: number = process.uptime() + process.memoryUsage().heapUsed + process.memoryUsage.rss();
process.on('uncaughtException', (err: Error) => console.log(err.message)).once('exit', () => {});
export const handler = async (event: { stop?: boolean }) => {
  if (event.stop) process.exit(1);
  return { table, region, memory, t, ns: String(ns), up, cwd: process.cwd(), platform: process.platform, node: process.versions.node };
};
`;
    assert.deepEqual(typeErrors([], { [file]: ok }), []);
    // A number is not an environment variable, and nextTick's arguments are checked against its callback.
    const bad = `const n: number = process.env.X;\nprocess.nextTick((a: number) => a, 'x');\nexport {};\n`;
    const errors = typeErrors([], { [file]: bad });
    assert.equal(errors.length, 2, errors.join('\n'));
  });

  it("declare Lambda's Buffer, atob/btoa, TextEncoder/TextDecoder and the buffer module, as a handler decoding a Kinesis record uses them", () => {
    const file = path.join(root, 'test', 'unit', '__buffer__.ts');
    const ok = `import { Buffer as B, constants } from 'node:buffer';
import { createHmac } from 'crypto';
export const signature = createHmac('sha256', 'secret').update('body').digest('base64');
import type { KinesisStreamEvent, MSKEvent } from 'serverless-lab';
export const kinesis = (event: KinesisStreamEvent) => event.Records.map((r) => JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()) as { id: string });
export const kafka = (event: MSKEvent) => Object.values(event.records).flat().map((r) => (r.value === undefined ? null : new TextDecoder().decode(Uint8Array.from(atob(r.value), (c) => c.charCodeAt(0)))));
const b: Buffer = B.concat([Buffer.alloc(2, 'a'), Buffer.from([1, 2]), new TextEncoder().encode('é')]);
const n: number = b.readUInt16BE(0) + Buffer.byteLength('é', 'utf8') + constants.MAX_LENGTH + b.indexOf('a');
const s: string = b.toString('hex') + b.subarray(1).toString('base64url') + btoa('hi');
const copy: { at: Date; tags: Set<string> } = structuredClone({ at: new Date(), tags: new Set(['a']) });
const page: number = Number(new URL('/orders?page=2', 'https://api.example.com').searchParams.get('page') ?? 1) + new URLSearchParams({ a: '1' }).size;
import { createHash, randomUUID } from 'node:crypto';
const id: string = createHash('sha256').update(randomUUID()).update(b).digest('hex');
export { n, s, copy, page, id };
`;
    assert.deepEqual(typeErrors([], { [file]: ok }), []);
    // A wrong encoding is an error in the editor, as with @types/node.
    const bad = `export const s = Buffer.from('x', 'base-64');\n`;
    assert.ok(typeErrors([], { [file]: bad }).some((e) => e.includes('base-64')));
  });

  it("declare Node's timers, as a handler's backoff, timeout race and heartbeat use them", () => {
    const file = path.join(root, 'test', 'unit', '__timers__.ts');
    const ok = `import { setTimeout as sleep, setInterval as every, scheduler } from 'node:timers/promises';
import { setImmediate as soon } from 'timers';
import { tableGet } from 'serverless-lab';
const timeout = (ms: number) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out')), ms));
export const handler = async () => {
  for (let attempt = 0; attempt < 3; attempt++) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
  const item = await Promise.race([tableGet('t', 'k'), timeout(500)]);
  const beat: NodeJS.Timeout = setInterval((label: string) => console.log(label), 1000, 'alive');
  const id: number = +beat;
  clearInterval(beat.unref().ref());
  clearTimeout(id);
  const later: ReturnType<typeof setTimeout> = setTimeout(() => {}, 10).refresh();
  later.close();
  const im: NodeJS.Immediate = soon(() => {});
  clearImmediate(im.hasRef() ? im : undefined);
  const v: string = await sleep(50, 'late', { ref: false });
  await scheduler.wait(10);
  for await (const tick of every(20, 1)) if (tick === 1) break;
  return { item, v };
};
`;
    assert.deepEqual(typeErrors([], { [file]: ok }), []);
    const bad = `export const t = setTimeout(() => {}, '10');\n`;
    assert.ok(typeErrors([], { [file]: bad }).some((e) => e.includes("'string'")), 'a delay that is not a number is an error, as with @types/node');
  });

  it('type-check every lesson\'s starter, reference solution and other correct solutions with no error', () => {
    const { catalog } = loadCatalog(path.join(root, 'lessons'));
    const files = catalog.lessons.filter((l) => l.exercise).flatMap((l) => [...tsFiles(path.join(l.dir, 'starter')), ...tsFiles(path.join(l.dir, 'solution')), ...tsFiles(path.join(l.dir, 'correct'))]);
    assert.ok(files.length >= 40, `${files.length} TypeScript lesson files`);
    assert.deepEqual(typeErrors(files), []);
  });
});
