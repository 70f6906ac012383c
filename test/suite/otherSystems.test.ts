// The seed's other systems (issue 17) through the palette commands in a real VS Code: RabbitMQ,
// Pub/Sub and Kinesis commands run against the runtime and show in the Broker Explorer, a handler
// runs on Cloud Run behind a Pub/Sub push (many requests per instance), and the AWS export of such a
// playground is refused with a message naming each system and what to use instead.
// (Named to run before playground.test.ts, which leaves a known state behind for the reload.)
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';
import type { ExportResult } from '../../src/export/project';
import type { PlaygroundResponse, PlaygroundSnapshot } from '../../src/playground/types';
import type { TreeRow } from '../../src/vscode/playground/tree';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
const P = 'serverlessLab.playground.';

function run(command: string, args?: object): Thenable<PlaygroundResponse | undefined> {
  return vscode.commands.executeCommand<PlaygroundResponse | undefined>(P + command, args);
}

function find(tree: TreeRow[], id: string): TreeRow | undefined {
  for (const row of tree) {
    if (row.id === id) return row;
    const inner = find(row.children, id);
    if (inner) return inner;
  }
  return undefined;
}

describe("The seed's other systems from the palette, in a real VS Code", function () {
  this.timeout(120_000);
  let api: ServerlessLabApi;
  const snapshot = (): PlaygroundSnapshot => api.playground.session.snapshot!;

  before(async () => {
    api = await vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID)!.activate();
    assert.ok(await run('reset', {}), 'the playground starts (and resets) through the runtime');
  });
  after(async () => {
    await run('reset', {});
  });

  it('contributes and registers the RabbitMQ, Pub/Sub and Kinesis commands', async () => {
    const names = ['declareExchange', 'declareRabbitQueue', 'bindQueue', 'publishToExchange', 'getMessage', 'ackDelivery', 'createPubSubTopic', 'createSubscription', 'publishToPubSub', 'pull', 'acknowledge', 'seek', 'createKinesisStream', 'putRecord', 'getRecords', 'splitShard', 'mergeShards'];
    const contributed = new Set((vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const n of names) {
      assert.ok(contributed.has(P + n), `${P + n} is in package.json`);
      assert.ok(registered.has(P + n), `${P + n} is registered`);
    }
  });

  it('Kinesis: a record put by partition key lands in one shard, shown in the Broker Explorer', async () => {
    await run('createKinesisStream', { name: 'pg-clicks', shards: 2 });
    await run('putRecord', { stream: 'pg-clicks', partitionKey: 'user-1', data: 'hello' });
    const stream = snapshot().kinesis?.find((k) => k.name === 'pg-clicks');
    assert.ok(stream, 'the stream is in the snapshot');
    assert.equal(stream.shards.length, 2);
    assert.equal(stream.produced, 1);
    assert.ok(find(await api.playground.tree.rows(), 'kinesisStream:pg-clicks'), 'the stream has a row');
    const refused = await run('putRecord', { stream: 'pg-clicks', partitionKey: '', data: 'x' });
    assert.equal(refused, undefined, 'an empty partition key is refused');
    assert.equal(snapshot().kinesis?.find((k) => k.name === 'pg-clicks')?.produced, 1, 'nothing was put');
  });

  it('exporting a playground with a Kinesis stream is refused: the message names kinesisStreams and what to use instead, and nothing is written', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slab-suite-systems-')), 'pg-sam');
    const result = await vscode.commands.executeCommand<ExportResult | undefined>('serverlessLab.exportSam', { source: 'playground', out });
    assert.equal(result, undefined);
    assert.equal(fs.existsSync(out), false, 'nothing written');
    assert.match(api.export.lastRefusal() ?? '', /kinesisStreams: the exporter does not build these Kinesis streams yet: declare them under "streams"/);
  });

  it('RabbitMQ and Pub/Sub: published through their commands, refused by the export by name', async () => {
    await run('declareExchange', { name: 'pg-orders-x', type: 'topic' });
    await run('declareRabbitQueue', { name: 'pg-eu', type: 'classic' });
    await run('bindQueue', { exchange: 'pg-orders-x', queue: 'pg-eu', routingKey: 'order.eu.*' });
    await run('publishToExchange', { exchange: 'pg-orders-x', routingKey: 'order.eu.paid', body: 'o-1' });
    const rabbit = snapshot().rabbitmq;
    assert.ok(JSON.stringify(rabbit).includes('o-1'), `the message was routed to pg-eu: ${JSON.stringify(rabbit).slice(0, 400)}`);
    await run('createPubSubTopic', { name: 'pg-ledger' });
    await run('createSubscription', { topic: 'pg-ledger', name: 'pg-ledger-sub' });
    await run('publishToPubSub', { topic: 'pg-ledger', data: 'entry-1', orderingKey: 'acct-1' });
    assert.ok(JSON.stringify(snapshot().pubsub).includes('pg-ledger-sub'));
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slab-suite-systems-')), 'pg-sam');
    assert.equal(await vscode.commands.executeCommand('serverlessLab.exportSam', { source: 'playground', out }), undefined);
    const message = api.export.lastRefusal() ?? '';
    assert.match(message, /rabbitmq: RabbitMQ is not an AWS service/);
    assert.match(message, /pubsub: Google Pub\/Sub is not an AWS service/);
    assert.equal(fs.existsSync(out), false);
  });

  it('a handler on Cloud Run behind a Pub/Sub push: it runs in the sandbox, and the Broker Explorer shows its instances', async () => {
    await run('reset', {});
    const file = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'pg-ledger.ts');
    fs.writeFileSync(
      file,
      [
        'let last = "";',
        'export async function handler(event: { message: { data: string } }) {',
        '  last = event.message.data;',
        '  return last;',
        '}',
      ].join('\n'),
    );
    await run('createPubSubTopic', { name: 'pg-ledger' });
    await run('attachHandler', { function: 'pg-ledger-fn', file, pubsubTopic: 'pg-ledger', platform: 'cloud-run', minInstances: 1 });
    await run('publishToPubSub', { topic: 'pg-ledger', data: 'entry-1' });
    const fn = snapshot().functions.find((f) => f.name === 'pg-ledger-fn');
    assert.ok(fn, 'the function is attached');
    assert.equal(fn.invocations, 1, JSON.stringify(fn));
    assert.deepEqual(fn.instances && { platform: fn.instances.platform, concurrency: fn.instances.concurrency, running: fn.instances.running }, { platform: 'cloud-run', concurrency: 80, running: 1 });
    const row = find(await api.playground.tree.rows(), 'fn-instances:pg-ledger-fn');
    assert.equal(row?.label, '1 instance · 0 requests in flight');
    assert.equal(await run('attachHandler', { function: 'pg-other', file, pubsubTopic: 'pg-ledger', platform: 'cloud-run', concurrency: 0 }), undefined, 'a bad concurrency is refused');
    assert.equal(snapshot().functions.length, 1);
    fs.rmSync(file);
  });
});
