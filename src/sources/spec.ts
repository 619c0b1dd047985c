import { posix } from 'node:path';
import { UnsafeError, UsageError } from '../core/errors.js';
import { isVersion } from '../template/semver.js';

/**
 * A template kept in a git repository, as `--template` names it:
 *   git+https://HOST/PATH, git+ssh://[USER@]HOST/PATH, git+file:///ABS/PATH, github:ORG/REPO
 * then optionally `//SUB/PATH` (a template in a subfolder), then `#REF` (branch, tag, commit)
 * or `@VERSION` (a semver tag: vVERSION, VERSION, or NAME-vVERSION in a collection).
 */
export interface GitSpec {
  /** The URL git is given (may hold credentials from the spec; never record or print it). */
  fetchUrl: string;
  /** The URL without credentials: recorded in .platform.yaml and printed. */
  url: string;
  /** The template's folder inside the repository, or '' for its root. */
  subpath: string;
  ref: { kind: 'ref'; name: string } | { kind: 'version'; version: string } | undefined;
}

const SCHEMES = ['https', 'ssh', 'file'] as const;

/** Whether a --template names a git repository (not a built-in template or a folder). */
export function isGitSpec(spec: string): boolean {
  return /^git\+[a-z]+:/i.test(spec) || spec.startsWith('github:') || /^ext::/i.test(spec);
}

/** Whether a lockfile source is a git one (`git:URL[//SUB]`). */
export function isGitSource(source: string): boolean {
  return source.startsWith('git:');
}

/** Parses a --template git spec; refuses anything that could become a git option or an ext:: command. */
export function parseGitSpec(spec: string): GitSpec {
  refuseUnsafe(spec, spec);
  let rest: string;
  if (spec.startsWith('github:')) {
    const body = spec.slice('github:'.length);
    const m = /^([^/#@]+)\/([^/#@]+?)(?:\.git)?((?:\/\/|#|@).*)?$/.exec(body);
    if (!m || !/^[A-Za-z0-9_.-]+$/.test(m[1]!) || !/^[A-Za-z0-9_.-]+$/.test(m[2]!)) {
      throw new UsageError('git-spec', `"${redact(spec)}" is not a GitHub repository: expected github:ORG/REPO.`, { hint: HINT });
    }
    refuseDash(m[1]!, spec, 'organisation');
    refuseDash(m[2]!, spec, 'repository');
    rest = `https://github.com/${m[1]}/${m[2]}.git${m[3] ?? ''}`;
  } else if (/^git\+/i.test(spec)) {
    rest = spec.slice('git+'.length);
  } else {
    throw new UsageError('git-spec', `"${redact(spec)}" is not a git template source.`, { hint: HINT });
  }

  // #REF: everything after the first '#'.
  let ref: GitSpec['ref'];
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    const name = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
    refuseDash(name, spec, 'ref');
    if (!isSafeRefName(name)) {
      throw new UsageError('git-ref', `"${name}" is not a branch, tag or commit name.`, { hint: HINT });
    }
    ref = { kind: 'ref', name };
  }

  const { scheme, authority, path } = splitUrl(rest, spec);
  // @VERSION: the last '@' of the path (an '@' in the authority is the user).
  let repoPath = path;
  const at = repoPath.lastIndexOf('@');
  if (at >= 0) {
    if (ref) throw new UsageError('git-spec', `"${redact(spec)}" names both #REF and @VERSION; give one.`, { hint: HINT });
    const raw = repoPath.slice(at + 1);
    refuseDash(raw, spec, 'version');
    const version = raw.startsWith('v') ? raw.slice(1) : raw;
    if (!isVersion(version)) {
      throw new UsageError('git-version', `"${raw}" is not a version: @VERSION takes a semver such as 1.2.0 (use #REF for a branch or tag).`, { hint: HINT });
    }
    ref = { kind: 'version', version };
    repoPath = repoPath.slice(0, at);
  }

  // //SUB/PATH: the first '//' of the path.
  let subpath = '';
  const sub = repoPath.indexOf('//');
  if (sub >= 0) {
    subpath = checkSubpath(repoPath.slice(sub + 2), spec);
    repoPath = repoPath.slice(0, sub);
  }
  if (repoPath === '' || repoPath === '/') throw new UsageError('git-spec', `"${redact(spec)}" names no repository path.`, { hint: HINT });
  return {
    fetchUrl: `${scheme}://${authority}${repoPath}`,
    url: `${scheme}://${stripCredentials(scheme, authority)}${repoPath}`,
    subpath,
    ref,
  };
}

/** What .platform.yaml records for a git template: `git:URL` or `git:URL//SUB` (no credentials, no ref). */
export function gitSourceLabel(spec: Pick<GitSpec, 'url' | 'subpath'>): string {
  return `git:${spec.url}${spec.subpath ? `//${spec.subpath}` : ''}`;
}

/** Parses a lockfile's `git:URL[//SUB]` source, with the same refusals as a --template spec. */
export function parseGitSource(source: string): GitSpec {
  if (!isGitSource(source)) {
    throw new UsageError('git-source', `"${source}" is not a git source.`, { hint: 'A git source is recorded as git:URL[//SUB] in .platform.yaml; fix or remove that entry.' });
  }
  const body = source.slice('git:'.length);
  refuseUnsafe(body, source);
  const { scheme, authority, path } = splitUrl(body, source);
  let repoPath = path;
  let subpath = '';
  const sub = repoPath.indexOf('//');
  if (sub >= 0) {
    subpath = checkSubpath(repoPath.slice(sub + 2), source);
    repoPath = repoPath.slice(0, sub);
  }
  const url = `${scheme}://${stripCredentials(scheme, authority)}${repoPath}`;
  return { fetchUrl: url, url, subpath, ref: undefined };
}

/** `https://user:token@host/x` -> `https://host/x`; other URLs keep a user but lose a password. */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/gi, (_, scheme: string, userinfo: string) =>
    /^(git\+)?https?:\/\/$/i.test(scheme) ? scheme : `${scheme}${userinfo.split(':')[0]}@`,
  );
}

