/**
 * Schedule expressions of EventBridge scheduled rules: `rate(…)` and `cron(…)`, as the EventBridge
 * User Guide ("Creating a rule that runs on a schedule") defines them.
 *
 * - `rate(value unit)`: a positive whole number and `minute`/`minutes`, `hour`/`hours`,
 *   `day`/`days` — singular for 1, plural above (`rate(1 hours)` and `rate(5 hour)` are invalid). It
 *   starts when the rule is created: the first event comes one period later.
 * - `cron(Minutes Hours Day-of-month Month Day-of-week Year)`: six fields, in UTC. Each field takes
 *   values, `,` lists, `-` ranges (a range may wrap: hours `20-2`), `*` and `/` increments
 *   (`0/15`); Day-of-month also takes `?`, `L` (last day), `nW` (the weekday nearest day n, within
 *   the month) and `LW`; Day-of-week takes `?`, `1-7` or `SUN-SAT` (1 = Sunday), `L` (Saturday),
 *   `nL` (the month's last day n) and `n#k` (the k-th day n: `3#2` is the second Tuesday, alone in
 *   its field). One of Day-of-month and Day-of-week must be `?`, and only one.
 * - The finest resolution is one minute. AWS fires "within that minute"; the lab fires at its start,
 *   so a seed still gives one trace.
 *
 * Times here are epoch milliseconds (UTC); the bus converts to and from the virtual clock.
 */

/** A parsed schedule: when it fires next, strictly after a given instant. */
export interface Schedule {
  readonly expression: string;
  /** The next firing strictly after `afterEpochMs`, or `undefined` when there is none (a cron whose years are over). */
  next(afterEpochMs: number): number | undefined;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** Parse a schedule expression; throws an `Error` whose message says what is wrong. */
export function parseSchedule(expression: string): Schedule {
  if (typeof expression !== 'string') throw new Error(`must be "rate(…)" or "cron(…)", got ${typeof expression}`);
  const rate = /^rate\((.*)\)$/.exec(expression);
  if (rate) return parseRate(expression, rate[1]);
  const cron = /^cron\((.*)\)$/.exec(expression);
  if (cron) return parseCron(expression, cron[1]);
  throw new Error(`must be "rate(value unit)" or "cron(minutes hours day-of-month month day-of-week year)", got ${JSON.stringify(expression)}`);
}

function parseRate(expression: string, inner: string): Schedule {
  const parts = inner.trim().split(/\s+/);
  if (parts.length !== 2) throw new Error(`a rate is "rate(value unit)", like rate(5 minutes), got ${JSON.stringify(expression)}`);
  const [valueText, unit] = parts;
  if (!/^[0-9]+$/.test(valueText) || Number(valueText) < 1) throw new Error(`the rate's value must be a positive whole number, got ${JSON.stringify(valueText)}`);
  const value = Number(valueText);
  const units: Record<string, number> = { minute: MINUTE, hour: 60 * MINUTE, day: DAY };
  const singular = unit.endsWith('s') ? unit.slice(0, -1) : unit;
  const ms = units[singular];
  if (ms === undefined) throw new Error(`the rate's unit must be minute(s), hour(s) or day(s), got ${JSON.stringify(unit)}`);
  if (value === 1 && unit !== singular) throw new Error(`a value of 1 takes the singular unit: rate(1 ${singular}), not rate(1 ${unit})`);
  if (value > 1 && unit === singular) throw new Error(`a value above 1 takes the plural unit: rate(${value} ${singular}s), not rate(${value} ${unit})`);
  const period = value * ms;
  return {
    expression,
    // A rate counts from when the rule was created (the caller passes that instant first).
    next: (after) => after + period,
  };
}

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'Minutes', min: 0, max: 59 },
  { name: 'Hours', min: 0, max: 23 },
  { name: 'Day-of-month', min: 1, max: 31 },
  { name: 'Month', min: 1, max: 12, names: MONTHS },
  { name: 'Day-of-week', min: 1, max: 7, names: DAYS },
  { name: 'Year', min: 1970, max: 2199 },
];

