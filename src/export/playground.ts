/**
 * The playground as a scenario to export: its journal's resource commands (create, subscribe,
 * rules, attach handler, delete…) replayed on a fresh playground, then the resources that exist read
 * back as the scenario the engine keeps of them. What the journal did with data (messages sent,
 * received, published, records produced, time advanced) is not infrastructure: it is not exported,
 * and `dataCommands` counts it for LAB-ONLY.md.
 */
import * as path from 'node:path';
import type { Scenario } from '../engine/scenario';
import { Playground } from '../playground/playground';
import type { PlaygroundCommand } from '../playground/types';

/** Commands that build or remove infrastructure. */
const STRUCTURAL = new Set<PlaygroundCommand['op']>([
  'createQueue',
  'createTopic',
  'subscribe',
  'unsubscribe',
  'createStream',
  'createBus',
  'putRule',
  'removeRule',
  'delete',
  'attachHandler',
  'detachHandler',
  'reset',
  // RabbitMQ, Pub/Sub and Kinesis: read back into the scenario, which the export then refuses by name.
  'declareExchange',
  'declareRabbitQueue',
  'bind',
  'unbind',
  'restartBroker',
  'createPubSubTopic',
  'createSubscription',
  'createKinesisStream',
]);

export interface PlaygroundScenario {
  scenario: Scenario;
  /** The folder the handler files are found from (their common folder). */
  baseDir: string;
  /** How many journal entries were data or time (send, publish, advance…), not exported. */
  dataCommands: number;
}

/** Accepts a journal as saved (`[...]`) or wrapped (`{ "journal": [...] }`); throws naming a bad entry. */
export function journalOf(json: unknown): PlaygroundCommand[] {
  const list = Array.isArray(json) ? json : json !== null && typeof json === 'object' && Array.isArray((json as { journal?: unknown }).journal) ? (json as { journal: unknown[] }).journal : undefined;
  if (!list) throw new Error('a playground journal must be a JSON array of commands, or an object with a "journal" array');
  list.forEach((c, i) => {
    if (c === null || typeof c !== 'object' || typeof (c as { op?: unknown }).op !== 'string') throw new Error(`journal[${i}]: must be a playground command (an object with "op")`);
  });
  return list as PlaygroundCommand[];
}

export function playgroundScenario(journal: PlaygroundCommand[]): PlaygroundScenario {
  const structural = journal.filter((c) => STRUCTURAL.has(c.op));
  const playground = new Playground();
  // restore replays in order and reports commands that no longer apply instead of stopping.
  playground.query({ op: 'restore', journal: structural });
  const scenario = JSON.parse(JSON.stringify(playground.simulation.scenario)) as Scenario;
  scenario.name = 'playground';
  scenario.description = 'The broker playground: the queues, topics, streams, buses and handlers built by hand.';
  const files = scenario.functions.map((f) => f.handler.slice(0, f.handler.lastIndexOf('#') < 0 ? undefined : f.handler.lastIndexOf('#')));
  let baseDir = files.length ? path.dirname(files[0]) : process.cwd();
  for (const f of files) while (!path.dirname(f).startsWith(baseDir) && path.dirname(baseDir) !== baseDir) baseDir = path.dirname(baseDir);
  return { scenario, baseDir, dataCommands: journal.length - structural.length };
}
