import { posix } from 'node:path';
import { readFileOrUndefined, type Fs } from '../core/fs.js';
import { memoryCache, type CompiledCache } from '../render/compiled-cache.js';
import type { Template } from '../template/template.js';

/**
 * Compiled Handlebars on disk, one JSON file per template digest: the package ships the built-in
 * templates compiled at build time, and the user's cache keeps what other templates compiled.
 * A cache that cannot be read or written only makes the run slower.
 */
export class CompiledStore {
  private readonly attached: Array<{ template: Template; cache: ReturnType<typeof memoryCache> }> = [];

  constructor(
    private readonly fs: Fs,
    private readonly dirs: { shipped: string; user: string | undefined },
  ) {}

  async attach(template: Template): Promise<Template> {
    let seed: Record<string, string> = {};
    for (const dir of [this.dirs.shipped, this.dirs.user]) {
      if (!dir) continue;
      const bytes = await readFileOrUndefined(this.fs, posix.join(dir, `${template.digest}.json`)).catch(() => undefined);
      if (!bytes) continue;
      try {
        seed = { ...seed, ...(JSON.parse(new TextDecoder().decode(bytes)) as Record<string, string>) };
      } catch {
        // A damaged cache file is ignored and rewritten.
      }
    }
    const own = memoryCache(seed);
    this.attached.push({ template, cache: own });
    // A spec is keyed by its source's content, so another version's spec of an unchanged file is
    // this file's spec: an upgrade compiles only the files the new version changed. Taken over
    // into this version's cache, so the next run that loads only this version has it too.
    const cache: CompiledCache & { added: Record<string, string> } = {
      added: own.added,
      get: (key) => own.get(key) ?? this.fromOtherVersions(key, own),
      set: own.set,
    };
    template.compiled = cache;
    return template;
  }

  private fromOtherVersions(key: string, into: ReturnType<typeof memoryCache>): string | undefined {
    for (const { cache } of this.attached) {
      if (cache === into) continue;
      const spec = cache.get(key);
      if (spec !== undefined) {
        into.set(key, spec);
        return spec;
      }
    }
    return undefined;
  }

  /** Writes what this run compiled into the user's cache; then only the newest files stay. */
  async flush(): Promise<void> {
    if (!this.dirs.user) return;
    let wrote = false;
    for (const { template, cache } of this.attached) {
      if (Object.keys(cache.added).length === 0) continue;
      const file = posix.join(this.dirs.user, `${template.digest}.json`);
      try {
        const existing = await readFileOrUndefined(this.fs, file);
        const merged = { ...(existing ? (JSON.parse(new TextDecoder().decode(existing)) as Record<string, string>) : {}), ...cache.added };
        await this.fs.mkdir(this.dirs.user, { recursive: true });
        const temporary = `${file}.${process.pid}.tmp`;
        await this.fs.writeFile(temporary, JSON.stringify(merged));
        await this.fs.rename(temporary, file);
        wrote = true;
      } catch {
        // No cache this time.
      }
    }
    if (wrote) await pruneCompiled(this.fs, this.dirs.user).catch(() => undefined);
  }
}

/**
 * How many template versions' compiled files stay in the user's cache. Every version a machine
 * renders leaves one (up to a few MB for a large template), and a CI runner or a fleet upgrade
 * goes through many; one that was pruned only costs a compile the next time it is used.
 */
export const KEEP_COMPILED_VERSIONS = 100;

/**
 * After a run wrote to the cache: the newest KEEP_COMPILED_VERSIONS files stay (by the time they
 * were last written), older ones go. Only regular files named as flush() names them are looked
 * at or removed; anything else in the folder (a link, another program's file) is left alone.
 */
async function pruneCompiled(fs: Fs, dir: string): Promise<void> {
  const files: Array<{ path: string; mtime: number }> = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    if (!COMPILED_FILE.test(entry.name) || !entry.isFile()) continue;
    const path = posix.join(dir, entry.name);
    const stat = await fs.lstat(path).catch(() => undefined);
    if (stat?.isFile()) files.push({ path, mtime: stat.mtimeMs ?? 0 });
  }
  files.sort((a, b) => b.mtime - a.mtime);
  for (const { path } of files.slice(KEEP_COMPILED_VERSIONS)) await fs.rm(path, { force: true }).catch(() => undefined);
}

/** `<template digest>.json`, as flush() writes them. */
const COMPILED_FILE = /^[0-9a-f]{64}\.json$/;

/** $XDG_CACHE_HOME/platform/compiled, else ~/.cache/platform/compiled; none if no home. */
export function userCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PLATFORM_NO_CACHE) return undefined;
  const base = env.XDG_CACHE_HOME || (env.HOME ? posix.join(env.HOME, '.cache') : undefined);
  return base ? posix.join(base, 'platform', 'compiled') : undefined;
}