/** Day-of-month: a set, or a special form decided per month. */
type DomSpec = { kind: 'any' } | { kind: 'set'; days: ReadonlySet<number> } | { kind: 'last' } | { kind: 'lastWeekday' } | { kind: 'nearestWeekday'; day: number };
/** Day-of-week (0 = Sunday … 6 = Saturday). */
type DowSpec = { kind: 'any' } | { kind: 'set'; days: ReadonlySet<number> } | { kind: 'lastOf'; day: number } | { kind: 'nth'; day: number; n: number };

function parseCron(expression: string, inner: string): Schedule {
  const parts = inner.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new Error(`a cron expression has six fields (Minutes Hours Day-of-month Month Day-of-week Year), got ${parts.length} in ${JSON.stringify(expression)}`);
  }
  const [minText, hourText, domText, monthText, dowText, yearText] = parts;
  const minutes = parseList(minText, FIELDS[0]);
  const hours = parseList(hourText, FIELDS[1]);
  const months = parseList(monthText, FIELDS[3]);
  const years = parseList(yearText, FIELDS[5]);
  if ((domText === '?') === (dowText === '?')) {
    throw new Error(
      domText === '?'
        ? 'Day-of-month and Day-of-week cannot both be "?": give a value (or *) in one of them'
        : `one of Day-of-month and Day-of-week must be "?" (you cannot specify both), got "${domText}" and "${dowText}"`,
    );
  }
  const dom = parseDom(domText);
  const dow = parseDow(dowText);
  const minuteList = [...minutes].sort((a, b) => a - b);
  const hourList = [...hours].sort((a, b) => a - b);

  const dayMatches = (y: number, m: number, d: number): boolean => {
    const last = new Date(Date.UTC(y, m, 0)).getUTCDate(); // m is 1-based here: day 0 of the next month
    if (d > last) return false;
    const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    if (dom.kind !== 'any') {
      switch (dom.kind) {
        case 'set':
          return dom.days.has(d);
        case 'last':
          return d === last;
        case 'lastWeekday': {
          const lw = nearestWeekday(y, m, last, last);
          return d === lw;
        }
        case 'nearestWeekday':
          return dom.day <= last && d === nearestWeekday(y, m, dom.day, last);
      }
    }
    switch (dow.kind) {
      case 'any':
        return true;
      case 'set':
        return dow.days.has(weekday);
      case 'lastOf':
        return weekday === dow.day && d + 7 > last;
      case 'nth':
        return weekday === dow.day && Math.ceil(d / 7) === dow.n;
    }
  };

  return {
    expression,
    next(after: number): number | undefined {
      // Start at the first whole minute after `after`.
      let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
      const limit = Date.UTC(FIELDS[5].max + 1, 0, 1);
      while (t < limit) {
        const date = new Date(t);
        const y = date.getUTCFullYear();
        const m = date.getUTCMonth() + 1;
        const d = date.getUTCDate();
        if (!years.has(y)) {
          t = Date.UTC(y + 1, 0, 1);
          continue;
        }
        if (!months.has(m)) {
          t = Date.UTC(y, m, 1); // the first of the next month
          continue;
        }
        if (!dayMatches(y, m, d)) {
          t = Date.UTC(y, m - 1, d + 1);
          continue;
        }
        const h = date.getUTCHours();
        const min = date.getUTCMinutes();
        for (const hh of hourList) {
          if (hh < h) continue;
          const from = hh === h ? min : 0;
          const mm = minuteList.find((x) => x >= from);
          if (mm !== undefined) return Date.UTC(y, m - 1, d, hh, mm);
        }
        t = Date.UTC(y, m - 1, d + 1);
      }
      return undefined;
    },
  };
}

/** The weekday (Mon–Fri) nearest `day` of the month, never leaving the month (Quartz's `W`). */
function nearestWeekday(y: number, m: number, day: number, last: number): number {
  const weekday = new Date(Date.UTC(y, m - 1, day)).getUTCDay();
  if (weekday >= 1 && weekday <= 5) return day;
  if (weekday === 6) return day === 1 ? 3 : day - 1; // Saturday: Friday before, or Monday the 3rd
  return day === last ? day - 2 : day + 1; // Sunday: Monday after, or Friday before at the month's end
}

