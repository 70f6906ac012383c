/**
 * Playback fitted to a run: how fast the diagram's virtual clock moves at each moment, so a whole
 * lesson plays in about `targetWallMs` of wall time, quiet stretches pass quickly and bursts are
 * slowed down enough to follow. Pure: built from the survey's records per virtual second.
 *
 * Each virtual second gets a weight — a floor for a quiet second plus the square root of its share
 * of the busiest second's activity (so a burst 50× busier is shown about 7× slower, not 50×) — and
 * the wall time is shared out in proportion to the weights. A second counts its neighbours'
 * activity too, halved for each second away (`LEAD`), so playback slows down just before a burst
 * and picks up again just after it rather than jumping between speeds.
 */
export interface Pacing {
  /** Wall ms into the playback at virtual time `t` (ms). */
  wallAt(t: number): number;
  /** Virtual time (ms) reached after `wall` ms of playback. */
  virtualAt(wall: number): number;
  /** Total wall ms of the whole run. */
  readonly totalWallMs: number;
  /** Virtual ms where the playback ends. */
  readonly endMs: number;
}

/** The weight of a quiet second, relative to the busiest second's 1 + this. */
const QUIET = 0.15;
/** How many seconds before and after a burst playback slows for it. */
const LEAD = 2;

/** Each second's activity, or a nearby second's halved per second away, whichever is more. */
function around(activity: readonly number[], seconds: number): number[] {
  return Array.from({ length: seconds }, (_, s) => {
    let a = activity[s] ?? 0;
    for (let d = 1; d <= LEAD; d++) a = Math.max(a, (activity[s - d] ?? 0) / 2 ** d, (activity[s + d] ?? 0) / 2 ** d);
    return a;
  });
}

export function fitPacing(activity: readonly number[], endMs: number, targetWallMs = 25_000): Pacing {
  const seconds = Math.max(1, Math.ceil(endMs / 1000));
  const near = around(activity, seconds);
  const max = Math.max(1, ...near);
  const weights = near.map((a) => QUIET + Math.sqrt(a / max));
  const total = weights.reduce((a, b) => a + b, 0);
  /** Wall ms at the start of each second (cumulative), and the wall ms each second lasts. */
  const per = weights.map((w) => (w / total) * targetWallMs);
  const start: number[] = [0];
  for (let s = 0; s < seconds; s++) start.push(start[s]! + per[s]!);
  const wallAt = (t: number): number => {
    const tt = Math.max(0, Math.min(t, endMs));
    const s = Math.min(seconds - 1, Math.floor(tt / 1000));
    return start[s]! + ((tt - s * 1000) / 1000) * per[s]!;
  };
  const virtualAt = (wall: number): number => {
    if (wall <= 0) return 0;
    if (wall >= start[seconds]!) return endMs;
    let lo = 0;
    let hi = seconds - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (start[mid]! <= wall) lo = mid;
      else hi = mid - 1;
    }
    return Math.min(endMs, lo * 1000 + ((wall - start[lo]!) / per[lo]!) * 1000);
  };
  return { wallAt, virtualAt, totalWallMs: start[seconds]!, endMs };
}
