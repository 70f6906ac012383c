import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { diagramHtml } from '../../diagram/html';
import { toMermaid } from '../../diagram/mermaid';
import { OverlayModel } from '../../diagram/overlay';
import type { DiagramToHost, HostToDiagram, RenderedMessage, Speed } from '../../diagram/protocol';
import type { Topology } from '../../engine/topology';
import type { Push } from '../../sandbox/protocol';
import type { ExercisesFeature } from '../exercises';
import type { LessonsFeature } from '../lessons';
import type { RuntimeFeature } from '../runtime';
import { nonce } from '../webviewHtml';

/**
 * The live diagram: a lesson's (or any scenario file's) topology rendered once with Mermaid, with
 * the run's trace animated on top. Data flows one way: runtime trace pushes → OverlayModel →
 * batched updates → webview. Controls in the webview drive the run (play, pause, step, speed, seek).
 */
export interface DiagramFeature {
  open(target: string): Promise<void>;
  readonly onDidRender: vscode.Event<RenderedMessage>;
  /** Updates posted to the webview so far (tests read this). */
  readonly posted: { updates: number; records: number };
}

const TICK_MS = 100;
const SPEED: Record<Speed, number> = { '1x': 1, '10x': 10, max: Number.POSITIVE_INFINITY };

export function registerDiagram(context: vscode.ExtensionContext, lessons: LessonsFeature, exercises: ExercisesFeature, runtime: RuntimeFeature, output: vscode.LogOutputChannel): DiagramFeature {
  let panel: vscode.WebviewPanel | undefined;
  let model: OverlayModel | undefined;
  let source: { scenarioFile: string; handlerDir: string } | undefined;
  let topologyMessage: HostToDiagram | undefined;
  let endMs = 0;
  let now = 0;
  let speed: Speed = '1x';
  let timer: NodeJS.Timeout | undefined;
  const rendered = new vscode.EventEmitter<RenderedMessage>();
  const posted = { updates: 0, records: 0 };

  const post = (m: HostToDiagram) => void panel?.webview.postMessage(m);
  const player = () => post({ type: 'player', playing: Boolean(timer), speed, t: now, end: endMs });

  const onPush = (p: Push) => {
    if (p.push !== 'trace' || !model || !panel) return;
    const update = model.apply(p.records);
    posted.updates++;
    posted.records += p.records.length;
    now = p.now;
    post({ type: 'updates', batch: [update] });
  };

  const pause = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    player();
  };

  const runTo = async (untilMs: number) => {
    const rt = await runtime.get();
    const r = await rt.request<{ now: number; done: boolean }>({ type: 'run', untilMs });
    now = r.now;
    if (r.done || now >= endMs) pause();
    else player();
  };

  const play = () => {
    if (timer) return;
    timer = setInterval(() => {
      const factor = SPEED[speed];
      void runTo(Number.isFinite(factor) ? now + TICK_MS * factor : endMs).catch((err) => {
        pause();
        void vscode.window.showErrorMessage(`Serverless Lab: the run stopped: ${(err as Error).message}`);
      });
    }, TICK_MS);
    player();
  };

  const load = async (seekTo = 0) => {
    if (!source) return;
    const rt = await runtime.get();
    const loaded = await rt.request<{ name: string; endMs: number | null; topology: Topology }>({ type: 'load', scenarioFile: source.scenarioFile, handlerDir: source.handlerDir });
    endMs = loaded.endMs ?? 3_600_000;
    now = 0;
    model = new OverlayModel(loaded.topology);
    const diagram = toMermaid(loaded.topology);
    const kinds = Object.fromEntries(loaded.topology.nodes.map((n) => [n.id, n.kind]));
    topologyMessage = { type: 'topology', source: diagram.source, ids: diagram.ids, edgeIds: diagram.edgeIds, partitions: diagram.partitions, kinds };
    post({ type: 'reset' });
    post(topologyMessage);
    if (seekTo > 0) await runTo(seekTo);
    player();
  };

  const receive = async (m: DiagramToHost) => {
    switch (m.type) {
      case 'ready':
        if (topologyMessage) post(topologyMessage);
        player();
        break;
      case 'rendered':
        if (!m.ok) output.error(`diagram render failed: ${m.error}`);
        rendered.fire(m);
        break;
      case 'control':
        if (m.action === 'play') play();
        else if (m.action === 'pause') pause();
        else if (m.action === 'speed' && typeof m.value === 'string' && m.value in SPEED) {
          speed = m.value as Speed;
          player();
        } else if (m.action === 'step') {
          const rt = await runtime.get();
          const r = await rt.request<{ now: number }>({ type: 'step', events: 1 });
          now = r.now;
          player();
        } else if (m.action === 'seek' && typeof m.value === 'number') {
          // The engine is deterministic: replaying from the start to t reproduces the state at t.
          pause();
          await load(Math.max(0, Math.min(m.value, endMs)));
        }
        break;
      case 'selectNode':
        output.info(`diagram: selected ${m.id}`);
        break;
      case 'selectMessage':
        output.info(`diagram: selected message ${m.id}`);
        break;
    }
  };

  const resolveTarget = (target: string): { scenarioFile: string; handlerDir: string; title: string } | undefined => {
    const lesson = lessons.catalog().lessons.find((l) => l.id === target);
    if (lesson?.exercise) {
      const mine = exercises.learnerDir(lesson);
      return { scenarioFile: path.join(lesson.dir, lesson.exercise.scenario), handlerDir: fs.existsSync(mine) ? mine : path.join(lesson.dir, 'solution'), title: lesson.title };
    }
    if (target.endsWith('.json') && fs.existsSync(target)) return { scenarioFile: target, handlerDir: path.dirname(target), title: path.basename(target) };
    return undefined;
  };

  const open = async (target: string) => {
    const resolved = resolveTarget(target);
    if (!resolved) {
      void vscode.window.showErrorMessage(`Serverless Lab: "${target}" is neither a lesson with an exercise nor a scenario file.`);
      return;
    }
    pause();
    source = resolved;
    if (!panel) {
      panel = vscode.window.createWebviewPanel('serverlessLab.diagram', `Diagram: ${resolved.title}`, vscode.ViewColumn.Beside, {
        enableScripts: true,
        retainContextWhenHidden: true,
        localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
      });
      const sub = (await runtime.get()).on('push', onPush);
      panel.onDidDispose(() => {
        pause();
        sub.off('push', onPush);
        panel = undefined;
      });
      panel.webview.onDidReceiveMessage((m: DiagramToHost) => void receive(m));
      const w = panel.webview;
      w.html = diagramHtml(w.cspSource, nonce(), w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview', 'diagram.js')).toString(), w.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'media', 'diagram.css')).toString());
    }
    panel.title = `Diagram: ${resolved.title}`;
    panel.reveal();
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Loading scenario…' }, () => load());
  };

  context.subscriptions.push(
    rendered,
    { dispose: pause },
    vscode.commands.registerCommand('serverlessLab.openDiagram', async (arg?: unknown) => {
      let target = typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined;
      target ??= lessons.panel.current?.id;
      const active = vscode.window.activeTextEditor?.document.uri.fsPath;
      if (!target && active?.endsWith('.scenario.json')) target = active;
      if (!target) {
        const pick = await vscode.window.showQuickPick(lessons.catalog().lessons.filter((l) => l.exercise).map((l) => ({ label: l.title, id: l.id })), { placeHolder: 'Open the diagram of which lesson?' });
        target = pick?.id;
      }
      if (target) {
        try {
          await open(target);
        } catch (err) {
          void vscode.window.showErrorMessage(`Serverless Lab: cannot open the diagram: ${(err as Error).message}`);
        }
      }
    }),
  );
  return { open, onDidRender: rendered.event, posted };
}
