import { posix } from 'node:path';
import { type Fs, statOrUndefined } from '../core/fs.js';
import { PlatformError, ExitCode, UnsafeError } from '../core/errors.js';
import { asFsError } from '../core/fs-errors.js';
import { assertNoLinkedParent, assertRealFolder, checkedTarget, type PathOrigin } from '../core/target.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { JOURNAL_FILE, JOURNAL_VERSION, readStaging, serializeJournal, stagingPath, type Journal, type JournalEntry, type StagingState } from './journal.js';

/** One file to put in place: new bytes for a path, or its removal. */
export type FileWrite =
  | { path: string; bytes: Uint8Array; executable: boolean }
  | { path: string; remove: true };

export interface ApplyOptions {
  /** This process, recorded in the journal so a later run can tell a crash from a live run. */
  pid: number;
}

/**
 * Writes files into root all or nothing. Every new file is first written in full to a staging
 * folder inside root (same file system, so renames are atomic), then a journal of the moves,
 * then each file is renamed into place with the previous one kept aside until the end. A
 * failure moves everything back; a run killed half way is moved back by the next run
 * (recoverInterrupted), which then does the whole job again. The caller lists the lockfile last.
 */
export async function applyWrites(fs: Fs, root: string, writes: FileWrite[], options: ApplyOptions): Promise<void> {
  const staging = stagingPath(root);
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
    const stagedFolders = new Map<string, 'real' | 'missing'>();
    for (const [index, write] of writes.entries()) {
      // Refused here, before anything is written. Each folder is looked at once in this pass:
      // the check right before each rename below looks at every folder again.
      await checkedTarget(fs, root, write.path, WRITE_ORIGIN, { lockfile: write.path === LOCKFILE_NAME, seenFolders: stagedFolders });
      const entry: JournalEntry = { path: write.path, backup: `old-${index}` };
      if (!('remove' in write)) {
        entry.staged = `new-${index}`;
        const stagedPath = posix.join(staging, entry.staged);
        await assertRealFolder(fs, staging, 'the staging folder');
        await fs.writeFile(stagedPath, write.bytes, { mode: write.executable ? 0o755 : 0o644 });
        // The umask may have taken the executable bit away.
        if (write.executable) await fs.chmod(stagedPath, 0o755);
      }
      entries.push(entry);
    }
    journal = { version: JOURNAL_VERSION, root, pid: options.pid, createdRoot, createdDirs: await missingParents(fs, root, writes, stagedFolders), entries };
    await assertRealFolder(fs, staging, 'the staging folder');
    await fs.writeFile(posix.join(staging, `${JOURNAL_FILE}.tmp`), serializeJournal(journal));
    await fs.rename(posix.join(staging, `${JOURNAL_FILE}.tmp`), posix.join(staging, JOURNAL_FILE));

    // 2. Commit: rename each file into place, keeping the previous one aside. Every folder on
    // the way is looked at again right before each move: it may have been swapped for a link.
    for (const dir of journal.createdDirs) {
      await assertNoLinkedParent(fs, root, dir, WRITE_ORIGIN);
      await fs.mkdir(posix.join(root, dir), { recursive: true });
    }
    for (const entry of journal.entries) {
      const target = await checkedTarget(fs, root, entry.path, WRITE_ORIGIN, { lockfile: entry.path === LOCKFILE_NAME });
      await assertRealFolder(fs, staging, 'the staging folder');
      if (target.stat) await fs.rename(target.full, posix.join(staging, entry.backup));
      if (entry.staged) await fs.rename(posix.join(staging, entry.staged), target.full);
    }
  } catch (error) {
    if (journal) await rollBack(fs, root, staging, journal).catch(() => undefined);
    else await removeStaging(fs, staging).catch(() => undefined);
    if (createdRoot) await fs.rm(root, { recursive: true, force: true }).catch(() => undefined);
    throw asWriteError(error);
  }
  // Done: the journal goes first, so a stop while cleaning up can never roll anything back.
  await assertRealFolder(fs, staging, 'the staging folder');
  await fs.rm(posix.join(staging, JOURNAL_FILE), { force: true });
  await removeStaging(fs, staging);
}

const WRITE_ORIGIN: PathOrigin = { what: 'the files to write' };
const RECOVERY_ORIGIN: PathOrigin = { what: 'the recovery journal' };

/**
 * Before planning: if a run was interrupted here (its staging folder is left), put every file
 * back as it was before that run. Returns a note when it did; refuses while that run is alive.
 */
export async function recoverInterrupted(fs: Fs, root: string, isRunning: (pid: number) => boolean): Promise<string | undefined> {
  const state = await checkInterrupted(fs, root, isRunning);
  if (state.kind === 'none') return undefined;
  const staging = stagingPath(root);
  if (state.kind === 'leftovers') {
    // Stopped while staging (nothing in the target touched yet) or while cleaning up after
    // finishing (everything in place): either way the staging folder is only left-overs.
    await removeStaging(fs, staging);
    return 'An earlier run left its staging folder behind; it was removed (the files were as that run left them, complete or untouched).';
  }
  await rollBack(fs, root, staging, state.journal);
  return 'An earlier run was interrupted half way; every file it had written was put back as it was before it.';
}

