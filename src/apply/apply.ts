import { posix } from 'node:path';
import { type Fs, readFileOrUndefined, statOrUndefined } from '../core/fs.js';
import { PlatformError, ExitCode, UnsafeError } from '../core/errors.js';
import { asFsError } from '../core/fs-errors.js';
import { STAGING_DIR } from '../render/paths.js';

/** One file to put in place: new bytes for a path, or its removal. */
export type FileWrite =
  | { path: string; bytes: Uint8Array; executable: boolean }
  | { path: string; remove: true };

interface JournalEntry {
  path: string;
  /** Staged new content, under the staging folder; absent for a removal. */
  staged?: string;
  /** Where the previous file goes while the run is in flight, under the staging folder. */
  backup: string;
}

interface Journal {
  version: 1;
  pid: number;
  createdRoot: boolean;
  /** Folders this run creates, parents first. */
  createdDirs: string[];
  entries: JournalEntry[];
}

export interface ApplyOptions {
  /** This process, recorded in the journal so a later run can tell a crash from a live run. */
  pid: number;
}

const JOURNAL = 'journal.json';

/**
 * Writes files into root all or nothing. Every new file is first written in full to a staging
 * folder inside root (same file system, so renames are atomic), then a journal of the moves,
 * then each file is renamed into place with the previous one kept aside until the end. A
 * failure moves everything back; a run killed half way is moved back by the next run
 * (recoverInterrupted), which then does the whole job again. The caller lists the lockfile last.
 */
export async function applyWrites(fs: Fs, root: string, writes: FileWrite[], options: ApplyOptions): Promise<void> {
  const staging = posix.join(root, STAGING_DIR);
  if (await statOrUndefined(fs, staging)) {
    throw new UnsafeError('staging-exists', `${staging} exists: an earlier run was interrupted, or another is running.`, {
      hint: `Run the command again to roll the interrupted run back first; if that fails, look inside ${staging} (it holds copies of your files).`,
    });
  }
  const createdRoot = !(await statOrUndefined(fs, root));
  let journal: Journal | undefined;
  try {
    await fs.mkdir(staging, { recursive: true });
    // 1. Stage: nothing in the target changes yet; a full disk fails here.
    const entries: JournalEntry[] = [];
    for (const [index, write] of writes.entries()) {
      await assertNoSymlinkOnTheWay(fs, root, write.path);
      const entry: JournalEntry = { path: write.path, backup: `old-${index}` };
      if (!('remove' in write)) {
        entry.staged = `new-${index}`;
        const stagedPath = posix.join(staging, entry.staged);
        await fs.writeFile(stagedPath, write.bytes, { mode: write.executable ? 0o755 : 0o644 });
        // The umask may have taken the executable bit away.
        if (write.executable) await fs.chmod(stagedPath, 0o755);
      }
      entries.push(entry);
    }
    journal = { version: 1, pid: options.pid, createdRoot, createdDirs: await missingParents(fs, root, writes), entries };
    await fs.writeFile(posix.join(staging, `${JOURNAL}.tmp`), JSON.stringify(journal));
    await fs.rename(posix.join(staging, `${JOURNAL}.tmp`), posix.join(staging, JOURNAL));

    // 2. Commit: rename each file into place, keeping the previous one aside.
    for (const dir of journal.createdDirs) await fs.mkdir(posix.join(root, dir), { recursive: true });
    for (const entry of journal.entries) {
      const target = posix.join(root, entry.path);
      const existing = await statOrUndefined(fs, target);
      if (existing?.isDirectory()) {
        throw new UnsafeError('path-is-directory', `Cannot write ${entry.path}: a folder of that name is in the way.`, {
          hint: 'Move or rename the folder, then run the command again.',
        });
      }
      if (existing) await fs.rename(target, posix.join(staging, entry.backup));
      if (entry.staged) await fs.rename(posix.join(staging, entry.staged), target);
    }
  } catch (error) {
    if (journal) await rollBack(fs, root, staging, journal).catch(() => undefined);
    else await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    if (createdRoot) await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
    throw asWriteError(error);
  }
  // Done: the journal goes first, so a stop while cleaning up can never roll anything back.
  await fs.rm(posix.join(staging, JOURNAL), { force: true });
  await fs.rm(staging, { recursive: true, force: true });
}

