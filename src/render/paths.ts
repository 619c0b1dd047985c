import { UnsafeError } from '../core/errors.js';

/** Names the CLI keeps for itself at a repository's root. */
export const LOCKFILE_NAME = '.platform.yaml';
export const STAGING_DIR = '.platform-staging';

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Why a rendered path may not be written, or undefined if it is safe: it must stay inside the
 * target, out of .git/ and our own files, and be a name every OS can hold.
 */
export function unsafePathReason(path: string): string | undefined {
  if (path.length === 0) return 'it is empty';
  if (path.includes('\0')) return 'it contains a NUL character';
  if (path.includes('\\')) return 'it contains a backslash (a Windows separator)';
  if (path.startsWith('/')) return 'it is absolute';
  if (/^[A-Za-z]:/.test(path)) return 'it starts with a drive letter';
  const segments = path.split('/');
  for (const segment of segments) {
    if (segment === '' || segment === '.') return 'it has an empty or "." segment';
    if (segment === '..') return 'it climbs out of the target with ".."';
    if (isGitName(segment)) return 'it lands inside .git/';
    if (WINDOWS_RESERVED.test(segment)) return `"${segment}" is a name Windows reserves`;
    if (/[<>:"|?*\u0000-\u001f]/.test(segment)) return `"${segment}" has a character Windows forbids in names`;
    if (/[. ]$/.test(segment)) return `"${segment}" ends with a dot or space, which Windows drops`;
  }
  if (isReservedName(segments[0]!)) return `${segments[0]} belongs to the platform CLI`;
  return undefined;
}

export function assertSafePath(path: string, templateId: string, sourcePath: string): void {
  const reason = unsafePathReason(path);
  if (reason) {
    throw new UnsafeError('unsafe-path', `Template ${templateId} would write "${path}" (from files/${sourcePath}), and ${reason}.`, {
      hint: 'Nothing was written. Fix the file name in the template, or the answers that build it.',
    });
  }
}

/**
 * What a name becomes on the file systems that are most forgiving about names: compatibility
 * forms folded (ﬁ -> fi), characters macOS ignores removed (zero-width joiners), case folded.
 */
function foldName(name: string): string {
  return name
    .normalize('NFKC')
    .replace(/[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]/g, '')
    .toLowerCase();
}

/** The lockfile and the staging folder, in any case spelling or Unicode disguise (.PLATFORM.yaml). */
function isReservedName(segment: string): boolean {
  const folded = foldName(segment);
  return folded === LOCKFILE_NAME || folded === STAGING_DIR;
}

/** .git itself, in any disguise a file system would see through (GIT~1 is its Windows short name). */
function isGitName(segment: string): boolean {
  const folded = foldName(segment);
  return folded === '.git' || folded === 'git~1';
}

/** Two paths that one case-insensitive or normalising file system would treat as the same file. */
export function findCollision(paths: Iterable<string>): [string, string] | undefined {
  const seen = new Map<string, string>();
  for (const path of paths) {
    const key = foldName(path);
    const other = seen.get(key);
    if (other !== undefined && other !== path) return [other, path];
    seen.set(key, path);
  }
  return undefined;
}
