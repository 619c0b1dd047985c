import { posix } from 'node:path';
import { PlatformError, UsageError } from '../core/errors.js';
import { parseGitSource, redact } from './spec.js';
import { npmSourceLabel, parseNpmSource } from './npm-spec.js';
import { LOCKFILE_NAME } from '../render/paths.js';

/**
 * The one canonical form of a lockfile source, used for every trust decision, every Catalog
 * decision and every source recorded in .platform.yaml. Two spellings of the same place give the
 * same string, so `dir:/srv/t/../evil` or `git:HTTPS://H/org/%72epo` can never pass for a
 * trusted entry by how they are written. Pure: no file system, no network.
 *
 *   builtin
 *   dir:/ABS/PATH          normalised: no `.`, `..`, `//`, trailing `/` (not resolved through links)
 *   dir:./REL | dir:../REL a folder relative to the repository (the folder of .platform.yaml), as a
 *                          portable lockfile records it; normalised the same way. Resolved against
 *                          the repository (resolveRelativeSource) before any trust or catalog use.
 *   git:URL[//SUB]         scheme and host lower-case, default port dropped, https credentials
 *                          dropped (an ssh user kept, its password dropped), percent-encoding of
 *                          unreserved characters decoded and the rest upper-cased, dot-segments
 *                          resolved, no trailing `/`; `.git` and the path's case are kept (on a
 *                          generic server `repo` and `repo.git` may be different repositories)
 *   npm:PACKAGE[//SUB] | npm:file:/ABS/PKG.tgz[//SUB]
 *
 * Anything else is an error, never "built-in".
 */
export type SourceKind = 'builtin' | 'dir' | 'git' | 'npm';

export const SOURCE_KINDS_HINT = `A source in ${LOCKFILE_NAME} is builtin, dir:/ABSOLUTE/PATH, dir:./PATH (relative to the repository), git:URL[//SUB] or npm:PACKAGE[//SUB]; fix or remove that entry (git checkout -- ${LOCKFILE_NAME} if you did not change it).`;

export function sourceKind(canonical: string): SourceKind {
  if (canonical === 'builtin') return 'builtin';
  return canonical.slice(0, canonical.indexOf(':')) as SourceKind;
}

/** The canonical form of source; a UsageError for an unknown kind or a malformed source. */
export function canonicalSource(source: string): string {
  if (source === 'builtin') return source;
  if (source.startsWith('dir:')) return `dir:${canonicalDir(source)}`;
  if (source.startsWith('git:')) return canonicalGit(source);
  if (source.startsWith('npm:')) return npmSourceLabel(rethrown(source, () => parseNpmSource(source)));
  throw new UsageError('source-unknown', `unknown source kind "${shown(source)}": expected builtin, dir:, git: or npm:.`, { hint: SOURCE_KINDS_HINT });
}

/** Whether a source (or a trust-list entry) is in canonical form already and valid. */
export function tryCanonicalSource(source: string): string | undefined {
  try {
    return canonicalSource(source);
  } catch (error) {
    if (error instanceof PlatformError) return undefined;
    throw error;
  }
}

/**
 * Whether source lies at or under entry, both canonical: whole path segments only, so
 * `dir:/srv/t` covers `dir:/srv/t/api` but not `dir:/srv/t-evil`.
 */
export function sourceCovers(entry: string, source: string): boolean {
  if (entry === source) return true;
  if (entry === 'builtin' || source === 'builtin') return false;
  const want = entry.split('/');
  while (want.length > 1 && want.at(-1) === '') want.pop();
  const have = source.split('/');
  return want.length <= have.length && want.every((segment, i) => segment === have[i]);
}

function canonicalDir(source: string): string {
  const path = source.slice('dir:'.length);
  const relative = isRelativeDir(source);
  if ((!path.startsWith('/') && !relative) || /[\0\n\r]/.test(path)) {
    throw new UsageError('source-dir', `"${shown(source)}" is not a dir: source: it takes an absolute path (dir:/PATH) or one relative to the repository (dir:./PATH).`, { hint: SOURCE_KINDS_HINT });
  }
  let normal = posix.normalize(path);
  if (normal.length > 1 && normal.endsWith('/')) normal = normal.slice(0, -1);
  if (!relative) return normal;
  return normal === '.' || normal.startsWith('../') || normal === '..' ? normal : `./${normal}`;
}

