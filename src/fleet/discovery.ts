import { posix } from 'node:path';
import type { Fs } from '../core/fs.js';
import { LOCKFILE_NAME, STAGING_DIR } from '../render/paths.js';

/**
 * Finds every repository root (a folder holding `.platform.yaml`) under the given folders,
 * monorepos included (one lockfile per service folder). A walk that never follows a link and
 * never enters `.git`, `node_modules` or the CLI's staging folder, yielded one at a time so a
 * fleet of thousands is never listed in memory first. A lockfile that is not a regular file
 * (a link, a FIFO) is still yielded: the reader refuses it for that repository alone.
 */
const SKIPPED = new Set(['.git', 'node_modules', STAGING_DIR]);
/** Deeper than this is not a fleet layout but a trap (or a loop of bind mounts). */
export const MAX_DEPTH = 12;

export async function* discoverRoots(fs: Fs, folders: readonly string[]): AsyncGenerator<string> {
  const seen = new Set<string>();
  for (const folder of folders) {
    for await (const root of walk(fs, folder, 0)) {
      if (seen.has(root)) continue;
      seen.add(root);
      yield root;
    }
  }
}

async function* walk(fs: Fs, dir: string, depth: number): AsyncGenerator<string> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    // Unreadable or vanished: nothing to report under it (the repository list names such roots explicitly).
    return;
  }
  // Sorted, so two runs (and two shards) see the fleet in the same order.
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (entries.some((e) => e.name === LOCKFILE_NAME)) yield dir;
  if (depth >= MAX_DEPTH) return;
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.isSymbolicLink() || SKIPPED.has(entry.name)) continue;
    yield* walk(fs, posix.join(dir, entry.name), depth + 1);
  }
}