const HINT = 'Git templates: git+https://HOST/REPO.git, git+ssh://git@HOST/REPO.git, git+file:///PATH or github:ORG/REPO, then optionally //SUB/FOLDER, then #REF or @VERSION.';

function splitUrl(url: string, spec: string): { scheme: (typeof SCHEMES)[number]; authority: string; path: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/]*)(\/.*)?$/i.exec(url);
  if (!m) throw new UsageError('git-spec', `"${redact(spec)}" is not a git URL.`, { hint: HINT });
  const scheme = m[1]!.toLowerCase();
  if (!(SCHEMES as readonly string[]).includes(scheme)) {
    throw new UsageError('git-scheme', `"${redact(spec)}": ${scheme}:// is not a supported git transport.`, { hint: HINT });
  }
  const authority = m[2]!;
  const path = m[3] ?? '';
  if (scheme === 'file' ? authority !== '' : authority === '') {
    throw new UsageError('git-spec', `"${redact(spec)}": ${scheme === 'file' ? 'file:// URLs take an absolute path (file:///PATH)' : 'the URL names no host'}.`, { hint: HINT });
  }
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  refuseDash(host, spec, 'host');
  refuseDash(authority, spec, 'URL');
  for (const segment of path.split('/')) refuseDash(segment, spec, 'path');
  if (/[\s\0]/.test(url)) throw new UsageError('git-spec', `"${redact(spec)}" holds whitespace or control characters.`, { hint: HINT });
  return { scheme: scheme as (typeof SCHEMES)[number], authority, path };
}

function stripCredentials(scheme: string, authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at < 0) return authority;
  const host = authority.slice(at + 1);
  if (scheme === 'https') return host;
  return `${authority.slice(0, at).split(':')[0]}@${host}`;
}

function checkSubpath(raw: string, spec: string): string {
  const parts = raw.split('/').filter((p) => p !== '' && p !== '.');
  for (const part of parts) {
    refuseDash(part, spec, 'subfolder');
    if (part === '..') throw new UnsafeError('git-subpath', `"${redact(spec)}": the subfolder may not leave the repository (..).`, { hint: HINT });
  }
  if (parts.length === 0) throw new UsageError('git-spec', `"${redact(spec)}": // names no subfolder.`, { hint: HINT });
  return posix.join(...parts);
}

/** A branch or tag name, or a commit: git's own rules, roughly (no '..', no ':', no control characters). */
function isSafeRefName(name: string): boolean {
  return /^[A-Za-z0-9._/+-]+$/.test(name) && !name.includes('..') && !name.includes('//') && !name.endsWith('.lock') && !name.endsWith('/') && !name.startsWith('/');
}

function refuseUnsafe(text: string, spec: string): void {
  if (/ext::/i.test(text)) {
    throw new UnsafeError('git-ext', `"${redact(spec)}" uses git's ext:: transport, which runs a command; it is refused.`, { hint: HINT });
  }
  if (text.startsWith('-')) refuseDash(text, spec, 'source');
}

function refuseDash(part: string, spec: string, what: string): void {
  if (part.startsWith('-')) {
    throw new UnsafeError('git-option-injection', `"${redact(spec)}": the ${what} "${redact(part)}" starts with "-" and could be read as a git option; it is refused.`, { hint: HINT });
  }
}
