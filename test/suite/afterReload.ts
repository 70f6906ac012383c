// Entry point for the second phase of the extension-host suite: the harness loads the workbench again
// in the same browser profile (a real window reload: new extension host, same stored state) and runs
// only the describe blocks tagged `@after-reload`, which check what must survive a reload.
import { runPhase } from './index';

export function run(): Promise<void> {
  return runPhase('after-reload');
}