/** `dir:./PATH` or `dir:../PATH`: a folder relative to the repository that records it. */
export function isRelativeDir(source: string): boolean {
  return /^dir:\.\.?(\/|$)/.test(source);
}

/**
 * A source as the run uses it: a relative `dir:` resolved against the repository root (absolute,
 * canonical); any other source canonical as it is.
 */
export function resolveRelativeSource(source: string, root: string | undefined): string {
  const canonical = canonicalSource(source);
  if (!isRelativeDir(canonical)) return canonical;
  if (root === undefined) {
    throw new UsageError('source-dir-relative', `"${shown(source)}" is relative to a repository, and there is none here.`, { hint: SOURCE_KINDS_HINT });
  }
  return canonicalSource(`dir:${posix.resolve(root, canonical.slice('dir:'.length))}`);
}

const DEFAULT_PORTS: Record<string, string> = { https: '443', ssh: '22' };

function canonicalGit(source: string): string {
  const body = source.slice('git:'.length);
  // parseGitSource refuses ext::, option-looking parts, unknown transports, `..` in //SUB.
  const spec = rethrown(source, () => parseGitSource(source));
  const m = /^([a-z]+):\/\/([^/]*)(\/.*)?$/i.exec(body)!;
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  const at = authority.lastIndexOf('@');
  const user = at >= 0 ? authority.slice(0, at).split(':')[0]! : '';
  let host = (at >= 0 ? authority.slice(at + 1) : authority).toLowerCase();
  const port = /:(\d+)$/.exec(host)?.[1];
  if (port !== undefined && DEFAULT_PORTS[scheme] === port) host = host.slice(0, -port.length - 1);
  if (scheme !== 'file' && !/^(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::\d{1,5})?$/.test(host)) {
    throw new UsageError('source-git', `"${shown(source)}" names an invalid host "${host}".`, { hint: SOURCE_KINDS_HINT });
  }
  // The repository path: everything before the first `//` (what follows is the subfolder).
  const rawPath = spec.url.slice(spec.url.indexOf('://') + 3).replace(/^[^/]*/, '');
  const path = resolveDots(percentNormal(rawPath, source));
  if (path === '/' || path === '') throw new UsageError('source-git', `"${shown(source)}" names no repository path.`, { hint: SOURCE_KINDS_HINT });
  const sub = spec.subpath ? `//${resolveDots(`/${percentNormal(spec.subpath, source)}`).slice(1)}` : '';
  if (sub === '//') throw new UsageError('source-git', `"${shown(source)}": // names no subfolder.`, { hint: SOURCE_KINDS_HINT });
  const who = scheme === 'ssh' && user !== '' ? `${user}@` : '';
  return `git:${scheme}://${who}${host}${path}${sub}`;
}

/** RFC 3986 6.2.2: decode %XX of unreserved characters, upper-case the others; a bare % or an encoded separator is an error. */
function percentNormal(path: string, source: string): string {
  return path.replace(/%(?:([0-9a-fA-F]{2})|)/g, (match, hex: string | undefined) => {
    if (hex === undefined) throw new UsageError('source-git', `"${shown(source)}" holds a "%" that is not a percent-encoding.`, { hint: SOURCE_KINDS_HINT });
    const char = String.fromCharCode(parseInt(hex, 16));
    // An encoded separator or control character could be decoded by a server into another path.
    if (/[/\\\x00-\x1f\x7f]/.test(char)) {
      throw new UsageError('source-git', `"${shown(source)}" holds an encoded "/", "\\" or control character (${match}).`, { hint: SOURCE_KINDS_HINT });
    }
    return /[A-Za-z0-9._~-]/.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/** `/a/./b/../c//d/` -> `/a/c/d`: dot-segments resolved (never above the root), no empty segments. */
function resolveDots(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') out.pop();
    else out.push(segment);
  }
  return `/${out.join('/')}`;
}

function rethrown<T>(source: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    throw new UsageError('source-invalid', `"${shown(source)}" is not a valid source: ${error.message}`, { hint: SOURCE_KINDS_HINT });
  }
}

/** A source as messages show it: credentials redacted, length bounded. */
function shown(source: string): string {
  const text = redact(source);
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
