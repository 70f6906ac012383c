/**
 * The live diagram's playback schedule, pure: where a run's playback ends and how far each wall-clock
 * tick moves the virtual clock at each speed. The player (src/vscode/diagram/player.ts) only keeps
 * the timer; what it plays is decided here, so it can be tested over every lesson's run.
 *
 * A playback ends where the run ends: on the whole second after its last event (a lesson's declared
 * duration often runs on, quiet, long after — lesson 1's 200 s end at 150 s), never before it.
 */
import type { Speed } from './protocol';
import { fitPacing, type Pacing } from './pacing';

/** Wall ms between two ticks of the player. */
export const TICK_MS = 100;
/** Wall time a fitted playback of a whole run takes. */
export const FIT_WALL_MS = 25_000;
/** Virtual ms per wall ms at each fixed speed; `fit` follows the run's pacing (10× when the run was not surveyed). */
export const SPEED: Record<Speed, number> = { fit: 10, '1x': 1, '10x': 10, max: Number.POSITIVE_INFINITY };

/** What a survey of the run says about its time (src/engine/survey.ts). */
export interface RunShape {
  /** Trace records per virtual second. */
  activity: readonly number[];
  /** Virtual time of the run's last record, ms. */
  lastMs: number;
}

export interface PlaybackPlan {
  /** Virtual ms where the playback (and its timeline) ends. */
  readonly endMs: number;
  /** The fitted pacing, when the run was surveyed. */
  readonly pacing: Pacing | undefined;
}

/** An unbounded scenario's playback, when nothing says where it ends. */
const UNBOUNDED_MS = 3_600_000;

/**
 * The plan for a run: `declaredEndMs` is the scenario's own end (null: until stopped), `shape` the
 * survey's (undefined when no survey could run: the declared end, fixed speeds).
 */
export function planPlayback(declaredEndMs: number | null, shape?: RunShape, targetWallMs = FIT_WALL_MS): PlaybackPlan {
  let endMs = declaredEndMs ?? UNBOUNDED_MS;
  if (shape && shape.lastMs > 0) endMs = Math.min(endMs, Math.ceil((shape.lastMs + 1) / 1000) * 1000);
  return { endMs, pacing: shape ? fitPacing(shape.activity, endMs, targetWallMs) : undefined };
}

/** Where the tick after virtual time `now` runs to, at `speed`. Always forward, never past the end. */
export function nextStop(plan: PlaybackPlan, now: number, speed: Speed, tickMs = TICK_MS): number {
  if (now >= plan.endMs) return plan.endMs;
  if (speed === 'fit' && plan.pacing) {
    const p = plan.pacing;
    return Math.min(plan.endMs, Math.max(now + 1, p.virtualAt(p.wallAt(now) + tickMs)));
  }
  const factor = SPEED[speed];
  return Number.isFinite(factor) ? Math.min(plan.endMs, now + tickMs * factor) : plan.endMs;
}

/** Every stop of a playback from `from` to the end at `speed` (one per tick): what Play shows, tick by tick. */
export function playbackStops(plan: PlaybackPlan, speed: Speed, from = 0, tickMs = TICK_MS): number[] {
  const stops: number[] = [];
  for (let now = from; now < plan.endMs; ) stops.push((now = nextStop(plan, now, speed, tickMs)));
  return stops;
}
