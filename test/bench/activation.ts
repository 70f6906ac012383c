// Loaded as extensionTestsPath by bench/activation.mjs: measures activation inside the real
// extension host and reports it through the console (which the harness reads).
import * as vscode from 'vscode';
import type { ServerlessLabApi } from '../../src/extension';

export async function run(): Promise<void> {
  const ext = vscode.extensions.getExtension<ServerlessLabApi>('serverless-lab.serverless-lab');
  if (!ext) throw new Error('extension not found');
  const started = performance.now();
  const api = await ext.activate();
  const outer = performance.now() - started;
  console.log(`BENCH ${JSON.stringify({ bench: 'extension activation (load + activate, real extension host)', value: +outer.toFixed(2), unit: 'ms', goal: '<= 50' })}`);
  console.log(`BENCH ${JSON.stringify({ bench: 'extension activate() body', value: +api.activationMs.toFixed(2), unit: 'ms' })}`);
  for (const [feature, ms] of Object.entries(api.activationSteps)) console.log(`BENCH ${JSON.stringify({ bench: `activate(): register ${feature}`, value: ms, unit: 'ms' })}`);
}
