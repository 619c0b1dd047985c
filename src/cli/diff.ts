import { ExitCode, UsageError, didYouMean } from '../core/errors.js';
import { readTarget } from '../core/target.js';
import { sha256 } from '../lock/lockfile.js';
import type { Reporter } from '../ui/report.js';
import { unifiedDiff } from '../ui/diff.js';
import { checkStaging, cliOf, openCatalog, type CliContext } from './context.js';
import { findProjectRoot, readLockfile, renderRecordedVersion } from './project.js';
import { componentSource } from '../catalog/lookup.js';

/** platform diff [COMPONENT]: what the repository changed relative to what the template wrote. */
export async function runDiff(component: string | undefined, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const root = await findProjectRoot(ctx);
  await checkStaging(ctx, root);
  const lock = await readLockfile(ctx, root);
  // The repository's catalog settings: relative folders, a branded CLI's copy, a moved catalog.
  const { catalog } = await openCatalog(ctx, undefined, root);
  const chosen = component === undefined ? lock.templates : lock.templates.filter((t) => t.name === component);
  if (component !== undefined && chosen.length === 0) {
    throw new UsageError('component-unknown', `This repository has no component "${component}".${didYouMean(component, lock.templates.map((t) => t.name))}`, {
      hint: `Its components: ${lock.templates.map((t) => t.name).join(', ') || 'none'}.`,
    });
  }
  const changed: Array<{ component: string; path: string; state: string }> = [];
  for (const locked of chosen) {
    const found = await componentSource(catalog, locked, false, ctx.env);
    if (found.note) reporter.warn(found.note);
    const written = await renderRecordedVersion(catalog, { ...locked, source: found.source }, root, lock.cli ?? cliOf(ctx));
    for (const [path, file] of written) {
      if (file.policy === 'secret' || locked.files[path]?.policy === 'secret') {
        reporter.line(`${path}: secret file, not shown`);
        continue;
      }
      const disk = await readTarget(ctx.fs, root, path, { what: `${locked.name}@${locked.version} rendered again` });
      if (disk && sha256(disk) === sha256(file.bytes)) continue;
      changed.push({ component: locked.name, path, state: disk ? 'modified' : 'deleted' });
      reporter.line(unifiedDiff(path, file.bytes, disk, reporter.color, { before: `${locked.name}@${locked.version}`, after: 'local' }));
    }
  }
  reporter.set({ root, changed });
  if (changed.length === 0) reporter.line('No local changes to the files the templates wrote.');
  return ExitCode.ok;
}