/**
 * Before planning: if a run was interrupted here (its staging folder is left), put every file
 * back as it was before that run. Returns a note when it did; refuses while that run is alive.
 */
export async function recoverInterrupted(fs: Fs, root: string, isRunning: (pid: number) => boolean): Promise<string | undefined> {
  const staging = posix.join(root, STAGING_DIR);
  if (!(await statOrUndefined(fs, staging))) return undefined;
  const bytes = await readFileOrUndefined(fs, posix.join(staging, JOURNAL));
  if (!bytes) {
    // Stopped while staging (nothing in the target touched yet) or while cleaning up after
    // finishing (everything in place): either way the staging folder is only left-overs.
    await fs.rm(staging, { recursive: true, force: true });
    return 'An earlier run left its staging folder behind; it was removed (the files were as that run left them, complete or untouched).';
  }
  const journal = JSON.parse(new TextDecoder().decode(bytes)) as Journal;
  if (isRunning(journal.pid)) {
    throw new UnsafeError('run-in-progress', `Another run (process ${journal.pid}) is writing into ${root}.`, {
      hint: 'Wait for it to finish, then run the command again.',
    });
  }
  await rollBack(fs, root, staging, journal);
  return 'An earlier run was interrupted half way; every file it had written was put back as it was before it.';
}

async function rollBack(fs: Fs, root: string, staging: string, journal: Journal): Promise<void> {
  for (const entry of [...journal.entries].reverse()) {
    const target = posix.join(root, entry.path);
    const backup = posix.join(staging, entry.backup);
    if (await statOrUndefined(fs, backup)) {
      await fs.rm(target, { force: true });
      await fs.rename(backup, target);
    } else if (entry.staged && !(await statOrUndefined(fs, posix.join(staging, entry.staged)))) {
      await fs.rm(target, { force: true });
    }
  }
  for (const dir of [...journal.createdDirs].reverse()) await fs.rmdir(posix.join(root, dir)).catch(() => undefined);
  await fs.rm(posix.join(staging, JOURNAL), { force: true });
  await fs.rm(staging, { recursive: true, force: true });
  if (journal.createdRoot) {
    const left = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
    if (left.length === 0) await fs.rmdir(root).catch(() => undefined);
  }
}

/** Folders that must be created for these writes, parents first, relative to root. */
async function missingParents(fs: Fs, root: string, writes: FileWrite[]): Promise<string[]> {
  const missing: string[] = [];
  const known = new Set<string>();
  for (const write of writes) {
    if ('remove' in write) continue;
    const segments = write.path.split('/').slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      if (known.has(dir)) continue;
      known.add(dir);
      if (!(await statOrUndefined(fs, posix.join(root, dir)))) missing.push(dir);
    }
  }
  return missing;
}

/** Refuses to write through a symbolic link inside the target: it could point anywhere. */
async function assertNoSymlinkOnTheWay(fs: Fs, root: string, path: string): Promise<void> {
  let current = root;
  for (const segment of path.split('/')) {
    current = posix.join(current, segment);
    const stat = await statOrUndefined(fs, current);
    if (!stat) return;
    if (stat.isSymbolicLink()) {
      throw new UnsafeError('target-symlink', `Refusing to write ${path}: ${posix.relative(root, current)} is a symbolic link.`, {
        hint: 'The CLI never writes through links, which could point outside the repository. Replace the link with a real file or folder.',
      });
    }
  }
}

function asWriteError(error: unknown): Error {
  const mapped = asFsError(error, 'Writing', ' Every change was rolled back.');
  return mapped instanceof Error ? mapped : new Error(String(mapped));
}
