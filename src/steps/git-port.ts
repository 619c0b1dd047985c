import type { ConflictStages } from '../plan/plan.js';
import type { StepResult } from './git.js';

/**
 * Every git operation a command makes on the repository, behind one seam: the CLI spawns git
 * (through runGit, hooks and drivers off); in-process tests hand in their own.
 */
export interface GitPort {
  /** Which of these paths (relative to root) have uncommitted changes; [] outside git. */
  uncommitted(root: string, paths: string[]): Promise<string[]>;
  /** Records conflicted files as unmerged in the index (stages 1, 2, 3); nothing outside git. */
  recordUnmerged(root: string, conflicts: Array<{ path: string; executable: boolean; stages: ConflictStages }>): Promise<boolean>;
  /** True when dir is inside an existing git work tree. */
  insideRepository(dir: string): Promise<boolean>;
  /** git init and a first commit of everything but `exclude`. */
  initRepository(dir: string, message: string, exclude: readonly string[]): Promise<StepResult>;
  /** The `remote.origin.url` of the repository dir is in (undefined outside git or without one); optional in tests. */
  originUrl?(dir: string): Promise<string | undefined>;
}

/** The real git, each part loaded on first use (a create with only new files and --no-git spawns nothing). */
export const spawnedGit: GitPort = {
  uncommitted: async (root, paths) => (await import('./git-index.js')).uncommittedPaths(root, paths),
  recordUnmerged: async (root, conflicts) => (await import('./git-index.js')).recordUnmerged(root, conflicts),
  insideRepository: async (dir) => (await import('./git.js')).insideGitRepo(dir),
  initRepository: async (dir, message, exclude) => (await import('./git.js')).initRepository(dir, message, exclude),
  originUrl: async (dir) => (await import('./git.js')).originUrl(dir),
};
