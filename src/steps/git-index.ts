import { execa } from 'execa';
import type { ConflictStages } from '../plan/plan.js';

const git = (root: string, args: string[], input?: string | Uint8Array) =>
  execa('git', args, { cwd: root, reject: false, encoding: 'buffer', ...(input !== undefined ? { input } : { stdin: 'ignore' }) });
const decoder = new TextDecoder();

/** The work tree's prefix inside its repository ("" at the top), or undefined outside git. */
export async function repositoryPrefix(root: string): Promise<string | undefined> {
  const result = await git(root, ['rev-parse', '--show-prefix']).catch(() => undefined);
  return result && result.exitCode === 0 ? decoder.decode(result.stdout as Uint8Array).trim() : undefined;
}

/** Which of these paths (relative to root) have uncommitted changes; [] outside git. */
export async function uncommittedPaths(root: string, paths: string[]): Promise<string[]> {
  if (paths.length === 0 || (await repositoryPrefix(root)) === undefined) return [];
  const result = await git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=no', '--', ...paths.map((p) => `:(literal)${p}`)]);
  if (result.exitCode !== 0) return [];
  const prefix = (await repositoryPrefix(root)) ?? '';
  return decoder
    .decode(result.stdout as Uint8Array)
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3))
    .map((path) => (path.startsWith(prefix) ? path.slice(prefix.length) : path));
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
      const hashed = await git(root, ['hash-object', '-w', '--stdin'], bytes);
      if (hashed.exitCode !== 0) return false;
      lines.push(`${mode} ${decoder.decode(hashed.stdout as Uint8Array).trim()} ${stage}\t${full}`);
    }
  }
  const update = await execa('git', ['update-index', '--index-info'], { cwd: root, reject: false, input: `${lines.join('\n')}\n` });
  return update.exitCode === 0;
}
