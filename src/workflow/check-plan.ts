import type { Fs } from '../core/fs.js';
import { UnsafeError, UsageError } from '../core/errors.js';
import { checkedTarget, readTarget } from '../core/target.js';
import { unmetRequirements } from './requirements.js';
import { failedPresetChecks } from './preset-checks.js';
import type { PresetCheck } from '../template/preset.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { writes, type Plan } from '../plan/plan.js';

export interface CheckOptions {
  /** The command, for the message. */
  command: string;
  /** Merge into files with uncommitted changes anyway (--allow-dirty). */
  allowDirty: boolean;
  /** The preset's cross-component checks (the golden path's by default), and its name for messages. */
  presetChecks?: { name: string; checks: readonly PresetCheck[] };
  /** Which of these paths have uncommitted changes in root's git work tree ([] outside git). */
  uncommitted(root: string, paths: string[]): Promise<string[]>;
}

/**
 * Every check between planning and writing, the same for a dry run and a real run: no path
 * claimed by two components, every path written goes through the checked door (no link, no
 * FIFO, inside the root), what each component requires is there, and no file with unsaved work
 * is changed. (What an interrupted run
 * left is checked earlier, before anything is read: see prepareRoot.) Throws; writes nothing.
 */
export async function checkPlan(fs: Fs, plan: Plan, options: CheckOptions): Promise<void> {
  const claim = plan.claims[0];
  if (claim) {
    throw new UnsafeError('path-claimed-twice', `${claim.path} would be written by both ${claim.components[0]} and ${claim.components[1]}. Nothing was written.`, {
      hint: 'Leave one of the two components out (--set with<Component>=false) or change one at a time (platform upgrade COMPONENT); components must not share files.',
    });
  }
  const origin = { what: 'the files to write' };
  for (const op of plan.operations) {
    if (writes(op) && !plan.read.has(op.path)) await checkedTarget(fs, plan.root, op.path, origin);
  }
  await checkedTarget(fs, plan.root, LOCKFILE_NAME, origin, { lockfile: true });
  const inconsistent = options.presetChecks ? failedPresetChecks(options.presetChecks.checks, plan.lockfile, options.presetChecks.name) : [];
  if (inconsistent.length > 0) {
    throw new UsageError('answers-inconsistent', `The answers do not fit together (${options.presetChecks!.name}). Nothing was written.`, {
      problems: inconsistent,
      hint: 'Change one of the answers named (--set key=value), then run the command again.',
    });
  }
  const gaps = await unmetRequirements(plan, (path) => readTarget(fs, plan.root, path, { what: 'the files a template requires' }), options.command);
  if (gaps.length > 0) {
    throw new UsageError('requirements-missing', `${gaps.map((g) => g.component).join(', ')} ${gaps.length === 1 ? 'needs' : 'need'} what this repository does not have. Nothing was written.`, {
      problems: gaps.flatMap((g) => g.missing.map((m) => (gaps.length === 1 ? m : `${g.component}: ${m}`))),
      hint: 'Add what is missing (a component with `platform add`, a script in package.json), then run the command again; the files it writes would not work without it.',
    });
  }
  if (options.allowDirty) return;
  // Only files that exist are at risk: a create never overwrites anything.
  const changing = plan.operations.filter((op) => op.kind === 'update' || op.kind === 'merge' || op.kind === 'conflict' || op.kind === 'delete').map((op) => op.path);
  if (changing.length === 0) return;
  const dirty = await options.uncommitted(plan.root, changing);
  if (dirty.length > 0) {
    throw new UnsafeError('dirty-files', `The ${options.command} would change files with uncommitted changes: ${dirty.join(', ')}. Nothing was written.`, {
      hint: 'Commit or stash them first, or pass --allow-dirty to merge into them as they are.',
    });
  }
}
