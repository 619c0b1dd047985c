import { posix } from 'node:path';
import { UnsafeError, UsageError, formatLocation, type Location } from './errors.js';
import { type FileStat, type Fs, statOrUndefined } from './fs.js';
import { LOCKFILE_NAME, unsafePathReason } from '../render/paths.js';

/**
 * The one door from "a relative path read from somewhere" (rendered, lockfile, journal, rename)
 * to a file in the repository. Everything in a repository may be hostile, so every reader and
 * writer goes through here: the path must be safe as a string, no folder on the way may be a
 * symbolic link, and the target must be a regular file or nothing.
 */

/** Where a path came from, for messages: "the lockfile", "template.yaml renames", with a line if known. */
export interface PathOrigin {
  what: string;
  where?: Location;
}

export interface TargetOptions {
  /** The path may be the lockfile itself (only the CLI's own reads and writes of it). */
  lockfile?: boolean;
  /** readTarget: refuse a file larger than this (the lockfile: MAX_INPUT_BYTES.lockfile). */
  maxBytes?: number;
  /**
   * Folders (full paths) already looked at in this pass, real or missing: not looked at again.
   * Only for an early pass that a check right before each write repeats in full.
   */
  seenFolders?: Map<string, 'real' | 'missing'>;
}

export interface CheckedTarget {
  path: string;
  full: string;
  /** undefined when nothing is there; otherwise a regular file. */
  stat: FileStat | undefined;
}

const HINT = 'Nothing was read or written. The CLI never follows links or leaves the repository: look at that path (someone may have planted it), fix or remove it, then run the command again.';

function describe(origin: PathOrigin): string {
  return origin.where ? `${origin.what} (${formatLocation(origin.where)})` : origin.what;
}

/** The string checks alone: inside the root, not .git/ in any disguise, not the CLI's own files. */
export function assertSafeRelative(path: string, origin: PathOrigin, options: TargetOptions = {}): void {
  if (options.lockfile && path === LOCKFILE_NAME) return;
  const reason = unsafePathReason(path);
  if (reason) {
    throw new UnsafeError('unsafe-path', `Refusing the path ${JSON.stringify(path)} from ${describe(origin)}: ${reason}.`, {
      hint: HINT,
      ...(origin.where ? { where: origin.where } : {}),
    });
  }
}

/**
 * Checks each folder between root and path without following links, immediately before it is
 * used: a folder swapped for a link since the last look must not be read or written through.
 * Returns false when a folder on the way is missing or not a folder (so the target cannot exist).
 */
export async function assertNoLinkedParent(fs: Fs, root: string, path: string, origin: PathOrigin, seenFolders?: Map<string, 'real' | 'missing'>): Promise<boolean> {
  const segments = path.split('/').slice(0, -1);
  let current = root;
  for (const segment of segments) {
    current = posix.join(current, segment);
    const seen = seenFolders?.get(current);
    if (seen === 'real') continue;
    if (seen === 'missing') return false;
    const stat = await statOrUndefined(fs, current);
    if (!stat) {
      seenFolders?.set(current, 'missing');
      return false;
    }
    if (stat.isSymbolicLink()) {
      throw new UnsafeError('target-symlink', `Refusing ${path} from ${describe(origin)}: ${posix.relative(root, current)} is a symbolic link.`, {
        hint: 'The CLI never reads or writes through links, which could point outside the repository. Replace the link with a real folder.',
      });
    }
    if (!stat.isDirectory()) return false;
    seenFolders?.set(current, 'real');
  }
  return true;
}

/** The full check: string, parents, and the target itself a regular file or nothing. */
export async function checkedTarget(fs: Fs, root: string, path: string, origin: PathOrigin, options: TargetOptions = {}): Promise<CheckedTarget> {
  assertSafeRelative(path, origin, options);
  const full = posix.join(root, path);
  if (!(await assertNoLinkedParent(fs, root, path, origin, options.seenFolders))) return { path, full, stat: undefined };
  const stat = await statOrUndefined(fs, full);
  if (stat && !stat.isFile()) {
    if (stat.isSymbolicLink()) {
      throw new UnsafeError('target-symlink', `Refusing ${path} from ${describe(origin)}: it is a symbolic link.`, {
        hint: 'The CLI never reads or writes through links, which could point outside the repository. Replace the link with the file itself.',
      });
    }
    throw new UnsafeError('path-in-the-way', `Refusing ${path} from ${describe(origin)}: ${kindOf(stat)} of that name is in the way, not a regular file.`, {
      hint: 'Move or rename it, then run the command again. Nothing was written.',
    });
  }
  return { path, full, stat };
}

/** The bytes of a checked target, or undefined when nothing is there. */
export async function readTarget(fs: Fs, root: string, path: string, origin: PathOrigin, options: TargetOptions = {}): Promise<Uint8Array | undefined> {
  const target = await checkedTarget(fs, root, path, origin, options);
  if (!target.stat) return undefined;
  const max = options.maxBytes;
  if (max !== undefined && target.stat.size > max) throw tooLarge(path, origin, target.stat.size, max);
  const bytes = await fs.readFile(target.full);
  // It may have grown since the check.
  if (max !== undefined && bytes.length > max) throw tooLarge(path, origin, bytes.length, max);
  return bytes;
}

function tooLarge(path: string, origin: PathOrigin, size: number, max: number): UsageError {
  return new UsageError('input-too-large', `${path} in ${describe(origin)} is too large (${size} bytes; at most ${max} are read).`, {
    where: { file: path },
    hint: `Check that ${path} is the file you meant: the platform CLI never writes one that large. Restore it from git.`,
  });
}

/** A folder the CLI owns (its staging folder): must be a real folder, not a link to one. */
export async function assertRealFolder(fs: Fs, full: string, what: string): Promise<void> {
  const stat = await statOrUndefined(fs, full);
  if (stat?.isDirectory()) return;
  throw new UnsafeError('not-a-real-folder', `Refusing to use ${full} (${what}): it is ${stat ? kindOf(stat) : 'gone'}, not a real folder.`, {
    hint: `Inspect ${full} yourself (it may hold copies of your files), delete it, then run the command again.`,
  });
}

function kindOf(stat: FileStat): string {
  if (stat.isSymbolicLink()) return 'a symbolic link';
  if (stat.isDirectory()) return 'a folder';
  const type = stat.mode & 0o170000;
  if (type === 0o010000) return 'a FIFO (named pipe)';
  if (type === 0o020000 || type === 0o060000) return 'a device';
  if (type === 0o140000) return 'a socket';
  return 'something that is not a file';
}
