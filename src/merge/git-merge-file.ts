import { spawnSync } from 'node:child_process';
import type { MergeLabels, TextMerger } from './text.js';

/** Our diff3, only when git is not installed (it loads the diff library). */
const diff3Merge: TextMerger = async (...args) => (await import('./text.js')).diff3Merge(...args);

/** The three files git merge-file reads, when they already exist on disk (a merge driver's %A %O %B). */
export interface OnDisk {
  ours: { path: string; text: string };
  base: { path: string; text: string };
  theirs: { path: string; text: string };
}

/**
 * git merge-file is the reference for text merges: using it makes ours agree with git by
 * construction. Falls back to our diff3 when git is not installed. One spawn per merge and no
 * execa: `platform merge-file` runs once per file as a merge driver, so its start-up counts.
 * Given the files already on disk, git reads them there (no temporary copies) whenever the texts
 * asked for are exactly theirs.
 */
export async function gitTextMerger(onDisk?: OnDisk): Promise<TextMerger> {
  let missing = false;
  return async (base, ours, theirs, labels) => {
    if (missing) return await diff3Merge(base, ours, theirs, labels);
    if (onDisk && onDisk.base.text === base && onDisk.ours.text === ours && onDisk.theirs.text === theirs) {
      const result = gitMergeFile(onDisk.ours.path, onDisk.base.path, onDisk.theirs.path, labels);
      if (result) return result;
      missing = true;
      return await diff3Merge(base, ours, theirs, labels);
    }
    // Other texts (an upgrade's, or a side rewritten to the local line endings) are copied to a
    // temporary folder for git (loaded only then: a merge driver never needs node:os).
    const { withTemporaryFiles } = await import('./temporary-files.js');
    const result = withTemporaryFiles({ base, ours, theirs }, (paths) => gitMergeFile(paths.ours, paths.base, paths.theirs, labels));
    if (result) return result;
    missing = true;
    return await diff3Merge(base, ours, theirs, labels);
  };
}

/**
 * git merge-file -p; undefined when git is not installed. Never a shell; no hooks or pager apply
 * to merge-file. spawnSync: no pipes as streams and no event-loop turns for a child that lives
 * about a millisecond (3 ms of a merge driver's run went to execFile's machinery). The merges
 * that call it (merge-file, an upgrade's plan) run one file at a time anyway.
 */
function gitMergeFile(ours: string, base: string, theirs: string, labels: MergeLabels): { text: string; conflicts: number } | undefined {
  const args = ['-c', 'core.hooksPath=/dev/null', 'merge-file', '-p', '-L', labels.ours, '-L', labels.base, '-L', labels.theirs, '--', ours, base, theirs];
  const result = spawnSync('git', args, { encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined;
  // 0: clean; 1..127: that many conflicts; anything else (a signal, a negative status, output
  // beyond maxBuffer) is a failure.
  if (!result.error && result.status !== null && result.status <= 127) return { text: result.stdout, conflicts: result.status };
  throw new Error(`git merge-file failed: ${result.stderr?.trim() || result.error?.message || `killed by ${result.signal}`}`);
}
