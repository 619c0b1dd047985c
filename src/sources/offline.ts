import { UsageError } from '../core/errors.js';

/** PLATFORM_OFFLINE=1 (set by --offline): templates come from the per-user cache only. */
export function isOffline(env: NodeJS.ProcessEnv): boolean {
  const value = env.PLATFORM_OFFLINE;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/** The exit-2 error when --offline needs something the cache does not hold. */
export function offlineMissing(what: string): UsageError {
  return new UsageError('offline-not-cached', `--offline: ${what} is not in the cache.`, {
    hint: 'Run once without --offline to fetch it into the cache (PLATFORM_CACHE_DIR, else $XDG_CACHE_HOME/platform).',
  });
}
