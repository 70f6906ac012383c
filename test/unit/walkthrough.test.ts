// The walkthrough's steps tick from real progress: the extension tells VS Code which steps are done
// (welcome.markStepComplete), because VS Code's walkthrough service only hears events once it exists
// (src/vscode/lessons/walkthroughSteps.ts). Here: the step ids VS Code uses, and which steps a set
// of context keys completes, against the real package.json.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stepsToTick, walkthroughSteps } from '../../src/vscode/lessons/walkthroughSteps';

const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const EXT = `${pkg.publisher}.${pkg.name}`;

describe('walkthrough steps ticked from progress', () => {
  const steps = walkthroughSteps(EXT, pkg);

  it('every step completes on a context key the extension can tick, named as VS Code names it', () => {
    const all: Array<{ id: string }> = pkg.contributes.walkthroughs[0].steps;
    assert.deepEqual(steps.map((s) => s.step), all.map((s) => s.id));
    for (const s of steps) assert.match(s.id, new RegExp(`^serverless-lab\\.serverless-lab#serverlessLab\\.welcome#${s.step}$`));
  });

  it('a true key ticks its step once; false keys tick nothing; a ticked step is not ticked again', () => {
    const none = Object.fromEntries(steps.flatMap((s) => s.keys.map((k) => [k, false])));
    assert.deepEqual(stepsToTick(steps, none, new Set()), []);
    const started = { ...none, 'serverlessLab.progress.startedExercise': true, 'serverlessLab.progress.openedLessons': true };
    const first = stepsToTick(steps, started, new Set());
    assert.deepEqual(first.map((id) => id.split('#').at(-1)), ['welcome', 'lessons', 'startExercise']);
    assert.deepEqual(stepsToTick(steps, { ...started, 'serverlessLab.progress.ranChecks': true }, new Set(first)).map((id) => id.split('#').at(-1)), ['runChecks']);
  });
});
