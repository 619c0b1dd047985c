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

/** How staging new files went: staged, nothing to do outside git, or git refused (the user adds them). */
export type StageOutcome = 'staged' | 'not-a-repository' | 'failed';

/**
 * `git add` of the files an upgrade or add created (paths relative to root), so `git commit -a`
 * cannot leave them out. Literal pathspecs; no filter runs (see runGit).
 */
export async function stagePaths(root: string, paths: string[]): Promise<StageOutcome> {
  if (paths.length === 0) return 'staged';
  if ((await repositoryPrefix(root)) === undefined) return 'not-a-repository';
  // Files the repository ignores stay unstaged (git add would refuse the whole call for one).
  const ignored = await git(root, ['check-ignore', '-z', '--no-index', '--', ...paths]);
  const skip = new Set(ignored.exitCode === 0 ? ignored.stdout.split('\0').filter(Boolean) : []);
  const wanted = paths.filter((p) => !skip.has(p));
  if (wanted.length === 0) return 'staged';
  const result = await git(root, ['add', '--', ...wanted.map((p) => `:(literal)${p}`)]);
  return result.exitCode === 0 ? 'staged' : 'failed';
}

/** Paths (relative to root, under it) with unmerged entries in git's index; [] outside git. */
export async function unmergedPaths(root: string): Promise<string[]> {
  if ((await repositoryPrefix(root)) === undefined) return [];
  const result = await git(root, ['ls-files', '--unmerged', '-z', '--', '.']);
  if (result.exitCode !== 0) return [];
  // Each entry: "MODE SHA STAGE\tPATH", one per stage; PATH is relative to root already.
  const paths = result.stdout.split('\0').filter((entry) => entry.includes('\t')).map((entry) => entry.slice(entry.indexOf('\t') + 1));
  return [...new Set(paths)].sort();
}

/**
 * Where the team moved files that are gone from their recorded path, as git's rename detection
 * sees it: for each path, from the last commit that still held it to the work tree
 * (`git diff --name-status -M`). Paths git sees no rename for are left out; {} outside git.
 */
export async function movedPaths(root: string, missing: string[]): Promise<Map<string, string>> {
  const moved = new Map<string, string>();
  const prefix = missing.length > 0 ? await repositoryPrefix(root) : undefined;
  if (prefix === undefined) return moved;
  const renamesFrom = new Map<string, Map<string, string>>();
  for (const path of missing) {
    const last = await git(root, ['log', '-1', '--format=%H', '--', `:(literal)${path}`]);
    const commit = last.exitCode === 0 ? last.stdout.trim() : '';
    if (!/^[0-9a-f]{40,64}$/.test(commit)) continue;
    // The last commit touching the path either still holds it (the move is not committed yet) or removed it.
    const held = await git(root, ['cat-file', '-e', `${commit}:${prefix}${path}`]);
    const from = held.exitCode === 0 ? commit : `${commit}^`;
    let renames = renamesFrom.get(from);
    if (!renames) {
      renames = await renamesSince(root, from);
      renamesFrom.set(from, renames);
    }
    const to = renames.get(path);
    if (to !== undefined) moved.set(path, to);
  }
  return moved;
}

/** old -> new of every rename between a commit and the work tree, under root (relative to it). */
async function renamesSince(root: string, from: string): Promise<Map<string, string>> {
  const renames = new Map<string, string>();
  const diff = await git(root, ['diff', '--name-status', '-z', '-M', '--relative', '--no-ext-diff', from, '--']);
  if (diff.exitCode !== 0) return renames;
  const fields = diff.stdout.split('\0');
  for (let i = 0; i < fields.length; ) {
    const status = fields[i] ?? '';
    if (status.startsWith('R') || status.startsWith('C')) {
      if (status.startsWith('R')) renames.set(fields[i + 1]!, fields[i + 2]!);
      i += 3;
    } else i += status === '' ? 1 : 2;
  }
  return renames;
}
