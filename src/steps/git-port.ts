import type { ConflictStages } from '../plan/plan.js';
import type { StepResult } from './git.js';
import type { StageOutcome } from './git-index.js';

/**
 * Every git operation a command makes on the repository, behind one seam: the CLI spawns git
 * (through runGit, hooks and drivers off); in-process tests hand in their own.
 */
export interface GitPort {
  /** Which of these paths (relative to root) have uncommitted changes; [] outside git. */
  uncommitted(root: string, paths: string[]): Promise<string[]>;
  /** Records conflicted files as unmerged in the index (stages 1, 2, 3); nothing outside git. */
  recordUnmerged(root: string, conflicts: Array<{ path: string; executable: boolean; stages: ConflictStages }>): Promise<boolean>;
  /** git add of files the command created (paths relative to root); 'not-a-repository' outside git. */
  stage(root: string, paths: string[]): Promise<StageOutcome>;
  /** Paths (relative to root) with unmerged entries in the index; [] outside git. */
  unmerged(root: string): Promise<string[]>;
  /** Recorded paths gone from disk -> where git's rename detection sees the team moved them. */
  moved(root: string, missing: string[]): Promise<Map<string, string>>;
  /** True when dir is inside an existing git work tree. */
  insideRepository(dir: string): Promise<boolean>;
  /** No repository around dir, or one at dir with no commit yet: create's first commit is still to make. */
  firstCommitPending(dir: string): Promise<boolean>;
  /** git init and a first commit of everything but `exclude`. */
  initRepository(dir: string, message: string, exclude: readonly string[]): Promise<StepResult>;
  /** The `remote.origin.url` of the repository dir is in (undefined outside git or without one); optional in tests. */
  originUrl?(dir: string): Promise<string | undefined>;
}

/** The real git, each part loaded on first use (a create with only new files and --no-git spawns nothing). */
export const spawnedGit: GitPort = {
  uncommitted: async (root, paths) => (await import('./git-index.js')).uncommittedPaths(root, paths),
  recordUnmerged: async (root, conflicts) => (await import('./git-index.js')).recordUnmerged(root, conflicts),
  stage: async (root, paths) => (await import('./git-index.js')).stagePaths(root, paths),
  unmerged: async (root) => (await import('./git-index.js')).unmergedPaths(root),
  moved: async (root, missing) => (await import('./git-index.js')).movedPaths(root, missing),
  insideRepository: async (dir) => (await import('./git.js')).insideGitRepo(dir),
  firstCommitPending: async (dir) => (await import('./git.js')).firstCommitPending(dir),
  initRepository: async (dir, message, exclude) => (await import('./git.js')).initRepository(dir, message, exclude),
  originUrl: async (dir) => (await import('./git.js')).originUrl(dir),
};
