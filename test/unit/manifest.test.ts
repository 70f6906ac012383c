// The manifest's menus and walkthrough against the code: every `when` clause and completion event
// names a context key the extension really sets, so a palette entry or a walkthrough step can
// never wait on a key nobody sets. (The keys' values are exercised in the extension-host suites.)
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PAGE_ACTIONS } from '../../src/lessons/pageView';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

function sources(dir: string): string {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((d) => (d.isDirectory() ? sources(path.join(dir, d.name)) : d.name.endsWith('.ts') ? fs.readFileSync(path.join(dir, d.name), 'utf8') : ''))
    .join('\n');
}
const code = sources(path.join(root, 'src', 'vscode'));
/** Keys set with setContext: literal names, and the `has${kind}` family of the playground. */
function isSet(key: string): boolean {
  if (code.includes(`'${key}'`)) return true;
  const m = /^serverlessLab\.playground\.has(\w+)$/.exec(key);
  return Boolean(m && code.includes('serverlessLab.playground.has${kind}') && code.includes(`'${m[1]}'`));
}
const keysOf = (when: string) => [...when.matchAll(/serverlessLab\.[\w.]+/g)].map((m) => m[0]);

describe('package.json menus and walkthrough', () => {
  const commands = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));

  it('every palette rule is for a contributed command and keys on context the extension sets', () => {
    const palette: Array<{ command: string; when: string }> = pkg.contributes.menus.commandPalette;
    assert.ok(palette.length >= 20, `${palette.length} palette rules`);
    for (const rule of palette) {
      assert.ok(commands.has(rule.command), `${rule.command} is contributed`);
      for (const key of keysOf(rule.when)) assert.ok(isSet(key), `${rule.command}: context key ${key} is set somewhere in src/vscode`);
    }
  });

  it('the palette hides the per-resource playground commands and the lesson-page commands until they apply', () => {
    const hidden = new Set(pkg.contributes.menus.commandPalette.map((r: { command: string }) => r.command));
    for (const c of ['sendMessage', 'publish', 'produce', 'putEvent', 'deleteMessage', 'detachHandler']) assert.ok(hidden.has(`serverlessLab.playground.${c}`), c);
    for (const c of ['markLessonDone', 'markLessonNotDone', 'runChecks', 'nextLesson']) assert.ok(hidden.has(`serverlessLab.${c}`), c);
  });

  it('every walkthrough step after the first completes on a context key the extension sets', () => {
    const steps: Array<{ id: string; completionEvents?: string[] }> = pkg.contributes.walkthroughs[0].steps;
    for (const step of steps.slice(1)) {
      const events = step.completionEvents ?? [];
      assert.ok(events.length > 0, `${step.id} has completion events`);
      // onCommand only fires for commands run through the workbench (not from a webview button or
      // another command), so every step also needs a key or a view.
      assert.ok(events.some((e) => e.startsWith('onContext:') || e.startsWith('onView:')), `${step.id} completes on a context key or a view`);
      for (const e of events.filter((x) => x.startsWith('onContext:'))) assert.ok(isSet(e.slice('onContext:'.length)), `${step.id}: ${e} is set`);
    }
  });

  it('every lesson page button runs a contributed command (serverlessLab.<id>), titled as the button', () => {
    // The page posts the button's id and the panel runs `serverlessLab.${id}`: an id without a command
    // is a button that never appears (the toolbar shows only commands that exist) or does nothing.
    for (const action of PAGE_ACTIONS) {
      const command = pkg.contributes.commands.find((c: { command: string }) => c.command === `serverlessLab.${action.id}`);
      assert.ok(command, `page action ${action.id}: serverlessLab.${action.id} is contributed in package.json`);
      assert.equal(action.label, command.title.replace(/…$/, ''), `page action ${action.id} is labelled as its command`);
    }
    for (const action of PAGE_ACTIONS) assert.ok(code.includes(`registerCommand('serverlessLab.${action.id}'`), `serverlessLab.${action.id} is registered in src/vscode`);
  });

  it('one name per action: the page, the walkthrough and the palette use the command titles', () => {
    const title = (id: string) => pkg.contributes.commands.find((c: { command: string }) => c.command === id)?.title;
    assert.equal(title('serverlessLab.startLesson'), 'Start Exercise');
    assert.equal(title('serverlessLab.runChecks'), 'Run Checks');
    assert.equal(title('serverlessLab.openDiagram'), 'Open Diagram');
    assert.equal(title('serverlessLab.nextLesson'), 'Next Lesson');
    const page = fs.readFileSync(path.join(root, 'src', 'lessons', 'pageView.ts'), 'utf8');
    for (const [, id, label] of page.matchAll(/id: '(\w+)', label: '([^']+)'/g)) {
      const t = title(`serverlessLab.${id}`);
      if (t) assert.equal(label, t.replace(/…$/, ''), `page button ${id}`);
    }
    const links = pkg.contributes.walkthroughs[0].steps.flatMap((s: { description: string }) => [...s.description.matchAll(/\[([^\]]+)\]\(command:([\w.]+)/g)].map((m) => [m[1], m[2]]));
    for (const [label, id] of links) {
      const t = title(id);
      if (t && !['serverlessLab.openLesson', 'serverlessLab.resumeLesson'].includes(id)) assert.equal(label, t.replace(/…$/, '').replace(/^Playground: /, ''), `walkthrough link to ${id}`);
    }
  });

  it('no other name for Start Exercise or Run Checks is left in the code, the README or the walkthrough', () => {
    const texts = [code, fs.readFileSync(path.join(root, 'README.md'), 'utf8'), ...fs.readdirSync(path.join(root, 'media', 'walkthrough')).map((f) => fs.readFileSync(path.join(root, 'media', 'walkthrough', f), 'utf8'))].join('\n');
    for (const old of ['Start Lesson', 'Start a Lesson', 'Run Lesson Checks']) assert.ok(!texts.includes(old), `"${old}" is still said somewhere`);
  });

  it('the Lessons tree: inline Start Exercise before the start, Run Checks after; Mark Done / Not Done as applies', () => {
    const items: Array<{ command: string; when: string; group?: string }> = pkg.contributes.menus['view/item/context'].filter((m: { when: string }) => m.when.includes('serverlessLab.lessons'));
    const shown = (viewItem: string, inline: boolean) =>
      items
        .filter((m) => (m.group ?? '').startsWith('inline') === inline)
        .filter((m) => {
          const re = /viewItem =~ \/(.+)\/$/.exec(m.when)?.[1];
          return re ? new RegExp(re).test(viewItem) : m.when.includes(`viewItem == ${viewItem}`);
        })
        .map((m) => m.command.replace('serverlessLab.', ''));
    assert.deepEqual(shown('lesson.exercise.new', true), ['startLesson']);
    assert.deepEqual(shown('lesson.exercise.started', true), ['runChecks']);
    assert.ok(shown('lesson.exercise.started', false).includes('markLessonDone') && !shown('lesson.exercise.started', false).includes('markLessonNotDone'));
    assert.ok(shown('lesson.exercise.done', false).includes('markLessonNotDone') && !shown('lesson.exercise.done', false).includes('markLessonDone'));
    assert.ok(shown('lesson.reading.todo', false).includes('markLessonDone'));
    assert.ok(!shown('lesson.reading.todo', false).includes('runChecks'));
  });
});
