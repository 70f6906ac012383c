// `npm run bench`: prints one JSON object per line: {"bench": name, "value": number, "unit": unit, ...}.
// Each bench/*.bench.mjs file exports `default async function* ()` yielding such objects.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const files = readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && (!only || f.includes(only))).sort();
let failed = false;
for (const file of files) {
  try {
    const mod = await import(pathToFileURL(join(here, file)).href);
    for await (const line of mod.default()) console.log(JSON.stringify(line));
  } catch (err) {
    failed = true;
    console.log(JSON.stringify({ bench: file, error: String(err?.message ?? err) }));
  }
}
process.exit(failed ? 1 : 0);
