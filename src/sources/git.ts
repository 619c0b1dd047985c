import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { runGit } from '../core/git-process.js';
import { PlatformError, ExitCode, UsageError } from '../core/errors.js';
import { compareVersions, isVersion } from '../template/semver.js';
import { redact, type GitSpec } from './spec.js';
import { isOffline, offlineMissing } from './offline.js';
import { moveIntoCache } from './cache-folder.js';

/**
 * Git for fetching, on top of what runGit always does (no hooks, filters, drivers, ext::, prompts):
 * no submodules, symbolic links checked out as plain files, and `--` before every URL.
 */
const FETCH_CONFIG = [
  'protocol.file.allow=always',
  'core.symlinks=false',
  'submodule.recurse=false',
  'advice.detachedHead=false',
];

export type Env = NodeJS.ProcessEnv;

async function git(env: Env, args: string[], cwd?: string): Promise<string> {
  const result = await runGit(args, { env: { ...env, GIT_PROTOCOL_FROM_USER: '0' }, config: FETCH_CONFIG, ...(cwd !== undefined ? { cwd } : {}) });
  if (result.exitCode !== 0) {
    const detail = redact(String(result.stderr || result.stdout).trim().split('\n').slice(-3).join(' '));
    throw new PlatformError('git-failed', ExitCode.unexpected, `git ${args.find((a) => !a.startsWith('-')) ?? ''} failed: ${detail}`, {
      hint: 'Check the URL, your network and your git credentials (a credential helper or an SSH agent; prompts are off).',
    });
  }
  return String(result.stdout);
}

export interface RemoteRef {
  name: string;
  sha: string;
}

/** refs/tags/* and refs/heads/* of a remote, plus HEAD (the default branch). */
export async function listRemote(env: Env, spec: GitSpec): Promise<{ tags: RemoteRef[]; heads: RemoteRef[]; head: string | undefined }> {
  if (isOffline(env)) return cachedRefs(env, spec);
  const out = await git(env, ['ls-remote', '--', spec.fetchUrl, 'HEAD', 'refs/heads/*', 'refs/tags/*']);
  const tags = new Map<string, string>();
  const heads: RemoteRef[] = [];
  let head: string | undefined;
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (!sha || !ref) continue;
    if (ref === 'HEAD') head = sha;
    else if (ref.startsWith('refs/heads/')) heads.push({ name: ref.slice('refs/heads/'.length), sha });
    else if (ref.startsWith('refs/tags/')) {
      const name = ref.slice('refs/tags/'.length);
      // An annotated tag's commit is NAME^{}; prefer it.
      if (name.endsWith('^{}')) tags.set(name.slice(0, -3), sha);
      else if (!tags.has(name)) tags.set(name, sha);
    }
  }
  return { tags: [...tags].map(([name, sha]) => ({ name, sha })), heads, head };
}

/** The versions a repository's tags offer (vX.Y.Z or X.Y.Z; for a subfolder NAME, its NAME-vX.Y.Z tags if it has any), ascending, each with its tag. */
export function taggedVersions(tags: RemoteRef[], collection: string | undefined): Map<string, RemoteRef> {
  // A collection tagging its templates one by one (NAME-vX.Y.Z) is read by those tags only.
  if (collection && tags.some((t) => t.name.startsWith(`${collection}-v`) && isVersion(t.name.slice(collection.length + 2)))) {
    tags = tags.filter((t) => t.name.startsWith(`${collection}-v`));
  }
  const rank = (tag: string): number => (collection && tag.startsWith(`${collection}-v`) ? 0 : tag.startsWith('v') ? 1 : 2);
  const found = new Map<string, RemoteRef>();
  for (const tag of tags) {
    let version: string | undefined;
    if (collection && tag.name.startsWith(`${collection}-v`)) version = tag.name.slice(collection.length + 2);
    else if (tag.name.startsWith('v')) version = tag.name.slice(1);
    else version = tag.name;
    if (!isVersion(version)) continue;
    const had = found.get(version);
    if (!had || rank(tag.name) < rank(had.name)) found.set(version, tag);
  }
  return new Map([...found].sort(([a], [b]) => compareVersions(a, b)));
}

