import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadCatalog } from '../../src/lessons/loader';

const repoLessons = path.resolve(__dirname, '..', '..', 'lessons');

function tempLessons(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'lessons-'));
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), content);
  }
  return root;
}

const sections = JSON.stringify([{ id: 'concepts', title: 'Serverless concepts' }, { id: 'patterns', title: 'Patterns' }]);
const lesson = (over: Record<string, unknown> = {}) => JSON.stringify({ id: 'a-lesson', title: 'A lesson', section: 'concepts', order: 1, summary: 'S.', page: 'page.md', ...over });

describe('lesson loader', () => {
  it('loads the shipped lessons without problems', () => {
    const { catalog, problems } = loadCatalog(repoLessons);
    assert.deepEqual(problems, []);
    const first = catalog.lessons.find((l) => l.id === 'what-serverless-means');
    assert.ok(first);
    assert.equal(first.section, 'concepts');
    assert.ok(fs.readFileSync(first.pagePath, 'utf8').includes('serverless spectrum'));
  });

  it('orders lessons by section order, then by order', () => {
    const root = tempLessons({
      'sections.json': sections,
      'x/lesson.json': lesson({ id: 'p1', section: 'patterns', order: 1 }),
      'x/page.md': '# p1',
      'y/lesson.json': lesson({ id: 'c2', order: 2 }),
      'y/page.md': '# c2',
      'z/lesson.json': lesson({ id: 'c1', order: 1 }),
      'z/page.md': '# c1',
    });
    assert.deepEqual(loadCatalog(root).catalog.lessons.map((l) => l.id), ['c1', 'c2', 'p1']);
  });

  const bad: Array<[string, Record<string, unknown>, string, RegExp]> = [
    ['an id that is not kebab-case', { id: 'Bad Id' }, 'id', /kebab-case/],
    ['an unknown section', { section: 'nope' }, 'section', /unknown section "nope"/],
    ['a zero order', { order: 0 }, 'order', /integer ≥ 1/],
    ['a missing title', { title: '' }, 'title', /non-empty/],
    ['a missing page file', { page: 'missing.md' }, 'page', /file not found: missing\.md/],
    ['a page outside the folder', { page: '../escape.md' }, 'page', /inside the lesson folder/],
    ['negative minutes', { minutes: -3 }, 'minutes', /> 0/],
  ];
  for (const [name, override, field, message] of bad) {
    it(`reports ${name} by field, and still loads the other lessons`, () => {
      const root = tempLessons({
        'sections.json': sections,
        'good/lesson.json': lesson({ id: 'good' }),
        'good/page.md': '# good',
        'bad/lesson.json': lesson({ id: 'bad', ...override }),
        'bad/page.md': '# bad',
      });
      const { catalog, problems } = loadCatalog(root);
      assert.deepEqual(catalog.lessons.map((l) => l.id), ['good']);
      assert.equal(problems.length, 1);
      assert.equal(problems[0].path, field);
      assert.match(problems[0].message, message);
      assert.match(problems[0].file, /bad[/\\]lesson\.json$/);
    });
  }

  it('reports invalid JSON and duplicate ids', () => {
    const root = tempLessons({
      'sections.json': sections,
      'a/lesson.json': lesson({ id: 'same' }),
      'a/page.md': '#',
      'b/lesson.json': lesson({ id: 'same' }),
      'b/page.md': '#',
      'c/lesson.json': '{ not json',
    });
    const { catalog, problems } = loadCatalog(root);
    assert.equal(catalog.lessons.length, 1);
    assert.ok(problems.some((p) => p.path === 'id' && /duplicate lesson id "same"/.test(p.message)));
    assert.ok(problems.some((p) => /invalid JSON/.test(p.message) && /c[/\\]lesson\.json$/.test(p.file)));
  });

  it('reports a bad sections file by index and field', () => {
    const root = tempLessons({ 'sections.json': JSON.stringify([{ id: 'ok', title: 'Ok' }, { id: 'x', title: '' }]) });
    const { catalog, problems } = loadCatalog(root);
    assert.deepEqual(catalog.sections.map((s) => s.id), ['ok']);
    assert.equal(problems[0].path, '[1].title');
  });
});
