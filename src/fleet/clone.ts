import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ExitCode, PlatformError } from '../core/errors.js';
import { runGit } from '../core/git-process.js';
import { moveIntoCache } from '../sources/cache-folder.js';
import { cacheRoot } from '../sources/git.js';
import { isOffline, offlineMissing } from '../sources/offline.js';
import { redact } from '../sources/spec.js';

/** On top of runGit's own switches: no submodules, links checked out as plain files. */
const CLONE_CONFIG = ['protocol.file.allow=always', 'core.symlinks=false', 'submodule.recurse=false', 'advice.detachedHead=false'];

async function git(args: string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<void> {
  const result = await runGit(args, { env: { ...env, GIT_PROTOCOL_FROM_USER: '0' }, config: CLONE_CONFIG, ...(cwd ? { cwd } : {}) });
  if (result.exitCode !== 0) {
    throw new PlatformError('git-failed', ExitCode.unexpected, `git ${args[0]} failed: ${redact(result.stderr.trim().split('\n').slice(-2).join(' '))}`, {
      hint: 'Check the URL, your network and your git credentials (a credential helper or an SSH agent; prompts are off), or use --offline with a filled cache.',
    });
  }
}

/**
 * A fleet repository named by URL, cloned into the cache (`$PLATFORM_CACHE_DIR/fleet/<sha256 of
 * url>`): the default branch only, no tags, no submodules, shallow from `since` on (the history
 * the adoption report needs, no more). The next run fetches into it; `--offline` uses it as is.
 * The credential-free URL is what stays in its git config.
 */
export async function cloneIntoCache(env: NodeJS.ProcessEnv, entry: { url: string; fetchUrl: string }, since: Date): Promise<string> {
  const base = join(cacheRoot(env), 'fleet');
  const dir = join(base, createHash('sha256').update(entry.url).digest('hex').slice(0, 32));
  const shallow = `--shallow-since=${since.toISOString().slice(0, 10)}`;
  if (fs.existsSync(join(dir, '.git'))) {
    if (isOffline(env)) return dir;
    await git(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', shallow, '--', entry.fetchUrl, 'HEAD'], env, dir).catch(() =>
      git(['fetch', '--quiet', '--no-tags', '--no-recurse-submodules', '--depth=1', '--', entry.fetchUrl, 'HEAD'], env, dir),
    );
    await git(['checkout', '--quiet', '--force', '--detach', 'FETCH_HEAD'], env, dir);
    return dir;
  }
  if (isOffline(env)) throw offlineMissing(entry.url);
  fs.mkdirSync(base, { recursive: true });
  const temp = fs.mkdtempSync(join(base, '.tmp-'));
  try {
    const clone = (depth: string): Promise<void> => git(['clone', '--quiet', '--single-branch', '--no-tags', '--no-recurse-submodules', depth, '--', entry.fetchUrl, temp], env);
    // No commit since that date: the newest one alone.
    await clone(shallow).catch(async () => {
      fs.rmSync(temp, { recursive: true, force: true });
      fs.mkdirSync(temp);
      await clone('--depth=1');
    });
    await git(['remote', 'set-url', 'origin', entry.url], env, temp);
    moveIntoCache(temp, dir);
  } catch (error) {
    fs.rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  return dir;
}
