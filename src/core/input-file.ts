import type { FileStat, Fs } from './fs.js';
import { isNotFound } from './fs.js';
import { UsageError } from './errors.js';
import { MAX_INPUT_BYTES, type InputKind } from './yaml-source.js';

/**
 * The one reader of input files named by the user or found in the repository (answers file, user
 * config, lockfile): a regular file, checked BEFORE it is opened (so a FIFO can never block the
 * CLI and /dev/zero is never read), and no larger than its kind's cap.
 */
export interface InputFileOptions {
  kind: InputKind;
  /** How messages name it: "Answers file", "Lockfile"... */
  what: string;
  /** How messages show the path (as the user typed it); defaults to path. */
  shown?: string;
  /**
   * Whether a symbolic link to a regular file is read. Yes for files the user names or owns
   * (--answers, the user config: dotfile managers link them); no for a file found in a
   * repository someone else wrote (its lockfile could point at /dev/zero or outside the repo).
   */
  followLinks: boolean;
  hint: string;
}

/** The file's bytes, or undefined when nothing is there. */
export async function readInputFile(fs: Fs, path: string, options: InputFileOptions): Promise<Uint8Array | undefined> {
  const shown = options.shown ?? path;
  let stat: FileStat;
  try {
    stat = options.followLinks ? await fs.stat(path) : await fs.lstat(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (isNotFound(error) || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP' || code === 'ENAMETOOLONG' || code === 'EACCES') {
      throw new UsageError('input-unreadable', `${options.what} ${shown} cannot be read (${code}).`, { where: { file: shown }, hint: options.hint });
    }
    throw error;
  }
  if (!stat.isFile()) {
    throw new UsageError('input-not-file', `${options.what} ${shown} is ${describe(stat)}, not a regular file.`, { where: { file: shown }, hint: options.hint });
  }
  const max = MAX_INPUT_BYTES[options.kind];
  if (stat.size > max) throw tooLarge(options.what, shown, stat.size, max);
  const bytes = await fs.readFile(path);
  // It may have grown since the check.
  if (bytes.length > max) throw tooLarge(options.what, shown, bytes.length, max);
  return bytes;
}

function describe(stat: FileStat): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isFIFO?.()) return 'a FIFO (named pipe)';
  if (stat.isSocket?.()) return 'a socket';
  if (stat.isCharacterDevice?.() || stat.isBlockDevice?.()) return 'a device';
  return 'of an unknown type';
}

function tooLarge(what: string, shown: string, size: number, max: number): UsageError {
  return new UsageError('input-too-large', `${what} ${shown} is too large (${size} bytes; at most ${max} are read).`, {
    where: { file: shown },
    hint: `Check that ${shown} is the file you meant; a ${what.toLowerCase()} is never that large.`,
  });
}
