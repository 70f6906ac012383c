import assert from 'node:assert/strict';
import { escapeLabel, mermaidId, toMermaid, SHAPES, MAX_DRAWN_PARTITIONS } from '../../src/diagram/mermaid';
import { NODE_KINDS, type Topology } from '../../src/diagram/types';
import { OverlayModel } from '../../src/diagram/overlay';
import type { Topology as EngineTopology } from '../../src/engine/topology';

const one = (kind: string, id = 'r', label = 'R', detail?: Record<string, unknown>): Topology => ({ nodes: [{ id, kind: kind as never, label, detail }], edges: [] });
const lineOf = (source: string, id: string): string => source.split('\n').map((l) => l.trim()).find((l) => l.startsWith(id) && !l.includes('@')) ?? '';

describe('diagram: topology → Mermaid flowchart', () => {
  it('starts with a flowchart header in the requested direction and rejects others', () => {
    assert.match(toMermaid({ nodes: [], edges: [] }).source, /^flowchart LR\n/);
    assert.match(toMermaid({ nodes: [], edges: [] }, { direction: 'TB' }).source, /^flowchart TB\n/);
    assert.throws(() => toMermaid({ nodes: [], edges: [] }, { direction: 'RL' as never }), /direction/);
  });

  it('the top-down drawing (for a narrow panel) has the same ids; a stream\'s partitions run across its flow', () => {
    const t: Topology = {
      nodes: [
        { id: 'f', kind: 'function', label: 'f' },
        { id: 's', kind: 'stream', label: 's', detail: { partitions: 3 } },
      ],
      edges: [{ from: 'f', to: 's' }],
    };
    const wide = toMermaid(t);
    const narrow = toMermaid(t, { direction: 'TB' });
    assert.deepEqual([narrow.ids, narrow.edgeIds, narrow.partitions], [wide.ids, wide.edgeIds, wide.partitions]);
    assert.match(wide.source, /\n {4}direction TB\n/);
    assert.match(narrow.source, /\n {4}direction LR\n/);
  });

  const expected: Record<string, [string, string]> = {
    gateway: ['{{"', '"}}'],
    function: ['(["', '"])'],
    queue: ['[["', '"]]'],
    'fifo-queue': ['[["FIFO', '"]]'],
    dlq: ['[["⚠ DLQ', '"]]'],
    topic: ['(("', '"))'],
    bus: ['>"', '"]'],
    bucket: ['[/"', '"\\]'],
    table: ['[("', '")]'],
    legacy: ['["legacy', '"]'],
    traffic: ['[\\"', '"/]'],
    exchange: ['{"', '"}'],
    'rabbit-queue': ['[["RabbitMQ', '"]]'],
    'pubsub-topic': ['((("', '")))'],
    'pubsub-subscription': ['("subscription', '")'],
    'kinesis-stream': ['[/"Kinesis', '"/]'],
  };
  for (const kind of NODE_KINDS.filter((k) => k !== 'stream')) {
    it(`draws a ${kind} with its own shape and the k_ class`, () => {
      const { source, ids } = toMermaid(one(kind));
      const [open, close] = expected[kind];
      const line = lineOf(source, ids.r);
      assert.ok(line.startsWith(`${ids.r}${open}`) && line.endsWith(close), `${kind}: ${line}`);
      assert.match(source, new RegExp(`class ${ids.r} k_${kind.replace(/[^a-z]/g, '')}\\n`));
      assert.match(source, new RegExp(`classDef k_${kind.replace(/[^a-z]/g, '')} `));
    });
  }

  it('gives the distinct kinds distinct brackets (queue variants share one shape but carry a marker)', () => {
    const shared = ['fifo-queue', 'dlq', 'rabbit-queue'];
    const shapes = new Set(Object.entries(SHAPES).filter(([k]) => !shared.includes(k)).map(([, s]) => s.join('')));
    assert.equal(shapes.size, Object.keys(SHAPES).length - shared.length);
  });

  it('draws a stream as a subgraph with one box per partition', () => {
    const { source, ids, partitions } = toMermaid(one('stream', 'clicks', 'Clicks', { partitions: 3 }));
    assert.match(source, new RegExp(`subgraph ${ids.clicks}\\["Clicks"\\]`));
    assert.deepEqual(partitions.clicks, [0, 1, 2].map((p) => `${ids.clicks}__p${p}`));
    for (const p of partitions.clicks) assert.ok(source.includes(`${p}[/"partition`));
    assert.match(source, /\n {2}end\n/);
  });

  it('summarises partitions beyond the drawing limit in the last box', () => {
    const { source, partitions } = toMermaid(one('stream', 's', 'S', { partitions: 64 }));
    assert.equal(partitions.s.length, MAX_DRAWN_PARTITIONS);
    assert.ok(source.includes(`partitions ${MAX_DRAWN_PARTITIONS - 1}–63`));
  });

  it('makes ids that are safe, distinct and never a keyword', () => {
    const names = ['end', 'graph', 'subgraph', 'style', 'a b', 'a_b', 'a-b', 'a"b', 'a[b]', 'ünï', '🚀', 'A', 'a', '1st', ''];
    const ids = names.map(mermaidId);
    assert.equal(new Set(ids).size, names.length);
    for (const id of ids) assert.match(id, /^n[A-Za-z0-9_]*$/);
    assert.notEqual(mermaidId('end'), 'end');
  });

  it('escapes labels so no name can close the quote or inject markup', () => {
    const nasty = 'a "quoted" [x] {y} (z) |p| <script>alert(1)</script> #35; `md` \\ ; end\nnext';
    const escaped = escapeLabel(nasty);
    assert.doesNotMatch(escaped, /["<>`\n]/);
    assert.ok(escaped.includes('#34;quoted#34;'));
    assert.ok(escaped.includes('#60;script#62;'));
    assert.ok(escaped.includes('#35;35#59;'), 'a literal entity stays literal');
    const { source } = toMermaid({ nodes: [{ id: nasty, kind: 'queue', label: nasty }, { id: 'end', kind: 'function', label: 'graph' }], edges: [{ from: nasty, to: 'end', label: nasty }] });
    // Every quote in the source is one we opened or closed: an even number per line.
    for (const line of source.split('\n')) assert.equal((line.match(/"/g) ?? []).length % 2, 0, line);
    assert.equal(source.split('\n').filter((l) => /^\s*end\s*$/.test(l)).length, 0, 'no stray `end` line');
  });

  it('cuts very long labels', () => {
    assert.equal([...escapeLabel('x'.repeat(500))].length, 80);
  });

  it('numbers edges e0, e1, … in topology order, dotted for dead-letter edges, skipping unknown ends', () => {
    const t: Topology = {
      nodes: [{ id: 'q', kind: 'queue', label: 'q' }, { id: 'd', kind: 'dlq', label: 'd' }, { id: 'f', kind: 'function', label: 'f' }],
      edges: [{ from: 'q', to: 'f' }, { from: 'q', to: 'd', kind: 'dead-letter' }, { from: 'q', to: 'ghost' }, { from: 'f', to: 'q', label: 'sends "x"' }],
    };
    const { source, ids, edgeIds } = toMermaid(t);
    assert.deepEqual(edgeIds, ['e0', 'e1', 'e2', 'e3']);
    assert.ok(source.includes(`${ids.q} e0@--> ${ids.f}`));
    assert.ok(source.includes(`${ids.q} e1@-.-> ${ids.d}`));
    assert.ok(!source.includes('e2@'));
    assert.ok(source.includes(`${ids.f} e3@-->|"sends #34;x#34;"| ${ids.q}`));
  });

  it('puts no colours in the source (themes colour the classes)', () => {
    const t: Topology = { nodes: NODE_KINDS.map((k) => ({ id: k, kind: k, label: k })), edges: [] };
    const { source } = toMermaid(t);
    assert.doesNotMatch(source, /(fill|color|stroke):\s*#/i);
    assert.doesNotMatch(source, /\b(fill|color):/);
  });

  it('draws a duplicated resource once', () => {
    const { source, ids } = toMermaid({ nodes: [{ id: 'q', kind: 'queue', label: 'a' }, { id: 'q', kind: 'queue', label: 'b' }], edges: [] });
    assert.equal(source.split('\n').filter((l) => l.trim().startsWith(`${ids.q}[[`)).length, 1);
  });
});

describe('diagram: works with the engine topology (src/engine/topology.ts)', () => {
  it('accepts buildTopology-shaped nodes whose detail is a description string', () => {
    const engine: EngineTopology = {
      nodes: [
        { id: 'clicks', kind: 'stream', label: 'clicks', detail: '4 partitions, compacted' },
        { id: 'fn', kind: 'function', label: 'fn', detail: '1024 MB, timeout 3 s' },
      ],
      edges: [{ from: 'clicks', to: 'fn', kind: 'event-source', label: 'batch 100' }],
    };
    const { partitions, edgeIds } = toMermaid(engine);
    assert.equal(partitions.clicks.length, 4);
    assert.deepEqual(edgeIds, ['e0']);
    const m = new OverlayModel(engine);
    m.apply([
      { seq: 1, t: 0, kind: 'invoked', resource: 'fn', id: 'i' },
      { seq: 2, t: 1000, kind: 'succeeded', resource: 'fn', id: 'i', detail: { billedMs: 1000 } },
    ]);
    // 1 request + 1 s × 1 GB at list price, in micro-dollars: the memory came from "1024 MB".
    assert.ok(Math.abs(m.node('fn')!.counters.costMicroUsd - (0.2 + 16.6667)) < 1e-6);
    assert.equal(m.node('clicks')!.partitions!.length, 4);
  });
});
