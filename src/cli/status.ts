import { posix, relative } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import { readTarget } from '../core/target.js';
import { recordedHash, sha256 } from '../lock/lockfile.js';
import { isText } from '../merge/conflict.js';
import { SIDE_SUFFIX } from '../plan/decide.js';
import { hasConflictMarkers } from '../workflow/open-conflicts.js';
import { compareVersions } from '../template/semver.js';
import type { Reporter } from '../ui/report.js';
import { checkStaging, openCatalog, type CliContext } from './context.js';
import { repositoryGit } from '../workflow/repository-git.js';
import { findPlaceholders, groupPlaceholders, type PlaceholderHit } from '../answers/placeholder.js';
import { componentSource } from '../catalog/lookup.js';

const decoder = new TextDecoder();

import { findProjectRoot, readLockfile } from './project.js';
import { Catalog } from '../sources/catalog.js';

interface ComponentStatus {
  name: string;
  version: string;
  latest: string | undefined;
  behind: boolean;
  /** moved: git sees the team moved it to `to` (modified: its content differs from what was written). */
  drifted: Array<{ path: string; policy: string; state: 'modified' | 'deleted' | 'moved'; to?: string; modified?: boolean }>;
  conflicts: string[];
  /** Answers still `<set-me:NAME>` in the files (placeholder questions nobody answered). */
  placeholders: Array<PlaceholderHit & { policy: string }>;
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
      placeholders: [],
      changelog: latest ? await catalog.changelogs(locked.name, locked.version, latest, source) : [],
    };
    for (const [path, file] of Object.entries(locked.files)) {
      const full = posix.join(root, path);
      const bytes = await readTarget(ctx.fs, root, path, { what: `the files of ${locked.name} in .platform.yaml` });
      if (!bytes) {
        // The template's version may still be waiting beside a file the team deleted.
        if (await statOrUndefined(ctx.fs, `${full}${SIDE_SUFFIX}`)) status.conflicts.push(path);
        status.drifted.push({ path, policy: file.policy, state: 'deleted' });
        continue;
      }
      // A secret file is never hashed: it is yours, and its content is never compared or shown.
      const hash = recordedHash(file);
      if (hash !== undefined && sha256(bytes) !== hash) status.drifted.push({ path, policy: file.policy, state: 'modified' });
      // A secret file is never read into a report; any other text file may hold a placeholder.
      if (file.policy !== 'secret' && isText(bytes)) status.placeholders.push(...findPlaceholders(path, decoder.decode(bytes)).map((hit) => ({ ...hit, policy: file.policy })));
      // Markers count only in a file that changed since it was written (a template may show some).
      const changed = hash === undefined || sha256(bytes) !== hash;
      if ((changed && isText(bytes) && hasConflictMarkers(decoder.decode(bytes))) || (await statOrUndefined(ctx.fs, `${full}.rej`)) || (await statOrUndefined(ctx.fs, `${full}${SIDE_SUFFIX}`))) {
        status.conflicts.push(path);
      }
    }
    // Deleted, or moved? git's rename detection says where the team moved a file.
    const missing = status.drifted.filter((d) => d.state === 'deleted').map((d) => d.path);
    const moved = missing.length > 0 ? await repositoryGit(ctx).moved(root, missing) : new Map<string, string>();
    for (const drift of status.drifted) {
      const to = moved.get(drift.path);
      if (to === undefined) continue;
      const bytes = await readTarget(ctx.fs, root, to, { what: `git's rename of ${drift.path}` }).catch(() => undefined);
      if (!bytes) continue;
      const hash = recordedHash(locked.files[drift.path]!);
      Object.assign(drift, { state: 'moved', to, modified: hash !== undefined && sha256(bytes) !== hash });
      if ((isText(bytes) && hasConflictMarkers(decoder.decode(bytes))) || (await statOrUndefined(ctx.fs, posix.join(root, `${to}${SIDE_SUFFIX}`)))) status.conflicts.push(to);
    }
    components.push(status);
  }

  // Conflicts recorded in git's index (an upgrade's, or a merge's) that nobody resolved yet.
  const unmerged = await repositoryGit(ctx).unmerged(root);
  // An owned file moved as it was is not drift: its content is the platform's.
  const ownedDrift = components.flatMap((c) => c.drifted.filter((d) => d.policy === 'owned' && !(d.state === 'moved' && !d.modified)).map((d) => `${c.name}: ${d.path}`));
  const placeholders = components.flatMap((c) => c.placeholders);
  const failing = components.some((c) => c.behind) || ownedDrift.length > 0 || components.some((c) => c.conflicts.length > 0) || unmerged.length > 0 || placeholders.length > 0;
  reporter.set({ root, components, unmerged, check: options.check ? { passed: !failing, ownedDrift, placeholders: placeholders.map((p) => `${p.path}:${p.line}: ${p.name}`) } : undefined });

  const c = reporter.color;
  reporter.line(`${relative(ctx.cwd, root) || '.'}: ${components.length} component(s)`);
  for (const s of components) {
    const state = s.latest === undefined ? c.yellow('not in its catalog') : s.behind ? c.yellow(`${s.latest} available`) : c.green('up to date');
    reporter.line(`${c.bold(s.name.padEnd(14))} ${s.version.padEnd(8)} ${state}`);
    for (const entry of s.changelog) reporter.line(c.dim(entry.text.split('\n').map((l) => `  │ ${l}`).join('\n')));
    for (const d of s.drifted) {
      const tag = d.policy === 'owned' ? c.red('owned, drifted') : d.policy === 'once' ? c.dim('once: yours') : 'local edits';
      reporter.line(`  ${d.state.padEnd(9)}${d.path}${d.to !== undefined ? ` → ${d.to}${d.modified ? ', modified' : ''}` : ''} (${tag})`);
    }
    for (const path of s.conflicts) reporter.line(`  ${c.red('conflict')} ${path}: unresolved markers, .rej or .platform-new`);
    // Every file:line with --check (what CI fixes); one line a component otherwise, so drift and
    // conflicts stay in view (a created service has 40 places, all named again below).
    if (options.check) for (const p of s.placeholders) reporter.line(`  ${c.yellow('placeholder')} ${p.path}:${p.line}: ${p.name} is not set`);
    else if (s.placeholders.length > 0) {
      const files = new Set(s.placeholders.map((p) => p.path)).size;
      const names = [...new Set(s.placeholders.map((p) => p.name))].join(', ');
      reporter.line(`  ${c.yellow('placeholders')} ${s.placeholders.length} in ${files} file${files === 1 ? '' : 's'}: ${names}`);
    }
  }
  if (placeholders.length > 0) {
    reporter.line(c.yellow(`Answers still placeholders (<set-me:NAME> in the files; deploys fail until they are set):`));
    for (const [name, where] of groupPlaceholders(placeholders)) {
      const once = placeholders.filter((p) => p.name === name && p.policy === 'once').map((p) => p.path);
      const edit = once.length > 0 ? `; edit ${[...new Set(once)].join(', ')} yourself (written once, upgrades leave it to you)` : '';
      reporter.line(`  ${name} (${where.length} place${where.length === 1 ? '' : 's'}): platform upgrade --set ${name}=VALUE${edit}`);
    }
    if (!options.check) reporter.line(c.dim('  platform status --check lists each file:line.'));
  }
  for (const path of unmerged) reporter.line(`  ${c.red('unmerged')} ${path}: resolve it, then git add it`);
  if (options.check && failing) {
    reporter.line(c.red('check failed: a component is behind, an owned file drifted, a conflict is unresolved (markers, .rej, .platform-new, or unmerged in git), or an answer is still a placeholder.'));
    return ExitCode.checkFailed;
  }
  return ExitCode.ok;
}
