// Schedule expressions, from the EventBridge User Guide ("Creating an Amazon EventBridge rule that
// runs on a schedule": the cron fields and wildcards, its examples, the rate rules).
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseSchedule } from '../../src/engine/schedule';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z'));
/** The next `n` firings after `from`. */
function firings(expression: string, from: string, n: number): Array<string | undefined> {
  const s = parseSchedule(expression);
  const out: Array<string | undefined> = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = s.next(t);
    out.push(iso(t));
  }
  return out;
}

describe('schedule expressions', () => {
  describe('rate(value unit)', () => {
    it('fires one period after the instant it counts from', () => {
      assert.deepEqual(firings('rate(5 minutes)', '2026-01-01T00:00:00Z', 3), ['2026-01-01T00:05:00Z', '2026-01-01T00:10:00Z', '2026-01-01T00:15:00Z']);
      assert.deepEqual(firings('rate(1 hour)', '2026-01-01T00:00:30Z', 1), ['2026-01-01T01:00:30Z']);
      assert.deepEqual(firings('rate(2 days)', '2026-01-01T00:00:00Z', 1), ['2026-01-03T00:00:00Z']);
    });

    it('1 takes the singular unit, more the plural: rate(1 hours) and rate(5 hour) are invalid', () => {
      assert.throws(() => parseSchedule('rate(1 hours)'), /rate\(1 hour\), not rate\(1 hours\)/);
      assert.throws(() => parseSchedule('rate(5 hour)'), /rate\(5 hours\)/);
      parseSchedule('rate(1 minute)');
      parseSchedule('rate(5 minutes)');
      parseSchedule('rate(1 day)');
    });

    it('refuses a value that is not a positive whole number, an unknown unit, a missing part', () => {
      assert.throws(() => parseSchedule('rate(0 minutes)'), /positive whole number/);
      assert.throws(() => parseSchedule('rate(1.5 minutes)'), /positive whole number/);
      assert.throws(() => parseSchedule('rate(2 weeks)'), /minute\(s\), hour\(s\) or day\(s\)/);
      assert.throws(() => parseSchedule('rate(5)'), /rate\(value unit\)/);
      assert.throws(() => parseSchedule('every 5 minutes'), /"rate\(value unit\)" or "cron/);
    });
  });

  describe('cron(Minutes Hours Day-of-month Month Day-of-week Year), UTC', () => {
    it("the guide's examples", () => {
      // 2026-01-01 is a Thursday.
      assert.deepEqual(firings('cron(0 10 * * ? *)', '2026-01-01T00:00:00Z', 2), ['2026-01-01T10:00:00Z', '2026-01-02T10:00:00Z']);
      assert.deepEqual(firings('cron(15 12 * * ? *)', '2026-01-01T12:15:00Z', 1), ['2026-01-02T12:15:00Z'], 'strictly after');
      assert.deepEqual(firings('cron(0 18 ? * MON-FRI *)', '2026-01-02T18:00:00Z', 1), ['2026-01-05T18:00:00Z'], 'Friday evening → Monday');
      assert.deepEqual(firings('cron(0 8 1 * ? *)', '2026-01-01T09:00:00Z', 2), ['2026-02-01T08:00:00Z', '2026-03-01T08:00:00Z']);
      assert.deepEqual(firings('cron(0/15 * * * ? *)', '2026-01-01T00:07:00Z', 3), ['2026-01-01T00:15:00Z', '2026-01-01T00:30:00Z', '2026-01-01T00:45:00Z']);
      assert.deepEqual(firings('cron(0/5 8-17 ? * MON-FRI *)', '2026-01-02T17:54:00Z', 2), ['2026-01-02T17:55:00Z', '2026-01-05T08:00:00Z']);
      assert.deepEqual(firings('cron(0/30 20-2 ? * MON-FRI *)', '2026-01-01T01:45:00Z', 2), ['2026-01-01T02:00:00Z', '2026-01-01T02:30:00Z'], 'a range may wrap past midnight');
      assert.deepEqual(firings('cron(5,35 14 * * ? *)', '2026-01-01T14:10:00Z', 2), ['2026-01-01T14:35:00Z', '2026-01-02T14:05:00Z']);
      assert.deepEqual(firings('cron(15 10 ? * 6L 2019-2022)', '2026-01-01T00:00:00Z', 1), [undefined], 'its years are over');
    });

    it('L, W and # as the guide defines them', () => {
      assert.deepEqual(firings('cron(15 10 ? * 6L *)', '2026-01-01T00:00:00Z', 2), ['2026-01-30T10:15:00Z', '2026-02-27T10:15:00Z'], 'the last Friday');
      assert.deepEqual(firings('cron(0 9 ? * 3#2 *)', '2026-01-01T00:00:00Z', 1), ['2026-01-13T09:00:00Z'], 'the second Tuesday');
      assert.deepEqual(firings('cron(0 0 L * ? *)', '2026-02-01T00:00:00Z', 1), ['2026-02-28T00:00:00Z'], 'the last day of the month');
      assert.deepEqual(firings('cron(0 0 3W * ? *)', '2026-01-01T00:00:00Z', 1), ['2026-01-02T00:00:00Z'], '3 Jan 2026 is a Saturday: the Friday before');
      assert.deepEqual(firings('cron(0 0 1W * ? *)', '2026-01-15T00:00:00Z', 1), ['2026-02-02T00:00:00Z'], '1 Feb 2026 is a Sunday: the Monday after, still in February');
      assert.deepEqual(firings('cron(0 0 LW * ? *)', '2026-01-01T00:00:00Z', 1), ['2026-01-30T00:00:00Z'], '31 Jan 2026 is a Saturday');
      assert.deepEqual(firings('cron(0 0 ? * L *)', '2026-01-01T00:00:00Z', 1), ['2026-01-03T00:00:00Z'], 'L in Day-of-week: Saturday');
    });

    it('names for months and days, case-insensitive; 1 is Sunday', () => {
      assert.deepEqual(firings('cron(0 12 ? JAN,mar SUN *)', '2026-01-01T00:00:00Z', 1), ['2026-01-04T12:00:00Z']);
      assert.deepEqual(firings('cron(0 12 ? * 1 *)', '2026-01-01T00:00:00Z', 1), ['2026-01-04T12:00:00Z']);
    });

    it('refuses what the guide forbids, naming the field', () => {
      const bad: Array<[string, RegExp]> = [
        ['cron(0 10 * * * *)', /one of Day-of-month and Day-of-week must be "\?"/],
        ['cron(0 10 ? * ? *)', /cannot both be "\?"/],
        ['cron(0 10 * * ?)', /six fields/],
        ['cron(60 10 * * ? *)', /Minutes: 60 is out of range \(0–59\)/],
        ['cron(0 24 * * ? *)', /Hours: 24 is out of range/],
        ['cron(0 10 32 * ? *)', /Day-of-month: 32 is out of range/],
        ['cron(0 10 ? 13 MON *)', /Month: 13 is out of range/],
        ['cron(0 10 ? * 8 *)', /Day-of-week: 8 is out of range/],
        ['cron(0 10 * * ? 1969)', /Year: 1969 is out of range/],
        ['cron(0 10 ? * 3#1,6#3 *)', /one expression only/],
        ['cron(0 10 ? * 3#6 *)', /1–5/],
        ['cron(0 L * * ? *)', /Hours: "L" is not allowed here/],
        ['cron(? 10 * * ? *)', /Minutes: "\?" is not allowed/],
        ['cron(0 10 ? * MON/x *)', /increment after "\/"/],
        ['cron(0 10 ? * FOO *)', /Day-of-week: "FOO" is not a value/],
        ['cron(0 10 5L * ? *)', /Day-of-month: "5L"/],
      ];
      for (const [expr, message] of bad) assert.throws(() => parseSchedule(expr), message, expr);
    });

    it('property: every firing of a random cron satisfies its fields, and none is skipped minute by minute', () => {
      const field = (min: number, max: number) => fc.oneof(fc.constant('*'), fc.integer({ min, max }).map(String), fc.tuple(fc.integer({ min, max }), fc.integer({ min: 1, max: 20 })).map(([a, s]) => `${a}/${s}`));
      fc.assert(
        fc.property(field(0, 59), field(0, 23), fc.integer({ min: 0, max: 100_000 }), (m, h, startMin) => {
          const expr = `cron(${m} ${h} * * ? *)`;
          const s = parseSchedule(expr);
          const from = at('2026-01-01T00:00:00Z') + startMin * 60_000;
          const next = s.next(from)!;
          // Brute force: the first minute after `from` whose minute and hour fields match.
          const allowed = (text: string, v: number, max: number): boolean => {
            if (text === '*') return true;
            if (text.includes('/')) {
              const [a, st] = text.split('/').map(Number);
              return v >= a && v <= max && (v - a) % st === 0;
            }
            return Number(text) === v;
          };
          let t = Math.floor(from / 60_000) * 60_000 + 60_000;
          while (!(allowed(m, new Date(t).getUTCMinutes(), 59) && allowed(h, new Date(t).getUTCHours(), 23))) t += 60_000;
          assert.equal(next, t, expr);
        }),
        { numRuns: 150 },
      );
    });
  });
});
