import { posix } from 'node:path';
import { statOrUndefined, type Fs } from '../core/fs.js';

/** An index larger than this is not read here (git is asked instead). */
const MAX_INDEX_BYTES = 32 * 1024 * 1024;
const MAX_CONFIG_BYTES = 1024 * 1024;
/** How far up from a service folder the repository's top is looked for. */
const MAX_LEVELS = 32;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The paths git's index holds as unmerged (stages 1-3) under root, relative to root, read from
 * the index file itself: `fleet status --no-history` asks this of every repository, and a git
 * process per repository is most of that report's cost. Only the plain layout is read: a `.git`
 * folder (not a link, not a worktree's `.git` file), SHA-1, index version 2-4 without a split or
 * sparse index. Anything else, or anything that does not parse, is undefined: then the caller
 * asks git (`git ls-files -u`), which knows every layout. Never follows a link; [] outside git.
 */
export async function unmergedFromIndex(fs: Fs, root: string): Promise<string[] | undefined> {
  let top = root;
  let gitDir: string | undefined;
  for (let level = 0; level < MAX_LEVELS; level++) {
    const dotGit = await statOrUndefined(fs, posix.join(top, '.git'));
    if (dotGit) {
      if (!dotGit.isDirectory() || dotGit.isSymbolicLink()) return undefined;
      gitDir = posix.join(top, '.git');
      break;
    }
    const parent = posix.dirname(top);
    if (parent === top) return [];
    top = parent;
  }
  if (!gitDir) return undefined;
  const head = await statOrUndefined(fs, posix.join(gitDir, 'HEAD'));
  if (!head?.isFile()) return undefined;
  // A worktree set elsewhere, another hash, a split or sparse index: git reads those.
  const config = await regularFile(fs, posix.join(gitDir, 'config'), MAX_CONFIG_BYTES);
  if (config === undefined || /worktree|objectformat|splitindex|sparse|\[include/i.test(new TextDecoder().decode(config))) return undefined;
  const stat = await statOrUndefined(fs, posix.join(gitDir, 'index'));
  if (!stat) return [];
  const index = await regularFile(fs, posix.join(gitDir, 'index'), MAX_INDEX_BYTES);
  if (!index) return undefined;
  const unmerged = unmergedEntries(index);
  if (!unmerged) return undefined;
  const prefix = top === root ? '' : `${posix.relative(top, root)}/`;
  return [...new Set(unmerged.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)))];
}

/** The bytes of a regular file no larger than max; undefined for a link, FIFO, folder or larger file; empty when missing. */
async function regularFile(fs: Fs, path: string, max: number): Promise<Uint8Array | undefined> {
  const stat = await statOrUndefined(fs, path);
  if (!stat) return new Uint8Array();
  if (!stat.isFile() || stat.size > max) return undefined;
  const bytes = await fs.readFile(path);
  return bytes.length > max ? undefined : bytes;
}

/**
 * Paths of the entries at a stage other than 0, from git's index format (gitformat-index):
 * "DIRC", version, count, then each entry (62 bytes of stat data, object id and flags; v3's
 * extended flags; the path, NUL-padded to 8 bytes in v2/v3, prefix-compressed in v4), then
 * extensions. Undefined when it does not parse or holds a split/sparse index.
 */
export function unmergedEntries(bytes: Uint8Array): string[] | undefined {
  if (bytes.length < 32) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== 0x44495243) return undefined; // "DIRC"
  const version = view.getUint32(4);
  if (version < 2 || version > 4) return undefined;
  const count = view.getUint32(8);
  const end = bytes.length - 20; // the trailing SHA-1 checksum
  const found: string[] = [];
  let offset = 12;
  let previous: Uint8Array = new Uint8Array();
  for (let i = 0; i < count; i++) {
    if (offset + 62 > end) return undefined;
    const flags = view.getUint16(offset + 60);
    let pathStart = offset + 62;
    if (flags & 0x4000) {
      if (version < 3) return undefined;
      pathStart += 2;
    }
    let path: Uint8Array;
    if (version === 4) {
      // How many bytes of the previous path to drop (git's varint), then the NUL-terminated rest.
      let at = pathStart;
      if (at >= end) return undefined;
      let c = bytes[at++]!;
      let drop = c & 127;
      while (c & 128) {
        if (at >= end || drop > MAX_INDEX_BYTES) return undefined;
        c = bytes[at++]!;
        drop = ((drop + 1) << 7) | (c & 127);
      }
      if (drop > previous.length) return undefined;
      const nul = bytes.indexOf(0, at);
      if (nul < 0 || nul >= end) return undefined;
      const kept = previous.length - drop;
      path = new Uint8Array(kept + nul - at);
      path.set(previous.subarray(0, kept));
      path.set(bytes.subarray(at, nul), kept);
      offset = nul + 1;
    } else {
      const nul = bytes.indexOf(0, pathStart);
      if (nul < 0 || nul >= end) return undefined;
      path = bytes.subarray(pathStart, nul);
      // The entry is padded with 1-8 NULs to a multiple of 8 bytes.
      offset += (pathStart - offset + path.length + 8) & ~7;
    }
    previous = path;
    if ((flags >> 12) & 3) {
      try {
        found.push(decoder.decode(path));
      } catch {
        return undefined;
      }
    }
  }
  // Extensions: a split index ("link") or a sparse one ("sdir") keeps entries elsewhere.
  while (offset + 8 <= end) {
    const signature = String.fromCharCode(...bytes.subarray(offset, offset + 4));
    if (signature === 'link' || signature === 'sdir') return undefined;
    offset += 8 + view.getUint32(offset + 4);
  }
  return offset === end ? found : undefined;
}
