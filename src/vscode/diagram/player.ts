import * as vscode from 'vscode';
import type { ControlMessage, Speed } from '../../diagram/protocol';
import type { Topology } from '../../engine/topology';
import type { Push } from '../../sandbox/protocol';
import { nextStop, planPlayback, SPEED, TICK_MS, type PlaybackPlan } from '../../diagram/playback';
import type { RuntimeFeature } from '../runtime';
import { DiagramView, type DiagramViewApi } from './view';

/** The runtime's `survey` answer (src/sandbox/runtime.ts). */
interface SurveyAnswer {
  topology: Topology;
  activity: number[];
  lastMs: number;
}

/** A scenario file and the folder of the handlers it runs. */
export interface ScenarioSource {
  scenarioFile: string;
  handlerDir: string;
  title: string;
}

export interface PlayerApi {
  readonly view: DiagramViewApi;
  readonly playing: boolean;
  play(): void;
  pause(): void;
}

/**
 * The scenario player behind the live diagram: loads a scenario into the runtime and moves its
 * virtual time on a wall-clock tick (play, pause, step, speed, seek). The runtime's trace pushes for
 * the scenario go to the diagram view.
 */
export class ScenarioPlayer implements PlayerApi {
  readonly view: DiagramView;
  private source: ScenarioSource | undefined;
  private plan: PlaybackPlan = { endMs: 0, pacing: undefined };
  private now = 0;
  private speed: Speed = 'fit';
  private survey: SurveyAnswer | undefined;
  private timer: NodeJS.Timeout | undefined;
  private subscribed = false;

  constructor(
    context: vscode.ExtensionContext,
    output: vscode.LogOutputChannel,
    private readonly runtime: RuntimeFeature,
    column?: () => vscode.ViewColumn | undefined,
  ) {
    this.view = new DiagramView(context, output, {
      viewType: 'serverlessLab.diagram',
      column,
      player: true,
      onControl: (m) => this.control(m),
      onReady: () => this.report(),
      onClose: () => this.pause(),
    });
    context.subscriptions.push({ dispose: () => this.pause() });
  }

  get playing(): boolean {
    return this.timer !== undefined;
  }

  private readonly onPush = (p: Push): void => {
    if (p.push === 'trace' && p.source === 'scenario') this.view.push(p.records);
  };

  async open(source: ScenarioSource): Promise<void> {
    this.pause();
    this.source = source;
    this.view.show(`Diagram: ${source.title}`);
    const rt = await this.runtime.get();
    if (!this.subscribed) {
      rt.on('push', this.onPush);
      this.subscribed = true;
    }
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Loading scenario…' }, async () => {
      // Survey the run first (the learner's code may have changed since the last open): the
      // topology then has every call edge from the start, and playback fits the run.
      this.survey = undefined;
      try {
        this.survey = (await rt.request<SurveyAnswer | null>({ type: 'survey', scenarioFile: source.scenarioFile, handlerDir: source.handlerDir })) ?? undefined;
      } catch {
        this.survey = undefined; // declared edges and fixed speeds still work
      }
      await this.load();
    });
  }

  private report(): void {
    this.view.post({ type: 'player', playing: this.playing, speed: this.speed, t: this.now, end: this.plan.endMs });
  }

  /** (Re)load the scenario and run it to `seekTo`: the engine is deterministic, so that reproduces the state at that time. */
  private async load(seekTo = 0): Promise<void> {
    if (!this.source) return;
    const rt = await this.runtime.get();
    const loaded = { ...(await rt.request<{ name: string; endMs: number | null; topology: Topology }>({ type: 'load', scenarioFile: this.source.scenarioFile, handlerDir: this.source.handlerDir })), ...this.survey };
    // The run ends where its last event is (on the whole second after it), not at the declared duration.
    this.plan = planPlayback(loaded.endMs, this.survey);
    this.now = 0;
    this.view.setTopology(loaded.topology, { fresh: true });
    if (seekTo > 0) await this.runTo(seekTo);
    this.report();
  }

  private async runTo(untilMs: number): Promise<void> {
    const rt = await this.runtime.get();
    const r = await rt.request<{ now: number; done: boolean }>({ type: 'run', untilMs });
    this.now = r.now;
    if (r.done || this.now >= this.plan.endMs) this.pause();
    else this.report();
  }

  play(): void {
    if (this.timer || !this.source) return;
    let busy = false;
    this.timer = setInterval(() => {
      if (busy) return; // a slow tick is not queued behind another
      busy = true;
      this.runTo(nextStop(this.plan, this.now, this.speed))
        .catch((err: Error) => {
          this.pause();
          void vscode.window.showErrorMessage(`Serverless Lab: the run stopped: ${err.message}`);
        })
        .finally(() => (busy = false));
    }, TICK_MS);
    this.report();
  }

  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.report();
  }

  private async control(m: ControlMessage): Promise<void> {
    if (m.action === 'play') this.play();
    else if (m.action === 'pause') this.pause();
    else if (m.action === 'speed' && typeof m.value === 'string' && m.value in SPEED) {
      this.speed = m.value as Speed;
      this.report();
    } else if (m.action === 'step') {
      const rt = await this.runtime.get();
      this.now = (await rt.request<{ now: number }>({ type: 'step', events: 1 })).now;
      this.report();
    } else if (m.action === 'seek' && typeof m.value === 'number') {
      this.pause();
      await this.load(Math.max(0, Math.min(m.value, this.plan.endMs)));
    }
  }
}