/** $PLATFORM_CACHE_DIR, else $XDG_CACHE_HOME/platform, else ~/.cache/platform. */
export function cacheRoot(env: Env): string {
  if (env.PLATFORM_CACHE_DIR) return env.PLATFORM_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'platform');
}

/**
 * A checkout of one ref (a branch or tag name, or a full commit) of the repository, in the cache:
 * sources/<sha256 of url>/<ref>-<commit> (files only, no .git). Reused when present; written by
 * rename, so never half there.
 */
export async function checkout(env: Env, spec: GitSpec, ref: RemoteRef | { name: undefined; sha: string }): Promise<string> {
  const base = join(cacheRoot(env), 'sources', createHash('sha256').update(spec.url).digest('hex'));
  const label = ref.name === undefined ? ref.sha : `${ref.name.replace(/[^A-Za-z0-9._+-]/g, '_')}-${ref.sha.slice(0, 12)}`;
  const dir = join(base, label);
  if (fs.existsSync(dir)) return dir;
  if (isOffline(env)) throw offlineMissing(`${spec.url} at ${ref.name ?? ref.sha}`);
  fs.mkdirSync(base, { recursive: true });
  const temp = fs.mkdtempSync(join(base, '.tmp-'));
  try {
    if (ref.name !== undefined) {
      await git(env, ['clone', '--quiet', '--depth', '1', '--branch', ref.name, '--no-tags', '--no-recurse-submodules', '--', spec.fetchUrl, temp]);
    } else {
      await git(env, ['init', '--quiet', '--', temp]);
      await git(env, ['fetch', '--quiet', '--depth', '1', '--no-tags', '--no-recurse-submodules', '--', spec.fetchUrl, ref.sha], temp);
      await git(env, ['checkout', '--quiet', '--detach', 'FETCH_HEAD'], temp);
    }
    // Only the files are kept: no .git, so no remote URL (nor a credential in it) on disk.
    fs.rmSync(join(temp, '.git'), { recursive: true, force: true });
    moveIntoCache(temp, dir);
  } catch (error) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return dir;
}

/**
 * --offline: the refs already checked out in the cache (<ref>-<commit12> folders), offered as
 * both branches and tags; there is no default branch offline.
 */
function cachedRefs(env: Env, spec: GitSpec): { tags: RemoteRef[]; heads: RemoteRef[]; head: string | undefined } {
  const base = join(cacheRoot(env), 'sources', createHash('sha256').update(spec.url).digest('hex'));
  const refs: RemoteRef[] = [];
  for (const entry of fs.existsSync(base) ? fs.readdirSync(base) : []) {
    const m = /^(.+)-([0-9a-f]{12})$/.exec(entry);
    if (m && !entry.startsWith('.')) refs.push({ name: m[1]!, sha: m[2]! });
  }
  if (refs.length === 0) throw offlineMissing(`${spec.url} (nothing of it)`);
  return { tags: refs, heads: refs, head: undefined };
}

/** Which ref a #REF names: a branch or tag of the remote, or a full commit id. */
export function resolveRef(name: string, remote: { tags: RemoteRef[]; heads: RemoteRef[] }, url: string): RemoteRef | { name: undefined; sha: string } {
  const found = remote.heads.find((h) => h.name === name) ?? remote.tags.find((t) => t.name === name);
  if (found) return found;
  if (/^[0-9a-f]{40}$/.test(name)) return { name: undefined, sha: name };
  throw new UsageError('git-ref-unknown', `${url} has no branch or tag "${name}".`, {
    hint: /^[0-9a-f]{4,39}$/.test(name) ? 'Give a commit as its full 40-character id.' : `Tags there: ${remote.tags.map((t) => t.name).slice(-10).join(', ') || 'none'}.`,
  });
}
