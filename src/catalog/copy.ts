import { posix } from 'node:path';
import { UnsafeError, UsageError } from '../core/errors.js';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { counted } from '../ui/count.js';

/**
 * Copies a folder's regular files and folders (executable bits kept) to a new place. A symbolic
 * link, FIFO or device in the source is refused before anything is written, so a copy is whole
 * or nothing is there.
 */
export async function copyTree(fs: Fs, from: string, to: string): Promise<string[]> {
  const files: Array<{ path: string; executable: boolean }> = [];
  const walk = async (relative: string): Promise<void> => {
    for (const entry of await fs.readdir(posix.join(from, relative), { withFileTypes: true })) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push({ path, executable: ((await fs.lstat(posix.join(from, path))).mode & 0o111) !== 0 });
      else {
        throw new UnsafeError('copy-not-regular', `${posix.join(from, path)} is ${entry.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; nothing was copied.`, {
          hint: 'A catalog holds only regular files and folders: replace it with the file itself.',
        });
      }
    }
  };
  await walk('');
  files.sort((a, b) => (a.path < b.path ? -1 : 1));
  for (const file of files) {
    const target = posix.join(to, file.path);
    await fs.mkdir(posix.dirname(target), { recursive: true });
    await fs.writeFile(target, await fs.readFile(posix.join(from, file.path)), { mode: file.executable ? 0o755 : 0o644, flag: 'wx' });
  }
  return files.map((f) => f.path);
}

/** A folder to write into: new, or an empty folder (not a link, not a file). */
export async function requireNewFolder(fs: Fs, dir: string, what: string): Promise<void> {
  const stat = await statOrUndefined(fs, dir);
  if (!stat) return;
  if (stat.isSymbolicLink()) {
    throw new UnsafeError('target-symlink', `${dir} is a symbolic link; ${what} is written only into a real folder.`, { hint: 'Give the path of a new or empty folder.' });
  }
  if (!stat.isDirectory()) throw new UsageError('target-not-directory', `${dir} exists and is not a folder.`, { hint: 'Give the path of a new or empty folder.' });
  const entries = await fs.readdir(dir, { withFileTypes: true });
  if (entries.length > 0) {
    throw new UsageError('target-not-empty', `${dir} is not empty (${counted(entries.length, 'entry', 'entries')}); nothing was written.`, {
      hint: 'Give a new or empty folder.',
    });
  }
}
