/**
 * Which walkthrough steps the learner's real progress completes (plain TypeScript: no `vscode`, so
 * it is unit-tested against package.json).
 *
 * Why the extension ticks them itself: VS Code's walkthrough service is created lazily — the first
 * time a walkthrough or the Welcome page opens — and only listens for completion events from then
 * on. A context key that became true before (the learner started and passed lesson 1 without
 * opening the walkthrough) never ticks its step, and a key already true when the service starts is
 * taken as seen, not as done. `welcome.markStepComplete` records a step done in VS Code's own
 * storage, read whenever the walkthrough is drawn; `completionEvents` stay in package.json for the
 * steps VS Code sees happen itself.
 */

export interface WalkthroughStep {
  /** The id VS Code knows the step by: `<extension id>#<walkthrough id>#<step id>`. */
  id: string;
  /** The step's own id in package.json. */
  step: string;
  /** Context keys (`onContext:` events) any of which completes it. */
  keys: string[];
}

interface Manifest {
  contributes?: { walkthroughs?: Array<{ id: string; steps?: Array<{ id: string; completionEvents?: string[] }> }> };
}

/** The steps of every walkthrough the manifest contributes that complete on a context key. */
export function walkthroughSteps(extensionId: string, manifest: Manifest): WalkthroughStep[] {
  return (manifest.contributes?.walkthroughs ?? []).flatMap((w) =>
    (w.steps ?? [])
      .map((s) => ({
        id: `${extensionId}#${w.id}#${s.id}`,
        step: s.id,
        keys: (s.completionEvents ?? []).filter((e) => e.startsWith('onContext:')).map((e) => e.slice('onContext:'.length)),
      }))
      .filter((s) => s.keys.length > 0),
  );
}

/**
 * The steps to tick now: those with a key that is true and not ticked yet (a step is never
 * unticked: VS Code keeps it done, as it does for steps it saw happen).
 */
export function stepsToTick(steps: readonly WalkthroughStep[], keys: Readonly<Record<string, boolean>>, ticked: ReadonlySet<string>): string[] {
  return steps.filter((s) => !ticked.has(s.id) && s.keys.some((k) => keys[k] === true)).map((s) => s.id);
}
