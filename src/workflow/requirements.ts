import { compareVersions } from '../template/semver.js';
import { writes, type Plan } from '../plan/plan.js';

const decoder = new TextDecoder();

/** How a requirement check sees the repository: a file as it is now (undefined: absent). */
export type ReadFile = (path: string) => Promise<Uint8Array | undefined>;

/**
 * What each component's `requires` asks for and the repository will not have once the plan is
 * written: components at too old a version, files, package.json scripts. One line per gap.
 */
export async function unmetRequirements(plan: Plan, read: ReadFile, command = 'add'): Promise<Array<{ component: string; missing: string[] }>> {
  const after = async (path: string): Promise<Uint8Array | undefined> => {
    const op = plan.operations.find((o) => o.path === path);
    if (op && writes(op)) return op.bytes;
    if (op?.kind === 'delete') return undefined;
    return read(path);
  };
  const gaps: Array<{ component: string; missing: string[] }> = [];
  for (const component of plan.components) {
    const requires = component.requires;
    if (!requires) continue;
    const missing: string[] = [];
    for (const need of requires.components) {
      const present = plan.lockfile.templates.find((t) => t.name === need.name);
      if (present && compareVersions(present.version, need.minVersion) < 0) {
        missing.push(`${need.name} ${need.minVersion} or newer (this repository has ${need.name}@${present.version}: run \`platform upgrade ${need.name}\` first)`);
      }
    }
    for (const path of requires.files) {
      if (!(await after(path))) missing.push(`the file ${path}`);
    }
    // create installs before its first commit (or says to): the lockfile comes from that install.
    if (requires.lockfile && command !== 'create' && !(await after('package-lock.json'))) {
      missing.push('the file package-lock.json (the pipeline installs with `npm ci`: run `npm install` and commit it)');
    }
    if (requires.scripts.length > 0) {
      const scripts = scriptsOf(await after('package.json'));
      for (const script of requires.scripts) if (!scripts.has(script)) missing.push(`the package.json script "${script}"`);
    }
    if (missing.length > 0) gaps.push({ component: `${component.name}@${component.to}`, missing });
  }
  return gaps;
}

function scriptsOf(bytes: Uint8Array | undefined): Set<string> {
  if (!bytes) return new Set();
  try {
    const pkg = JSON.parse(decoder.decode(bytes)) as { scripts?: unknown };
    return typeof pkg.scripts === 'object' && pkg.scripts !== null ? new Set(Object.keys(pkg.scripts)) : new Set();
  } catch {
    return new Set();
  }
}
