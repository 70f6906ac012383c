// The documented pattern cases (pattern.cases.ts) against moto_server (moto 5.2.1): an EventBridge
// rule per case routing to its own SQS queue, an SNS subscription per case with its filter policy;
// every event of the case is put / published and what reached each queue is compared with the
// answer AWS documents — which the lab gives too (pattern.test.ts). Cases where moto is known to
// answer otherwise than AWS carry `motoDiffers` and are not compared here.
import assert from 'node:assert/strict';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand, type MessageAttributeValue } from '@aws-sdk/client-sns';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { EventBus } from '../../src/engine/bus';
import { EngineContext } from '../../src/engine/context';
import { matchesEventPattern, matchesFilterPolicy } from '../../src/engine/pattern';
import { startMoto } from './export.tools';
import { MATCH_CASES, REFUSAL_CASES } from './pattern.cases';

describe('patterns: the documented cases against moto_server', function () {
  this.timeout(180_000);
  let moto: { endpoint: string; stop: () => void } | undefined;
  let sqs: SQSClient;
  let sns: SNSClient;
  let events: EventBridgeClient;
  const compared = MATCH_CASES.filter((c) => c.motoDiffers === undefined);

  before(async () => {
    moto = await startMoto();
    const config = { endpoint: moto.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    sqs = new SQSClient(config);
    sns = new SNSClient(config);
    events = new EventBridgeClient(config);
  });
  after(() => moto?.stop());

  async function queue(name: string): Promise<{ url: string; arn: string }> {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    return { url, arn };
  }

  async function drain(url: string): Promise<string[]> {
    const bodies: string[] = [];
    for (;;) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }));
      if (!r.Messages?.length) return bodies;
      for (const m of r.Messages) bodies.push(m.Body!);
    }
  }

  function snsAttributes(input: Record<string, unknown>): Record<string, MessageAttributeValue> {
    const out: Record<string, MessageAttributeValue> = {};
    for (const [k, v] of Object.entries(input)) {
      if (Array.isArray(v)) out[k] = { DataType: 'String.Array', StringValue: JSON.stringify(v) };
      else out[k] = { DataType: typeof v === 'number' ? 'Number' : 'String', StringValue: String(v) };
    }
    return out;
  }

  it('EventBridge: every documented case moto models routes as AWS documents (and as the lab matches)', async () => {
    await events.send(new CreateEventBusCommand({ Name: 'patterns' }));
    const cases = compared.filter((c) => c.service === 'EventBridge');
    assert.ok(cases.length >= 10, `expected the EventBridge cases, got ${cases.length}`);
    const wanted: Array<{ name: string; url: string; expect: Map<string, boolean> }> = [];
    for (const [i, c] of cases.entries()) {
      const q = await queue(`eb-case-${i}`);
      // Each case's rule also requires its own source, so the other cases' events stay out.
      const pattern = { ...c.pattern, source: [`case-${i}`] };
      await events.send(new PutRuleCommand({ Name: `case-${i}`, EventBusName: 'patterns', EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: `case-${i}`, EventBusName: 'patterns', Targets: [{ Id: 'q', Arn: q.arn }] }));
      const expect = new Map<string, boolean>();
      for (const [inputs, should] of [[c.matches, true], [c.misses, false]] as const) {
        for (const detail of inputs) {
          const r = await events.send(new PutEventsCommand({ Entries: [{ EventBusName: 'patterns', Source: `case-${i}`, DetailType: 'case', Detail: JSON.stringify(detail) }] }));
          const id = r.Entries![0].EventId!;
          expect.set(id, should);
          // The lab, on the same envelope, gives the documented answer.
          assert.equal(matchesEventPattern(pattern as never, { source: `case-${i}`, 'detail-type': 'case', detail }), should, `${c.name}: lab on ${JSON.stringify(detail)}`);
        }
      }
      wanted.push({ name: c.name, url: q.url, expect });
    }
    const wrong: string[] = [];
    for (const w of wanted) {
      const got = new Set((await drain(w.url)).map((b) => (JSON.parse(b) as { id: string }).id));
      for (const [id, should] of w.expect) if (got.has(id) !== should) wrong.push(`${w.name}: event ${id} ${should ? 'not delivered' : 'delivered'}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('EventBridge: an input transformer gives the queue what the lab gives it (strings in quotes, numbers and objects outside, as documented)', async () => {
    // EventBridge User Guide, "Amazon EventBridge input transformation": inside a JSON string a
    // variable is its raw text, outside one its JSON value. (moto does not quote a string placed
    // outside quotes, so only those forms are compared.)
    const template = '{"state": "<state>", "text": "instance <id> is <state>", "count": <count>, "detail": <detail>}';
    const paths = { state: '$.detail.state', id: '$.detail.id', count: '$.detail.count', detail: '$.detail' };
    const detail = { id: 'i-1', state: 'RUNNING', count: 3, tags: ['a'] };
    const q = await queue('eb-transform');
    await events.send(new PutRuleCommand({ Name: 'transform', EventPattern: JSON.stringify({ source: ['transform'] }) }));
    await events.send(new PutTargetsCommand({ Rule: 'transform', Targets: [{ Id: 'q', Arn: q.arn, InputTransformer: { InputPathsMap: paths, InputTemplate: template } }] }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'transform', DetailType: 'case', Detail: JSON.stringify(detail) }] }));
    const [body] = await drain(q.url);
    const bus = new EventBus(new EngineContext(), { name: 'default' });
    let lab: unknown;
    bus.putRule({ name: 'transform', pattern: { source: ['transform'] }, targets: [{ id: 'q', endpoint: 'q', inputTransformer: { inputPathsMap: paths, inputTemplate: template }, deliver: (_e, p) => void (lab = JSON.parse(p!.text)) }] });
    bus.putEvents([{ source: 'transform', detailType: 'case', detail }]);
    assert.deepEqual(lab, { state: 'RUNNING', text: 'instance i-1 is RUNNING', count: 3, detail });
    assert.deepEqual(JSON.parse(body), lab);
  });

  it('SNS: every documented case moto models filters as AWS documents (and as the lab matches)', async () => {
    const cases = compared.filter((c) => c.service === 'SNS');
    assert.ok(cases.length >= 5, `expected the SNS cases, got ${cases.length}`);
    const wrong: string[] = [];
    for (const [i, c] of cases.entries()) {
      const topicArn = (await sns.send(new CreateTopicCommand({ Name: `sns-case-${i}` }))).TopicArn!;
      const q = await queue(`sns-case-${i}`);
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: q.arn,
          Attributes: { FilterPolicy: JSON.stringify(c.pattern), FilterPolicyScope: c.scope ?? 'MessageAttributes' },
        }),
      );
      const expect = new Map<string, boolean>();
      for (const [inputs, should] of [[c.matches, true], [c.misses, false]] as const) {
        for (const input of inputs) {
          const body = c.scope === 'MessageBody';
          const r = await sns.send(new PublishCommand({ TopicArn: topicArn, Message: body ? JSON.stringify(input) : 'case', ...(body || !Object.keys(input).length ? {} : { MessageAttributes: snsAttributes(input) }) }));
          expect.set(r.MessageId!, should);
          assert.equal(matchesFilterPolicy(c.pattern as never, input, c.scope), should, `${c.name}: lab on ${JSON.stringify(input)}`);
        }
      }
      const got = new Set((await drain(q.url)).map((b) => (JSON.parse(b) as { MessageId: string }).MessageId));
      for (const [id, should] of expect) if (got.has(id) !== should) wrong.push(`${c.name}: message ${id} ${should ? 'not delivered' : 'delivered'}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('SNS: moto refuses the policies AWS documents as over its limits, with the AWS message', async () => {
    const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'sns-limits' }))).TopicArn!;
    const q = await queue('sns-limits');
    const cases = REFUSAL_CASES.filter((c) => c.motoRefuses);
    assert.ok(cases.length >= 2);
    for (const c of cases) {
      await assert.rejects(
        sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: q.arn, Attributes: { FilterPolicy: JSON.stringify(c.pattern), FilterPolicyScope: c.scope ?? 'MessageAttributes' } })),
        (err: Error) => {
          assert.equal(err.name, 'InvalidParameterException', c.name);
          // The lab's message carries the same AWS phrase.
          assert.match(err.message, /more than 5 keys|too complex/, c.name);
          return true;
        },
      );
    }
  });
});
