import { posix } from 'node:path';
import type { Fs } from '../core/fs.js';
import type { GitPort } from '../steps/git-port.js';
import type { CliContext } from '../cli/context.js';
import { spawnedGit } from '../steps/git-port.js';

/**
 * Whether git could find a repository for `dir`, decided from the file system alone and only
 * when the answer is certainly no: git looks, from the folder up, for an entry named `.git` (a
 * folder, a worktree's `gitdir:` file, a link) or a folder that is itself a repository (HEAD
 * beside objects/ and refs/, which safe.bareRepository=explicit then refuses with an error). The
 * CLI's git never sees GIT_DIR, GIT_WORK_TREE or GIT_CEILING_DIRECTORIES (runGit drops them), so
 * nothing else can point it elsewhere. Git walks the physical path: a link among the folders,
 * a folder named `.git`, a HEAD, or any error other than "no such entry" answers "maybe", and
 * then git itself is asked, as before.
 */
export async function mayHoldRepository(fs: Fs, dir: string): Promise<boolean> {
  for (let at = posix.resolve(dir); ; at = posix.dirname(at)) {
    if (posix.basename(at) === '.git') return true;
    if (at !== '/' && (await entry(fs, at)) !== 'directory') return true;
    if ((await entry(fs, posix.join(at, '.git'))) !== 'none') return true;
    if ((await entry(fs, posix.join(at, 'HEAD'))) !== 'none') return true;
    if (at === posix.dirname(at)) return false;
  }
}

async function entry(fs: Fs, path: string): Promise<'none' | 'directory' | 'other'> {
  try {
    const stat = await fs.lstat(path);
    return stat.isDirectory() ? 'directory' : 'other';
  } catch (error) {
    const code = (error as { code?: string }).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? 'none' : 'other';
  }
}

/**
 * The git a command's pipeline uses on the repository: the context's own (tests), or the real
 * one, which outside any repository answers what git would answer there ("not a repository":
 * nothing uncommitted, nothing unmerged, nothing moved, nothing to stage) without starting git
 * at all — before, an upgrade spawned git three times to learn that.
 */
export function repositoryGit(ctx: Pick<CliContext, 'fs' | 'git'>): GitPort {
  return ctx.git ?? withoutRepositoryShortcut(ctx.fs, spawnedGit);
}

/** `inner`, except that calls about a repository around a folder git cannot find one for are answered here. */
export function withoutRepositoryShortcut(fs: Fs, inner: GitPort): GitPort {
  const repository = (root: string): Promise<boolean> => mayHoldRepository(fs, root);
  return {
    ...inner,
    uncommitted: async (root, paths) => ((await repository(root)) ? inner.uncommitted(root, paths) : []),
    recordUnmerged: async (root, conflicts) => ((await repository(root)) ? inner.recordUnmerged(root, conflicts) : false),
    stage: async (root, paths) => (paths.length === 0 || (await repository(root)) ? inner.stage(root, paths) : 'not-a-repository'),
    unmerged: async (root) => ((await repository(root)) ? inner.unmerged(root) : []),
    moved: async (root, missing) => ((await repository(root)) ? inner.moved(root, missing) : new Map()),
  };
}
