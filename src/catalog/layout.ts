import { posix } from 'node:path';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { compareVersions, isVersion } from '../template/semver.js';

/**
 * The two layouts a template folder may have in any source (a folder, a git checkout, an npm
 * package): one template (template.yaml there), or its versions as VERSION/ folders, the way a
 * catalog holds them (NAME/VERSION/template.yaml).
 */
export type Layout = { kind: 'template' } | { kind: 'versions'; versions: string[] } | { kind: 'none' };

export async function layoutOf(fs: Fs, dir: string): Promise<Layout> {
  // Anything named template.yaml makes it a template: loading refuses a FIFO, link or folder there by name.
  if (await statOrUndefined(fs, posix.join(dir, 'template.yaml'))) return { kind: 'template' };
  const stat = await statOrUndefined(fs, dir);
  if (!stat?.isDirectory()) return { kind: 'none' };
  const entries = await fs.readdir(dir, { withFileTypes: true });
  // Symbolic links are not versions: a linked VERSION/ would read whatever it points at.
  const versions = entries.filter((e) => e.isDirectory() && !e.isSymbolicLink() && isVersion(e.name)).map((e) => e.name).sort(compareVersions);
  return versions.length > 0 ? { kind: 'versions', versions } : { kind: 'none' };
}

/**
 * The folder holding a catalog's shared files (pins.yaml) for a template folder: the template
 * folder itself, else up to two levels above it (NAME/VERSION/ -> NAME/ -> the catalog), never
 * above `top` (the checkout, the package, or the folder a user named and its parent).
 */
export async function pinsRootOf(fs: Fs, templateDir: string, top: string): Promise<string> {
  let dir = templateDir;
  for (let depth = 0; depth <= 2; depth++) {
    if (await statOrUndefined(fs, posix.join(dir, 'pins.yaml'))) return dir;
    const parent = posix.dirname(dir);
    if (dir === top || parent === dir || !isWithin(parent, top)) break;
    dir = parent;
  }
  return templateDir;
}

/** Whether path is top or below it (both absolute and normalised). */
export function isWithin(path: string, top: string): boolean {
  return path === top || path.startsWith(top.endsWith('/') ? top : `${top}/`);
}
