import { runGit } from '../core/git-process.js';

export type StepResult =
  | { name: string; status: 'done'; detail?: string }
  | { name: string; status: 'skipped'; detail: string }
  | { name: string; status: 'failed'; detail: string; output?: string };

/** True when dir is inside an existing git work tree (so we must not init another). */
export async function insideGitRepo(dir: string): Promise<boolean> {
  const result = await runGit(['rev-parse', '--is-inside-work-tree'], { cwd: dir });
  return result.exitCode === 0 && result.stdout.trim() === 'true';
}

/**
 * git init + a first commit of everything written but `exclude` (secret files: never committed by
 * the CLI). No hook, filter or driver runs (see runGit).
 */
export async function initRepository(dir: string, message: string, exclude: readonly string[] = []): Promise<StepResult> {
  const git = (args: string[]) => runGit(args, { cwd: dir });
  const init = await git(['init', '--quiet']);
  if (init.exitCode !== 0) return { name: 'git', status: 'failed', detail: 'git init failed', output: String(init.stderr) };
  const add = await git(['add', '--all', '--', '.', ...exclude.map((path) => `:(exclude,literal)${path}`)]);
  if (add.exitCode !== 0) return { name: 'git', status: 'failed', detail: 'git add failed', output: String(add.stderr) };
  const identity = await git(['config', 'user.email']);
  if (identity.exitCode !== 0 || String(identity.stdout).trim() === '') {
    return {
      name: 'git',
      status: 'done',
      detail: 'repository initialised and files staged; no commit because git has no user.email (git config --global user.email you@example.com, then git commit)',
    };
  }
  const commit = await git(['commit', '--quiet', '--no-verify', '--message', message]);
  if (commit.exitCode !== 0) return { name: 'git', status: 'failed', detail: 'git commit failed', output: String(commit.stderr) };
  return { name: 'git', status: 'done', detail: 'repository initialised with a first commit' };
}

/**
 * Whether create's first commit is still to be made in dir: no repository around it at all, or
 * one at dir itself without a commit (a run killed between init and commit, or no user.email).
 * False inside another repository (a monorepo): create never commits there.
 */
export async function firstCommitPending(dir: string): Promise<boolean> {
  const top = await runGit(['rev-parse', '--show-toplevel'], { cwd: dir });
  if (top.exitCode !== 0) return true;
  const prefix = await runGit(['rev-parse', '--show-prefix'], { cwd: dir });
  if (prefix.exitCode !== 0 || prefix.stdout.trim() !== '') return false;
  const head = await runGit(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd: dir });
  return head.exitCode !== 0;
}

/**
 * The `remote.origin.url` of the repository dir is in, or undefined (no repository, no remote,
 * git missing). Read only: the value is hostile input for its reader (answers/remote.ts).
 */
export async function originUrl(dir: string): Promise<string | undefined> {
  try {
    const result = await runGit(['config', '--get', 'remote.origin.url'], { cwd: dir });
    return result.exitCode === 0 ? result.stdout.trim() : undefined;
  } catch {
    return undefined;
  }
}
