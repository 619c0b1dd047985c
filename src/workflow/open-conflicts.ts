import { posix } from 'node:path';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { checkedTarget, readTarget } from '../core/target.js';
import { recordedHash, sha256, type Lockfile } from '../lock/lockfile.js';
import { isText } from '../merge/conflict.js';
import { SIDE_SUFFIX } from '../plan/decide.js';
import type { GitPort } from '../steps/git-port.js';
import type { DiskFile } from '../plan/plan.js';

/** A conflict an upgrade left that nobody finished yet. */
export interface OpenConflict {
  path: string;
  /** markers: `<<<<<<<` lines in the file; rej / side-file: PATH.rej or PATH.platform-new beside it; unmerged: stages in git's index. */
  kind: 'markers' | 'rej' | 'side-file' | 'unmerged';
}

const decoder = new TextDecoder();

/**
 * A conflict left in a file: a `<<<<<<< ` line, then a `>>>>>>> ` line after it. Two linear scans:
 * one lazy regex over both would be quadratic on a file of many opening lines and no closing one.
 */
export function hasConflictMarkers(text: string): boolean {
  const open = /^<<<<<<< /m.exec(text);
  return open !== null && /^>>>>>>> /m.test(text.slice(open.index));
}

/** `<<<<<<< ` as bytes: a file without it holds no marker, so it is neither decoded nor hashed. */
const OPENING = Buffer.from('<<<<<<< ');

/**
 * hasConflictMarkers of the file's text, looking at the bytes first: the decoder never makes
 * ASCII out of other bytes, so text without `<<<<<<< ` in its bytes has none in its text either.
 */
export function holdsConflictMarkers(bytes: Uint8Array): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(OPENING) && hasConflictMarkers(decoder.decode(bytes));
}

/**
 * Every open conflict in the files the lockfile lists (read through the checked door) and in
 * git's index under root. An upgrade over them would bury them; status --check fails on them.
 * `read`, when given, receives each recorded file as read (the upgrade plans from them: the
 * files are not read twice).
 */
export async function openConflicts(fs: Fs, git: GitPort, root: string, lock: Lockfile, read?: Map<string, DiskFile | undefined>): Promise<OpenConflict[]> {
  const found: OpenConflict[] = [];
  const recorded = [...new Set(lock.templates.flatMap((t) => Object.keys(t.files)))].sort();
  // A file exactly as the template wrote it holds no conflict, whatever lines it has.
  const written = new Map(lock.templates.flatMap((t) => Object.entries(t.files).map(([path, file]) => [path, recordedHash(file)] as const)));
  // Files the team moved carry their conflicts to where they are now.
  const present = new Map<string, Uint8Array | undefined>();
  for (const path of recorded) {
    // readTarget's checks, keeping the executable bit for the plan.
    const target = await checkedTarget(fs, root, path, { what: 'the files of .platform.yaml' });
    const file = target.stat ? { bytes: await fs.readFile(target.full), executable: (target.stat.mode & 0o111) !== 0 } : undefined;
    read?.set(path, file);
    present.set(path, file?.bytes);
  }
  const missing = recorded.filter((path) => !present.get(path));
  const moved = missing.length > 0 ? await git.moved(root, missing) : new Map<string, string>();
  for (const to of moved.values()) if (!present.has(to)) present.set(to, await readTarget(fs, root, to, { what: "git's rename detection" }).catch(() => undefined));
  for (const [path, bytes] of present) {
    if (bytes && isText(bytes) && holdsConflictMarkers(bytes) && sha256(bytes) !== written.get(path)) found.push({ path, kind: 'markers' });
    if (await statOrUndefined(fs, posix.join(root, `${path}.rej`))) found.push({ path: `${path}.rej`, kind: 'rej' });
    if (await statOrUndefined(fs, posix.join(root, `${path}${SIDE_SUFFIX}`))) found.push({ path: `${path}${SIDE_SUFFIX}`, kind: 'side-file' });
  }
  for (const path of await git.unmerged(root)) {
    if (!found.some((c) => c.path === path)) found.push({ path, kind: 'unmerged' });
  }
  return found;
}

/** One line per open conflict, saying what finishes it. */
export function describeOpenConflict(conflict: OpenConflict): string {
  switch (conflict.kind) {
    case 'markers':
      return `${conflict.path}: conflict markers (<<<<<<<) — edit them out, then git add ${shellQuote(conflict.path)}`;
    case 'rej':
      return `${conflict.path}: what the template could not place — apply it by hand or drop it, then rm ${shellQuote(conflict.path)}`;
    case 'side-file': {
      const file = conflict.path.slice(0, -SIDE_SUFFIX.length);
      return `${conflict.path}: the template's version of ${file} — take it (mv ${shellQuote(conflict.path)} ${shellQuote(file)}) or keep yours (rm ${shellQuote(conflict.path)})`;
    }
    case 'unmerged':
      return `${conflict.path}: unmerged in git's index — resolve it, then git add ${shellQuote(conflict.path)}`;
  }
}

/** A path as a shell argument: bare when plainly safe, else single-quoted. */
export function shellQuote(path: string): string {
  if (path.startsWith('-')) return shellQuote(`./${path}`);
  return /^[\w./@+:,=-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`;
}
