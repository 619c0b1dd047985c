import { posix } from 'node:path';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { canonicalSource } from '../sources/canonical.js';
import { isWithin } from './layout.js';

/**
 * The repository a lockfile lives in: the nearest folder at or above root holding `.git` (a
 * monorepo's top), else root itself. A folder that does not exist yet (create) is looked above.
 */
export async function repositoryTop(fs: Fs, root: string): Promise<string> {
  let dir = root;
  for (;;) {
    if (await statOrUndefined(fs, posix.join(dir, '.git'))) return dir;
    const parent = posix.dirname(dir);
    if (parent === dir) return root;
    dir = parent;
  }
}

/**
 * How .platform.yaml records a source so that it works on any machine: git URLs and npm names as
 * they are; a folder inside the repository relative to the lockfile's folder (`dir:./…`,
 * `dir:../…`); a folder outside it by its absolute path, with a warning saying what that means.
 */
export async function portableSource(fs: Fs, root: string, source: string, name: string): Promise<{ recorded: string; warning?: string }> {
  if (!source.startsWith('dir:')) return { recorded: source };
  const path = source.slice('dir:'.length);
  const top = await repositoryTop(fs, root);
  if (isWithin(path, top)) return { recorded: canonicalSource(`dir:./${posix.relative(root, path) || '.'}`) };
  return {
    recorded: source,
    warning:
      `${name} comes from ${path}, outside the repository, so .platform.yaml records that absolute path: on another machine, or once the folder moves, ` +
      '`platform upgrade` and `platform status` find it only at that same path (or with --catalog pointing at the catalog there). ' +
      'Publish the catalog as a git repository or an npm package and create from --catalog git+URL or npm:PACKAGE to record a source that works everywhere.',
  };
}

/** Sets each change's recorded source to its portable form, warning where that is an absolute path. */
export async function recordPortably(fs: Fs, root: string, changes: Array<{ source: string; recorded?: string; target: { manifest: { name: string } } }>, warn: (text: string) => void): Promise<void> {
  for (const change of changes) {
    const { recorded, warning } = await portableSource(fs, root, change.source, change.target.manifest.name);
    if (recorded !== change.source) change.recorded = recorded;
    if (warning) warn(warning);
  }
}
