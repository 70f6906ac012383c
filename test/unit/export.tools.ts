// The AWS tools the export suites run (installed on the CI machine): found, or the exact install command.
import { spawnSync } from 'node:child_process';

export const CFN_LINT_INSTALL = "pip install 'cfn-lint==1.51.0'";
export const MOTO_INSTALL = "pip install 'moto[server]==5.2.1'";

/** Throws (failing the suite) with the install command when `tool <probe>` does not run. */
export function requireTool(tool: string, install: string, probe = '--version'): string {
  const r = spawnSync(tool, [probe], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${tool} is not installed (needed by the export suites; CI has it). Install it with:\n  ${install}`);
  return (r.stdout || r.stderr).trim();
}