function value(text: string, f: Field): number {
  const upper = text.toUpperCase();
  if (f.names) {
    const i = f.names.indexOf(upper);
    if (i >= 0) return i + 1;
  }
  if (!/^[0-9]+$/.test(text)) {
    throw new Error(`${f.name}: ${JSON.stringify(text)} is not a value (${f.min}–${f.max}${f.names ? ` or ${f.names[0]}–${f.names[f.names.length - 1]}` : ''})`);
  }
  const n = Number(text);
  if (n < f.min || n > f.max) throw new Error(`${f.name}: ${n} is out of range (${f.min}–${f.max})`);
  return n;
}

/** A field of values: `*`, `a`, `a-b` (wrapping), `x/step`, in a `,` list. */
function parseList(text: string, f: Field): Set<number> {
  const out = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '') throw new Error(`${f.name}: empty item in ${JSON.stringify(text)}`);
    if (item === '?' || /[LW#]/i.test(item.replace(/[A-Za-z]{3}/g, (w) => (f.names?.includes(w.toUpperCase()) ? '' : w)))) {
      throw new Error(`${f.name}: ${JSON.stringify(item)} is not allowed here (? L W # belong to Day-of-month / Day-of-week)`);
    }
    const [rangeText, stepText, extra] = item.split('/');
    if (extra !== undefined) throw new Error(`${f.name}: one "/" per item, got ${JSON.stringify(item)}`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^[0-9]+$/.test(stepText) || Number(stepText) < 1) throw new Error(`${f.name}: the increment after "/" must be a positive whole number, got ${JSON.stringify(stepText)}`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (rangeText === '*') {
      from = f.min;
      to = f.max;
    } else if (rangeText.includes('-')) {
      const [a, b, more] = rangeText.split('-');
      if (more !== undefined || a === '' || b === '') throw new Error(`${f.name}: a range is "from-to", got ${JSON.stringify(rangeText)}`);
      from = value(a, f);
      to = value(b, f);
    } else {
      from = value(rangeText, f);
      // "5/15": from 5, every 15, to the end of the field.
      to = stepText !== undefined ? f.max : from;
    }
    const span = to >= from ? to - from : f.max - from + (to - f.min) + 1;
    for (let k = 0; k <= span; k += step) {
      let v = from + k;
      if (v > f.max) v = f.min + (v - f.max - 1);
      out.add(v);
    }
  }
  return out;
}

function parseDom(text: string): DomSpec {
  const f = FIELDS[2];
  if (text === '?') return { kind: 'any' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const w = /^([0-9]+)W$/i.exec(text);
  if (w) return { kind: 'nearestWeekday', day: value(w[1], f) };
  if (/[LW#]/i.test(text)) throw new Error(`Day-of-month: ${JSON.stringify(text)} — use L (last day), LW (last weekday) or nW (the weekday nearest day n), alone in the field`);
  return { kind: 'set', days: parseList(text, f) };
}

function parseDow(text: string): DowSpec {
  const f = FIELDS[4];
  if (text === '?') return { kind: 'any' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'set', days: new Set([6]) };
  const last = /^([0-9A-Z]+)L$/i.exec(text);
  if (last && !DAYS.includes(upper)) return { kind: 'lastOf', day: value(last[1], f) - 1 };
  if (text.includes('#')) {
    if (text.includes(',')) throw new Error(`Day-of-week: with "#" the field holds one expression only, got ${JSON.stringify(text)}`);
    const m = /^([0-9A-Za-z]+)#([0-9]+)$/.exec(text);
    if (!m) throw new Error(`Day-of-week: "#" is "day#n" (3#2: the second Tuesday), got ${JSON.stringify(text)}`);
    const n = Number(m[2]);
    if (n < 1 || n > 5) throw new Error(`Day-of-week: the n in day#n is 1–5, got ${n}`);
    return { kind: 'nth', day: value(m[1], f) - 1, n };
  }
  if (/W/i.test(text.replace(/WED/gi, ''))) throw new Error(`Day-of-week: "W" belongs to Day-of-month, got ${JSON.stringify(text)}`);
  return { kind: 'set', days: new Set([...parseList(text, f)].map((d) => d - 1)) };
}
