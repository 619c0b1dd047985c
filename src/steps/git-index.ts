import { runGit } from '../core/git-process.js';
import { UnsafeError } from '../core/errors.js';
import type { ConflictStages } from '../plan/plan.js';

const git = (root: string, args: string[], input?: string | Uint8Array) => runGit(args, { cwd: root, ...(input !== undefined ? { input } : {}) });

/** The work tree's prefix inside its repository ("" at the top), or undefined outside git. */
export async function repositoryPrefix(root: string): Promise<string | undefined> {
  const result = await git(root, ['rev-parse', '--show-prefix']).catch(() => undefined);
  return result && result.exitCode === 0 ? result.stdout.trim() : undefined;
}

/**
 * Which of these paths (relative to root) have uncommitted changes; [] outside git (or without
 * git). Inside a repository the check fails closed: if git cannot say (a repository it refuses,
 * such as one owned by someone else), the upgrade stops rather than merge into unsaved work.
 */
export async function uncommittedPaths(root: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const probe = await git(root, ['rev-parse', '--show-prefix']).catch(() => undefined);
  if (!probe) return [];
  if (probe.exitCode !== 0) {
    if (/not a git repository/i.test(probe.stderr)) return [];
    throw dirtyCheckFailed(probe.stderr);
  }
  const prefix = probe.stdout.trim();
  const result = await git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=all', '--', ...paths.map((p) => `:(literal)${p}`)]);
  if (result.exitCode !== 0) throw dirtyCheckFailed(result.stderr);
  return result.stdout
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3))
    .map((path) => (path.startsWith(prefix) ? path.slice(prefix.length) : path));
}

function dirtyCheckFailed(stderr: string): UnsafeError {
  const detail = stderr.trim().split('\n').filter(Boolean).slice(-3).join(' ');
  return new UnsafeError('dirty-check-failed', `Could not tell whether the files the upgrade would change have uncommitted changes: git said "${detail}". Nothing was written.`, {
    hint: 'Fix what git reports (for a repository owned by another user: git config --global --add safe.directory PATH), or pass --allow-dirty to merge into the files as they are.',
  });
}

/**
 * Records conflicted files as unmerged in git's index (stages 1 base, 2 ours, 3 theirs), as a
 * merge would, so `git status` and merge tools list them. Nothing happens outside git.
 */
export async function recordUnmerged(root: string, conflicts: Array<{ path: string; executable: boolean; stages: ConflictStages }>): Promise<boolean> {
  const prefix = await repositoryPrefix(root);
  if (prefix === undefined || conflicts.length === 0) return false;
  const lines: string[] = [];
  for (const { path, executable, stages } of conflicts) {
    const full = prefix + path;
    const mode = executable ? '100755' : '100644';
    lines.push(`0 ${'0'.repeat(40)}\t${full}`);
    const entries: Array<[number, Uint8Array | undefined]> = [[1, stages.base], [2, stages.ours], [3, stages.theirs]];
    for (const [stage, bytes] of entries) {
      if (!bytes) continue;
      // The bytes are the stage itself: no clean filter of the repository's config may touch (or run on) them.
      const hashed = await git(root, ['hash-object', '-w', '--no-filters', '--stdin'], bytes);
      if (hashed.exitCode !== 0) return false;
      lines.push(`${mode} ${hashed.stdout.trim()} ${stage}\t${full}`);
    }
  }
  const update = await git(root, ['update-index', '--index-info'], `${lines.join('\n')}\n`);
  return update.exitCode === 0;
}
