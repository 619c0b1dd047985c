// Synchronous reads: one short-lived process per file (a merge driver), and node:fs is loaded
// with Node itself where node:fs/promises is not.
import { readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ExitCode, PlatformError, UsageError } from '../core/errors.js';
import { mergeFile } from '../merge/merge-file.js';
import { formatOf, type StructuredFormat } from '../merge/format.js';
import { lineMergeGiven, lineMergeLimit, parseLineMergeInput } from '../merge/line-merge-input.js';
import type { TextMerger } from '../merge/text.js';
import type { CliContext } from './context.js';

/** All merge-file takes from the outside world: it runs as a git merge driver, once per file. */
export type MergeFileContext = Pick<CliContext, 'cwd' | 'stdout' | 'stderr'> & {
  /** stdin's bytes, undefined past `limit` or when it cannot be read; default: file descriptor 0. */
  readStdin?: (limit: number) => Uint8Array | undefined;
};

export interface MergeFileOptions {
  format: 'auto' | StructuredFormat | 'text';
  stdout?: boolean;
  label: string[];
  /** The file's path in the repository (git's %P), when the files are temporary copies. */
  path?: string;
  markerSize?: string;
  /** `-`: git merge-file -p's output and exit status on stdin (the merge driver's shell line). */
  lineMerge?: string;
}

/**
 * platform merge-file CURRENT BASE OTHER: git merge-file's arguments, output and exit status
 * (the number of conflicts, at most 127), with YAML and JSON merged by structure.
 */
export async function runMergeFile(files: string[], options: MergeFileOptions, ctx: MergeFileContext): Promise<number> {
  try {
    return await mergeFiles(files, options, ctx);
  } catch (error) {
    // Like git merge-file: an error is a negative status, 255 for the shell.
    if (error instanceof PlatformError) throw new PlatformError(error.code, ExitCode.mergeFileError, error.message, { hint: error.hint ?? '' });
    throw new PlatformError('merge-file-failed', ExitCode.mergeFileError, `merge-file failed: ${(error as Error).message}`, {
      hint: 'Check that the three files are readable and CURRENT is writable; git merge-file CURRENT BASE OTHER gives the plain line merge.',
    });
  }
}

async function mergeFiles(files: string[], options: MergeFileOptions, ctx: MergeFileContext): Promise<number> {
  if (files.length !== 3) {
    throw new UsageError('merge-file-usage', `merge-file takes three files, CURRENT BASE OTHER (got ${files.length}).`, {
      hint: 'platform merge-file [-p] [-L current -L base -L other] CURRENT BASE OTHER',
    });
  }
  if (options.label.length > 3) {
    throw new UsageError('merge-file-usage', 'At most three -L labels: current, base and other.', { hint: 'Give -L once for each of CURRENT, BASE and OTHER, in that order.' });
  }
  if (options.markerSize !== undefined && options.markerSize !== '7') {
    throw new UsageError('merge-file-usage', `--marker-size ${options.markerSize} is not supported; conflict markers are 7 characters.`, {
      hint: 'Leave conflict-marker-size at its default (7) for the files this driver merges.',
    });
  }
  if (options.lineMerge !== undefined && options.lineMerge !== '-') {
    throw new UsageError('merge-file-usage', `--line-merge ${options.lineMerge}: only - (stdin) is supported.`, {
      hint: 'Pipe git merge-file -p CURRENT BASE OTHER and then its exit status on a line of its own into --line-merge -, or leave the option out.',
    });
  }
  const [current, base, other] = files.map((f) => resolve(ctx.cwd, f)) as [string, string, string];
  // Regular files only: a FIFO or a device would block the read (and a merge driver) forever.
  const special = [current, base, other].filter((f) => statSync(f, { throwIfNoEntry: false })?.isFile() === false);
  if (special.length > 0) {
    throw new UsageError('merge-file-not-a-file', `${special.join(', ')}: not a regular file.`, { hint: 'Give three regular files: CURRENT BASE OTHER.' });
  }
  const read = (f: string): Uint8Array | undefined => {
    try {
      return readFileSync(f);
    } catch {
      return undefined;
    }
  };
  const [ours, ancestor, theirs] = [current, base, other].map(read);
  const missing = [current, base, other].filter((_, i) => [ours, ancestor, theirs][i] === undefined);
  if (missing.length > 0) {
    throw new UsageError('merge-file-missing', `Cannot read ${missing.join(', ')}.`, { hint: 'Give three existing files: CURRENT BASE OTHER.' });
  }
  const labels = {
    ours: options.label[0] ?? files[0]!,
    base: options.label[1] ?? files[1]!,
    theirs: options.label[2] ?? files[2]!,
  };
  const name = options.path ?? basename(current);
  const format = options.format === 'auto' ? (formatOf(name) ?? 'text') : options.format;
  if (!['yaml', 'json', 'text'].includes(format)) {
    throw new UsageError('merge-file-format', `--format ${options.format}: expected auto, yaml, json or text.`, {
      hint: 'auto (the default) decides from the file name, or from --path.',
    });
  }
  // As mergeFile reads them (a byte order mark kept), so git reads these very files.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  const onDisk = {
    ours: { path: current, text: decoder.decode(ours!) },
    base: { path: base, text: decoder.decode(ancestor!) },
    theirs: { path: other, text: decoder.decode(theirs!) },
  };
  const gitMerger = async () => (await import('../merge/git-merge-file.js')).gitTextMerger(onDisk);
  let textMerger: TextMerger;
  if (options.lineMerge === undefined) textMerger = await gitMerger();
  else {
    const limit = lineMergeLimit({ base: ancestor!, ours: ours!, theirs: theirs! }, labels);
    const bytes = (ctx.readStdin ?? readStdin)(limit);
    const given = bytes ? parseLineMergeInput(bytes) : { unusable: `it could not be read, or is larger than ${limit} bytes` };
    const sides = { base: onDisk.base.text, ours: onDisk.ours.text, theirs: onDisk.theirs.text };
    textMerger = lineMergeGiven(given, sides, labels, async (unusable) => {
      if (unusable) ctx.stderr.write(`warning: ${name}: the line merge on stdin (--line-merge -) is unusable: ${unusable}; running git merge-file here instead\n`);
      return gitMerger();
    });
  }
  const result = await mergeFile({ path: name, base: ancestor!, ours: ours!, theirs: theirs!, labels, textMerger, format });
  if (result.warning) ctx.stderr.write(`warning: ${name}: ${result.warning}\n`);
  if (options.stdout) ctx.stdout.write(Buffer.from(result.bytes));
  else writeFileSync(current, result.bytes);
  return Math.min(result.conflicts, 127);
}

/** Up to `limit` bytes of file descriptor 0, read to its end; undefined past that or on an error (a non-blocking descriptor, none open). */
function readStdin(limit: number): Uint8Array | undefined {
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const chunk = new Uint8Array(64 * 1024);
      const n = readSync(0, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > limit) return undefined;
      chunks.push(chunk.subarray(0, n));
    }
  } catch {
    return undefined;
  }
  if (chunks.length === 1) return chunks[0];
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}
