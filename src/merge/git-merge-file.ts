import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '../core/git-process.js';
import { diff3Merger, type TextMerger } from './text.js';

/**
 * git merge-file is the reference for text merges: using it makes ours agree with git by
 * construction. Falls back to our diff3 when git is not installed.
 */
export async function gitTextMerger(): Promise<TextMerger> {
  const probe = await runGit(['--version']).catch(() => undefined);
  if (!probe || probe.exitCode !== 0) return diff3Merger;
  return async (base, ours, theirs, labels) => {
    const dir = await mkdtemp(join(tmpdir(), 'platform-merge-'));
    try {
      await Promise.all([
        writeFile(join(dir, 'base'), base),
        writeFile(join(dir, 'ours'), ours),
        writeFile(join(dir, 'theirs'), theirs),
      ]);
      const result = await runGit(
        ['merge-file', '-p', '-L', labels.ours, '-L', labels.base, '-L', labels.theirs, join(dir, 'ours'), join(dir, 'base'), join(dir, 'theirs')],
        { stripFinalNewline: false },
      );
      const code = result.exitCode;
      if (code < 0 || code > 127) throw new Error(`git merge-file failed: ${String(result.stderr)}`);
      return { text: String(result.stdout), conflicts: code };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
}