/**
 * Every check recovery makes, touching nothing: a dry run refuses exactly what the real run
 * refuses (a forged journal, a run still writing), and only the real run rolls back.
 */
export async function checkInterrupted(fs: Fs, root: string, isRunning: (pid: number) => boolean): Promise<StagingState> {
  const state = await readStaging(fs, root);
  if (state.kind !== 'journal') return state;
  const { journal } = state;
  const staging = stagingPath(root);
  if (isRunning(journal.pid)) {
    throw new UnsafeError('run-in-progress', `Another run (process ${journal.pid}) is writing into ${root}.`, {
      hint: 'Wait for it to finish, then run the command again.',
    });
  }
  // Every path is checked before the first move, so a bad one cannot leave a half-replayed journal.
  for (const entry of journal.entries) {
    await checkedTarget(fs, root, entry.path, RECOVERY_ORIGIN, { lockfile: entry.path === LOCKFILE_NAME });
    await ownFileOrNothing(fs, staging, entry.backup);
    if (entry.staged) await ownFileOrNothing(fs, staging, entry.staged);
  }
  return state;
}

/** A name in the staging folder must be a regular file this CLI wrote, or nothing. */
async function ownFileOrNothing(fs: Fs, staging: string, name: string): Promise<void> {
  const stat = await statOrUndefined(fs, posix.join(staging, name));
  if (stat && !stat.isFile()) {
    throw new UnsafeError('journal-untrusted', `${posix.join(staging, name)} is not a regular file: the staging folder is not as this CLI left it. Nothing was replayed or deleted.`, {
      hint: `Inspect ${staging} yourself (it may hold copies of your files), delete it, then run the command again.`,
    });
  }
}

async function rollBack(fs: Fs, root: string, staging: string, journal: Journal): Promise<void> {
  for (const entry of [...journal.entries].reverse()) {
    // Looked at again right before each move or removal: never through a link.
    const target = await checkedTarget(fs, root, entry.path, RECOVERY_ORIGIN, { lockfile: entry.path === LOCKFILE_NAME });
    await assertRealFolder(fs, staging, 'the staging folder');
    const backup = posix.join(staging, entry.backup);
    if (await statOrUndefined(fs, backup)) {
      await ownFileOrNothing(fs, staging, entry.backup);
      if (target.stat) await fs.rm(target.full, { force: true });
      await fs.rename(backup, target.full);
    } else if (entry.staged && !(await statOrUndefined(fs, posix.join(staging, entry.staged)))) {
      if (target.stat) await fs.rm(target.full, { force: true });
    }
  }
  for (const dir of [...journal.createdDirs].reverse()) {
    if (!(await assertNoLinkedParent(fs, root, dir, RECOVERY_ORIGIN))) continue;
    const stat = await statOrUndefined(fs, posix.join(root, dir));
    if (stat?.isDirectory()) await fs.rmdir(posix.join(root, dir)).catch(() => undefined);
  }
  await assertRealFolder(fs, staging, 'the staging folder');
  await fs.rm(posix.join(staging, JOURNAL_FILE), { force: true });
  await removeStaging(fs, staging);
  if (journal.createdRoot) {
    const left = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
    if (left.length === 0) await fs.rmdir(root).catch(() => undefined);
  }
}

/** Removes the staging folder only while it is a real folder (rm -r of a link would be harmless, but say so). */
async function removeStaging(fs: Fs, staging: string): Promise<void> {
  const stat = await statOrUndefined(fs, staging);
  if (!stat) return;
  await assertRealFolder(fs, staging, 'the staging folder');
  await fs.rm(staging, { recursive: true, force: true });
}

/**
 * Folders that must be created for these writes, parents first, relative to root. What the
 * staging pass just looked at is not looked at again: a folder it found missing, and every
 * folder inside one, is missing (this only decides which empty folders a rollback removes).
 */
async function missingParents(fs: Fs, root: string, writes: FileWrite[], seenFolders: ReadonlyMap<string, 'real' | 'missing'>): Promise<string[]> {
  const missing: string[] = [];
  const known = new Map<string, boolean>();
  for (const write of writes) {
    if ('remove' in write) continue;
    const segments = write.path.split('/').slice(0, -1);
    let parentMissing = false;
    for (let i = 1; i <= segments.length; i++) {
      const dir = segments.slice(0, i).join('/');
      let isMissing = known.get(dir);
      if (isMissing === undefined) {
        const seen = seenFolders.get(posix.join(root, dir));
        isMissing = parentMissing || seen === 'missing' || (seen === undefined && !(await statOrUndefined(fs, posix.join(root, dir))));
        known.set(dir, isMissing);
        if (isMissing) missing.push(dir);
      }
      parentMissing = isMissing;
    }
  }
  return missing;
}

function asWriteError(error: unknown): Error {
  const mapped = asFsError(error, 'Writing', ' Every change was rolled back.');
  return mapped instanceof Error ? mapped : new Error(String(mapped));
}
