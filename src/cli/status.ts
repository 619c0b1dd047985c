import { posix, relative } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import { readTarget } from '../core/target.js';
import { recordedHash, sha256 } from '../lock/lockfile.js';
import { isText } from '../merge/conflict.js';
import { compareVersions } from '../template/semver.js';
import type { Reporter } from '../ui/report.js';
import { checkStaging, openCatalog, type CliContext } from './context.js';
import { findProjectRoot, readLockfile } from './project.js';
import { componentSource } from '../catalog/lookup.js';

const decoder = new TextDecoder();
/**
 * A conflict left in a file: a `<<<<<<< ` line, then a `>>>>>>> ` line after it. Two linear scans:
 * one lazy regex over both would be quadratic on a file of many opening lines and no closing one.
 */
function hasConflictMarkers(text: string): boolean {
  const open = /^<<<<<<< /m.exec(text);
  return open !== null && /^>>>>>>> /m.test(text.slice(open.index));
}

interface ComponentStatus {
  name: string;
  version: string;
  latest: string | undefined;
  behind: boolean;
  drifted: Array<{ path: string; policy: string; state: 'modified' | 'deleted' }>;
  conflicts: string[];
  changelog: Array<{ version: string; text: string }>;
}

/** platform status [--check]: versions against the latest, drift from what was written, open conflicts. */
export async function runStatus(options: { check?: boolean; catalog?: string }, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const root = await findProjectRoot(ctx);
  await checkStaging(ctx, root);
  const lock = await readLockfile(ctx, root);
  const { catalog, explicit } = await openCatalog(ctx, options.catalog, root);
  const components: ComponentStatus[] = [];
  for (const locked of lock.templates) {
    const found = await componentSource(catalog, locked, explicit, ctx.env);
    if (found.note) reporter.warn(found.note);
    const source = found.source;
    const latest = await catalog.latest(locked.name, source);
    const status: ComponentStatus = {
      name: locked.name,
      version: locked.version,
      latest,
      behind: latest !== undefined && compareVersions(latest, locked.version) > 0,
      drifted: [],
      conflicts: [],
      changelog: latest ? await catalog.changelogs(locked.name, locked.version, latest, source) : [],
    };
    for (const [path, file] of Object.entries(locked.files)) {
      const full = posix.join(root, path);
      const bytes = await readTarget(ctx.fs, root, path, { what: `the files of ${locked.name} in .platform.yaml` });
      if (!bytes) {
        status.drifted.push({ path, policy: file.policy, state: 'deleted' });
        continue;
      }
      // A secret file is never hashed: it is yours, and its content is never compared or shown.
      const hash = recordedHash(file);
      if (hash !== undefined && sha256(bytes) !== hash) status.drifted.push({ path, policy: file.policy, state: 'modified' });
      if ((isText(bytes) && hasConflictMarkers(decoder.decode(bytes))) || (await statOrUndefined(ctx.fs, `${full}.rej`))) {
        status.conflicts.push(path);
      }
    }
    components.push(status);
  }

  const ownedDrift = components.flatMap((c) => c.drifted.filter((d) => d.policy === 'owned').map((d) => `${c.name}: ${d.path}`));
  const failing = components.some((c) => c.behind) || ownedDrift.length > 0 || components.some((c) => c.conflicts.length > 0);
  reporter.set({ root, components, check: options.check ? { passed: !failing, ownedDrift } : undefined });

  const c = reporter.color;
  reporter.line(`${relative(ctx.cwd, root) || '.'}: ${components.length} component(s)`);
  for (const s of components) {
    const state = s.latest === undefined ? c.yellow('not in its catalog') : s.behind ? c.yellow(`${s.latest} available`) : c.green('up to date');
    reporter.line(`${c.bold(s.name.padEnd(14))} ${s.version.padEnd(8)} ${state}`);
    for (const entry of s.changelog) reporter.line(c.dim(entry.text.split('\n').map((l) => `  │ ${l}`).join('\n')));
    for (const d of s.drifted) {
      const tag = d.policy === 'owned' ? c.red('owned, drifted') : d.policy === 'once' ? c.dim('once: yours') : 'local edits';
      reporter.line(`  ${d.state.padEnd(9)}${d.path} (${tag})`);
    }
    for (const path of s.conflicts) reporter.line(`  ${c.red('conflict')} ${path}: unresolved markers or .rej`);
  }
  if (options.check && failing) {
    reporter.line(c.red('check failed: a component is behind, an owned file drifted, or a conflict is unresolved.'));
    return ExitCode.checkFailed;
  }
  return ExitCode.ok;
}
