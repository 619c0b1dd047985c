import { posix } from 'node:path';
import { type Fs, statOrUndefined } from '../core/fs.js';
import { PlatformError, ExitCode, UnsafeError } from '../core/errors.js';
import { STAGING_DIR } from '../render/paths.js';

/** One file to put in place: new bytes for a path, or its removal. */
export type FileWrite =
  | { path: string; bytes: Uint8Array; executable: boolean }
  | { path: string; remove: true };

interface JournalEntry {
  path: string;
  /** Staged new content, under the staging folder; absent for a removal. */
  staged?: string;
  /** Where the previous file was moved, under the staging folder; absent if there was none. */
  backup?: string;
}

/**
 * Writes files into root all or nothing. Every new file is first written in full to a staging
 * folder inside root (same file system, so renames are atomic); a journal lists the moves;
 * then each file is renamed into place, the previous one kept aside until the end. If anything
 * fails, what was moved is moved back, so root is left as it was. The caller lists the
 * lockfile last, so it only changes once everything else is in place.
 */
export async function applyWrites(fs: Fs, root: string, writes: FileWrite[]): Promise<void> {
  const staging = posix.join(root, STAGING_DIR);
  if (await statOrUndefined(fs, staging)) {
    throw new UnsafeError('staging-exists', `${staging} exists: an earlier run was interrupted, or another is running.`, {
      hint: `If no other run is going on, remove ${staging} and run the command again (it holds that run's copies of your files; look inside first).`,
    });
  }
  const createdRoot = !(await statOrUndefined(fs, root));
  const journal: JournalEntry[] = [];
  const createdDirs: string[] = [];
  const done: JournalEntry[] = [];
  try {
    await fs.mkdir(staging, { recursive: true });
    // 1. Stage: nothing in the target changes yet; a full disk fails here.
    for (const [index, write] of writes.entries()) {
      await assertNoSymlinkOnTheWay(fs, root, write.path);
      const entry: JournalEntry = { path: write.path };
      if (!('remove' in write)) {
        entry.staged = `new-${index}`;
        const stagedPath = posix.join(staging, entry.staged);
        await fs.writeFile(stagedPath, write.bytes, { mode: write.executable ? 0o755 : 0o644 });
        await fs.chmod(stagedPath, write.executable ? 0o755 : 0o644);
      }
      journal.push(entry);
    }
    await fs.writeFile(posix.join(staging, 'journal.json'), JSON.stringify({ version: 1, entries: journal }));

    // 2. Commit: rename each file into place, keeping the previous one aside.
    for (const [index, entry] of journal.entries()) {
      const target = posix.join(root, entry.path);
      const existing = await statOrUndefined(fs, target);
      if (existing) {
        if (existing.isDirectory()) {
          throw new UnsafeError('path-is-directory', `Cannot write ${entry.path}: a folder of that name is in the way.`, {
            hint: 'Move or rename the folder, then run the command again.',
          });
        }
        entry.backup = `old-${index}`;
        await fs.rename(target, posix.join(staging, entry.backup));
      } else if (entry.staged) {
        await makeParents(fs, root, entry.path, createdDirs);
      }
      done.push(entry);
      if (entry.staged) await fs.rename(posix.join(staging, entry.staged), target);
    }
  } catch (error) {
    await rollBack(fs, root, staging, done, createdDirs);
    if (createdRoot) await fs.rm(root, { recursive: true, force: true });
    throw asWriteError(error);
  }
  await fs.rm(staging, { recursive: true, force: true });
}

async function rollBack(fs: Fs, root: string, staging: string, done: JournalEntry[], createdDirs: string[]): Promise<void> {
  for (const entry of [...done].reverse()) {
    const target = posix.join(root, entry.path);
    if (entry.staged) await fs.rm(target, { force: true }).catch(() => undefined);
    if (entry.backup) await fs.rename(posix.join(staging, entry.backup), target).catch(() => undefined);
  }
  for (const dir of [...createdDirs].reverse()) await fs.rmdir(dir).catch(() => undefined);
  await fs.rm(staging, { recursive: true, force: true }).catch(() => undefined);
}

async function makeParents(fs: Fs, root: string, path: string, created: string[]): Promise<void> {
  const segments = path.split('/').slice(0, -1);
  let dir = root;
  for (const segment of segments) {
    dir = posix.join(dir, segment);
    if (!(await statOrUndefined(fs, dir))) {
      await fs.mkdir(dir, { recursive: true });
      created.push(dir);
    }
  }
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
  if (error instanceof PlatformError) return error;
  const code = (error as { code?: string }).code;
  const path = (error as { path?: string }).path;
  const reasons: Record<string, string> = {
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is exceeded',
    EACCES: 'permission was denied',
    EPERM: 'the operation is not permitted',
    EROFS: 'the file system is read-only',
  };
  const reason = code ? reasons[code] : undefined;
  if (!reason) return error instanceof Error ? error : new Error(String(error));
  return new PlatformError('write-failed', ExitCode.unexpected, `Writing failed: ${reason}${path ? ` (${path})` : ''}. Every change was rolled back.`, {
    hint: code === 'ENOSPC' || code === 'EDQUOT' ? 'Free some space and run the command again.' : 'Check the permissions of the target folder and run the command again.',
  });
}
