/**
 * Whether dist/ is the build of the sources as they are now, so the e2e setup can pack it as it
 * is (`npm pack --ignore-scripts`) instead of building a second time in the same `npm test`.
 *
 * `npm run build` empties dist/ first, so every file in it comes from one build. That build is
 * fresh when none of its inputs changed after its oldest output was written. Mtimes only err
 * towards "stale" (a touched file costs a rebuild, never a wrong tarball), except for a file
 * restored with an old mtime (tar -p, cp -p): then run `npm run build` by hand.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** what the build reads: sources, templates, the build configuration and the installed deps */
const INPUTS = ['src', 'templates', 'package.json', 'package-lock.json', 'tsconfig.json', join('node_modules', '.package-lock.json')];
/** what the build must have written for the packed CLI to run */
const REQUIRED_OUTPUTS = [join('dist', 'bundle', 'main.js'), join('dist', 'compiled')];

function mtimes(path: string, visit: (mtimeMs: number) => void): void {
  let st;
  try { st = statSync(path); } catch { return; }
  visit(st.mtimeMs);
  if (st.isDirectory()) for (const name of readdirSync(path)) mtimes(join(path, name), visit);
}

export function distIsFresh(repoRoot: string): { fresh: boolean; why: string } {
  for (const out of REQUIRED_OUTPUTS) {
    try { statSync(join(repoRoot, out)); } catch { return { fresh: false, why: `${out} is missing` }; }
  }
  let oldestOutput = Infinity;
  mtimes(join(repoRoot, 'dist'), (m) => { oldestOutput = Math.min(oldestOutput, m); });
  let newestInput = -Infinity;
  let newestPath = '';
  for (const input of INPUTS) {
    mtimes(join(repoRoot, input), (m) => { if (m > newestInput) { newestInput = m; newestPath = input; } });
  }
  return newestInput <= oldestOutput
    ? { fresh: true, why: 'dist/ is newer than every build input' }
    : { fresh: false, why: `${newestPath} changed after dist/ was built` };
}
