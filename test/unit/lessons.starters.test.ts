// The starter files are the exercise's instructions: their comments must read in the editor column
// Start Exercise opens beside the page (about 500 px), so no comment line is wider than 72 characters.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const lessons = path.resolve(__dirname, '..', '..', 'lessons');
const WIDTH = 72;

describe('starter files fit a narrow editor', () => {
  const starters = fs
    .readdirSync(lessons)
    .filter((d) => fs.existsSync(path.join(lessons, d, 'starter')))
    .flatMap((d) => fs.readdirSync(path.join(lessons, d, 'starter')).map((f) => path.join(d, 'starter', f)));

  it('every lesson with an exercise has starter files', () => assert.ok(starters.length >= 17, String(starters.length)));

  for (const file of starters) {
    it(`${file}: every comment line is at most ${WIDTH} characters`, () => {
      const long = fs
        .readFileSync(path.join(lessons, file), 'utf8')
        .split('\n')
        .map((line, i) => ({ line, n: i + 1 }))
        .filter(({ line }) => /^\s*(\/\/|\/\*|\*)/.test(line) && [...line].length > WIDTH);
      assert.deepEqual(long.map(({ line, n }) => `${n}: ${[...line].length} chars: ${line.trim()}`), []);
    });
  }
});
