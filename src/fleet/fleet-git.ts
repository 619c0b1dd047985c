import { ExitCode, PlatformError } from '../core/errors.js';
import { runGit } from '../core/git-process.js';

/**
 * The git a fleet upgrade needs on each repository, behind one seam (tests may hand in their
 * own): all of it through runGit, so hooks, filters and drivers never run.
 */
export interface FleetGit {
  /** The work tree's top folder, or undefined outside git. */
  topLevel(dir: string): Promise<string | undefined>;
  /** `git switch -c branch`: a new branch from HEAD; an existing branch is an error. */
  switchNew(top: string, branch: string): Promise<void>;
  /** Back to the branch we started from, deleting the new one (nothing to propose). */
  abandon(top: string, branch: string, previous: string): Promise<void>;
  currentBranch(top: string): Promise<string>;
  /** Paths git's index holds as unmerged: an earlier upgrade's conflict nobody resolved yet. */
  unmerged(top: string): Promise<string[]>;
  /** Stages exactly these paths (relative to top; deletions too) and commits them. */
  commit(top: string, paths: string[], message: string): Promise<string>;
  /** A branch name git accepts (`git check-ref-format --branch`). */
  validBranch(name: string): Promise<boolean>;
}

async function git(args: string[], cwd: string, input?: string): Promise<string> {
  const result = await runGit(args, { cwd, ...(input !== undefined ? { input } : {}) });
  if (result.exitCode !== 0) {
    throw new PlatformError('git-failed', ExitCode.unexpected, `git ${args.find((a) => !a.startsWith('-'))} failed in ${cwd}: ${result.stderr.trim().split('\n').slice(-2).join(' ')}`, {
      hint: 'Fix that repository (a clean checkout with user.name and user.email set), then run the upgrade again.',
    });
  }
  return result.stdout;
}

export const spawnedFleetGit: FleetGit = {
  topLevel: async (dir) => {
    const result = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir }).catch(() => undefined);
    return result?.exitCode === 0 ? result.stdout.trim() : undefined;
  },
  switchNew: async (top, branch) => {
    await git(['switch', '--quiet', '--create', branch], top);
  },
  abandon: async (top, branch, previous) => {
    await git(['switch', '--quiet', previous], top);
    await git(['branch', '--quiet', '--delete', '--force', branch], top);
  },
  unmerged: async (top) => {
    const out = await git(['ls-files', '--unmerged', '-z'], top);
    return [...new Set(out.split('\0').filter((e) => e.includes('\t')).map((e) => e.slice(e.indexOf('\t') + 1)))];
  },
  currentBranch: async (top) => (await git(['rev-parse', '--abbrev-ref', 'HEAD'], top)).trim(),
  commit: async (top, paths, message) => {
    // Paths from NUL-separated stdin: never read as options, however they are named.
    await git(['--literal-pathspecs', 'add', '--all', '--pathspec-from-file=-', '--pathspec-file-nul'], top, paths.map((p) => `${p}\0`).join(''));
    await git(['commit', '--quiet', '--no-verify', '--file=-'], top, message);
    return (await git(['rev-parse', 'HEAD'], top)).trim();
  },
  validBranch: async (name) => {
    if (name.startsWith('-')) return false;
    const result = await runGit(['check-ref-format', '--branch', name]).catch(() => undefined);
    return result?.exitCode === 0;
  },
};
