import { runGit } from '../core/git-process.js';
import type { LintProblem } from './lint.js';

const git = (cwd: string, args: string[]) => runGit(args, { cwd });

/**
 * A version is released once it is tagged (vX.Y.Z, X.Y.Z or NAME-vX.Y.Z) in the template's git
 * repository; editing it after that would change what teams' lockfiles say they got. Outside
 * git, or with no such tag, there is nothing to compare with.
 */
export async function releasedVersionProblems(dir: string, name: string, version: string): Promise<LintProblem[]> {
  const inside = await git(dir, ['rev-parse', '--is-inside-work-tree']).catch(() => undefined);
  if (!inside || inside.exitCode !== 0) return [];
  for (const tag of [`${name}-v${version}`, `v${version}`, version]) {
    const exists = await git(dir, ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`]);
    if (exists.exitCode !== 0) continue;
    // Committed and uncommitted changes under this folder since the tag.
    const diff = await git(dir, ['diff', '--quiet', '--no-ext-diff', '--no-textconv', `refs/tags/${tag}`, '--', '.']);
    const untracked = await git(dir, ['ls-files', '--others', '--exclude-standard', '--', '.']);
    if (diff.exitCode === 1 || String(untracked.stdout).trim() !== '') {
      return [
        {
          severity: 'error',
          code: 'released-version-changed',
          message: `${name}@${version} was released (tag ${tag}) and its files have changed since: a released version is never edited; copy it to a new version folder and change that.`,
          file: 'template.yaml',
        },
      ];
    }
    return [];
  }
  return [];
}
