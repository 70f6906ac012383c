import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { DetailShownMessage, RenderedMessage, StateMessage } from '../../src/diagram/protocol';
import type { ServerlessLabApi } from '../../src/extension';
import type { PlaygroundResponse } from '../../src/playground/types';

const EXTENSION_ID = 'serverless-lab.serverless-lab';
const LESSON_ID = 'load-leveling';

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A counter summed over the nodes that have it, as the webview reports it. */
const total = (s: StateMessage, counter: string): number => Object.values(s.counters).reduce((n, c) => n + (c[counter] ?? 0), 0);

describe('The live diagram in a real VS Code', function () {
  this.timeout(120_000);
  let api: ServerlessLabApi;
  /** What the webviews reported, in order (renders and detail panels shown). */
  const renders: RenderedMessage[] = [];
  const playgroundRenders: RenderedMessage[] = [];
  const details: DetailShownMessage[] = [];
  /** Waits for a report that arrives after this call. */
  const nextOf = async <T>(list: T[], pred: (m: T) => boolean = () => true): Promise<T> => {
    const from = list.length;
    let hit: T | undefined;
    await until('a report from the webview', () => (hit = list.slice(from).find(pred)) !== undefined);
    return hit!;
  };

  before(async () => {
    api = await vscode.extensions.getExtension<ServerlessLabApi>(EXTENSION_ID)!.activate();
    api.diagram.onDidRender((m) => renders.push(m));
    api.diagram.scenario.view.onDidShowDetail((m) => details.push(m));
    api.diagram.playground.view.onDidRender((m) => playgroundRenders.push(m));
  });
  after(() => {
    api.diagram.scenario.view.close();
    api.diagram.playground.view.close();
  });

  it("plays a lesson's scenario: the counters the webview draws rise between two reads", async () => {
    const rendered = nextOf(renders);
    await vscode.commands.executeCommand('serverlessLab.openDiagram', LESSON_ID);
    const r = await rendered;
    assert.equal(r.ok, true, r.error);
    assert.equal(r.nodes, 5, 'traffic, queue, DLQ, function and table are drawn');
    const player = api.diagram.scenario;
    const idle = await player.view.readState();
    assert.equal(idle.player, true, 'a scenario has the player controls');
    assert.equal(total(idle, 'invocations'), 0, 'nothing ran yet');

    player.play();
    try {
      await until('the first invocations to be drawn', async () => total(await player.view.readState(), 'invocations') > 0);
      const first = await player.view.readState();
      await new Promise((res) => setTimeout(res, 1500));
      const second = await player.view.readState();
      assert.ok(second.t > first.t, `virtual time moved (${first.t} → ${second.t} ms)`);
      assert.ok(total(second, 'invocations') > total(first, 'invocations'), `invocations rose (${total(first, 'invocations')} → ${total(second, 'invocations')})`);
      assert.ok(second.counters.orders.sent > first.counters.orders.sent, 'messages kept arriving in the queue');
      assert.match(second.badges.orders ?? '', /^depth \d+ · in flight \d+/, 'the queue badge is drawn');
      assert.ok(second.updatesApplied > first.updatesApplied);
    } finally {
      player.pause();
    }
    assert.equal(player.playing, false);
    assert.ok(player.view.posted.records >= player.view.posted.updates, 'updates are batches of records');
  });

  it('click-through: a node answers with its recent events, one of its messages with its journey', async () => {
    const view = api.diagram.scenario.view;
    const nodeShown = nextOf(details, (m) => m.what === 'node');
    view.select('node', 'orders');
    const shown = await nodeShown;
    assert.equal(shown.ok, true, shown.error);
    const answer = view.lastAnswer;
    assert.equal(answer?.type, 'nodeEvents');
    if (answer?.type !== 'nodeEvents') return;
    assert.ok(answer.events.length > 0, 'the queue has recent events');
    assert.ok(answer.events.every((e, i, all) => i === 0 || all[i - 1].seq > e.seq), 'newest first');
    const messageId = answer.events.find((e) => e.id !== undefined)!.id!;

    const journeyShown = nextOf(details, (m) => m.what === 'journey');
    view.select('message', messageId);
    const j = await journeyShown;
    assert.equal(j.ok, true, j.error);
    assert.equal(j.id, messageId);
    const journey = view.lastAnswer;
    assert.equal(journey?.type, 'journey');
    if (journey?.type === 'journey') {
      assert.ok(journey.records > 0);
      assert.match(journey.source, /^sequenceDiagram/);
    }
    assert.deepEqual((await view.readState()).detail, { what: 'journey', id: messageId });

    const refused = nextOf(details, (m) => m.what === 'error');
    view.select('node', 'no-such-resource');
    assert.match((await refused).error ?? '', /no resource "no-such-resource"/);
  });

  it('the playground diagram opens without player controls and follows the playground', async () => {
    const view = api.diagram.playground.view;
    let unavailable: Error | undefined;
    await api.diagram.openPlayground().catch((err: Error) => (unavailable = err));
    assert.ok(view.isOpen, 'the panel opens even before the runtime answers');
    const state = await view.readState();
    assert.equal(state.player, false, 'no play / step / speed / timeline: commands move time');
    assert.equal(unavailable, undefined, unavailable?.message);
    const rt = await api.runtime.get();
    try {
      await followsThePlayground(rt);
    } finally {
      await rt.request({ type: 'playground', command: { op: 'reset' } }); // leave the playground empty, as found
    }
  });

  async function followsThePlayground(rt: Awaited<ReturnType<ServerlessLabApi['runtime']['get']>>): Promise<void> {
    const view = api.diagram.playground.view;
    const before = view.topologies;
    const rendered = nextOf(playgroundRenders);
    await rt.request({ type: 'playground', command: { op: 'createQueue', name: 'diagram-test-q' } });
    assert.equal((await rendered).ok, true);
    assert.equal(view.topologies, before + 1, 'a new queue re-renders the diagram once');
    await rt.request({ type: 'playground', command: { op: 'send', queue: 'diagram-test-q', body: 'hello' } });
    await until('the sent message to be drawn', async () => (await view.readState()).counters['diagram-test-q']?.depth === 1);
    await rt.request({ type: 'playground', command: { op: 'send', queue: 'diagram-test-q', body: 'again' } });
    await until('the second message to be drawn', async () => (await view.readState()).counters['diagram-test-q']?.depth === 2);
    assert.equal(view.topologies, before + 1, 'sending does not change the topology, so nothing is re-rendered');
    // Received by hand (in flight) and time moved on with no record: the diagram shows the playground's state.
    const received = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'receive', queue: 'diagram-test-q', max: 2, visibilityTimeoutS: 60 } });
    const { snapshot } = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'advance', seconds: 5 } });
    await until('the playground\'s time and in-flight messages to be drawn', async () => {
      const s = await view.readState();
      return s.shownT === snapshot.now && s.counters['diagram-test-q']?.inFlight === 2;
    });
    // Closed and opened again: drawn from what the playground has now, not an empty run.
    view.close();
    await api.diagram.openPlayground();
    await until('the reopened diagram to show the same state', async () => {
      const s = await view.readState();
      return s.shownT === snapshot.now && s.counters['diagram-test-q']?.inFlight === 2 && s.counters['diagram-test-q']?.depth === 2;
    });
    // What time alone changes (no record says it): a delay that ends as Advance Time passes it; and a
    // message whose visibility is changed to 0 is visible again at once.
    const counters = async () => (await view.readState()).counters['diagram-test-q'] ?? {};
    await rt.request({ type: 'playground', command: { op: 'send', queue: 'diagram-test-q', body: 'later', delayS: 3 } });
    await until('the delayed message to be drawn', async () => (await counters()).delayed === 1 && (await counters()).depth === 3);
    await rt.request({ type: 'playground', command: { op: 'advance', seconds: 4 } });
    await until('the delay to be over in the diagram too', async () => (await counters()).delayed === 0 && (await counters()).depth === 3);
    const [first] = received.result as Array<{ receiptHandle: string }>;
    await rt.request({ type: 'playground', command: { op: 'changeVisibility', queue: 'diagram-test-q', receiptHandle: first!.receiptHandle, visibilityTimeoutS: 0 } });
    await until('the message made visible to leave "in flight"', async () => (await counters()).inFlight === 1);
    const { snapshot: now } = await rt.request<PlaygroundResponse>({ type: 'playground', command: { op: 'snapshot' } });
    const q = now.queues.find((x) => x.name === 'diagram-test-q')!;
    assert.deepEqual(await counters().then((c) => [c.depth, c.inFlight, c.delayed]), [q.depth.visible + q.depth.inFlight + q.depth.delayed, q.depth.inFlight, q.depth.delayed], 'the diagram says what the playground says');
  }
});
