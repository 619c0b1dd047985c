import { posix, relative } from 'node:path';
import { PlatformError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import type { Catalog } from '../sources/catalog.js';
import { changelogDate, computeAdoption, type Adoption } from './adoption.js';
import { cloneIntoCache } from './clone.js';
import { discoverRoots } from './discovery.js';
import { mapPool } from './pool.js';
import type { RepoEntry } from './repo-list.js';
import { readRepoStatus, type RepoError, type RepoStatus } from './repo-status.js';

export interface FleetStatusOptions {
  folders: string[];
  repos: RepoEntry[];
  checkDrift: boolean;
  history: boolean;
  since: Date | undefined;
  concurrency: number;
  /** Called as each repository is read (progress on a terminal). */
  onRepo?(done: number): void;
}

export interface FleetTotals {
  repositories: number;
  unreadable: number;
  components: number;
  upToDate: number;
  behind: number;
  driftedOwned: number | undefined;
  withConflicts: number;
  hooksPendingOrFailed: number;
}

export interface FleetReport {
  generatedAt: string;
  totals: FleetTotals;
  repos: RepoStatus[];
  adoption: Adoption;
  warnings: string[];
}

interface Found {
  root: string;
  repo: string;
  error?: RepoError;
}

/**
 * platform fleet status: every repository found under the folders and in the list, read by a
 * bounded pool (lockfiles and their history only, unless drift is asked for), then the
 * adoption figures over the whole set.
 */
export async function fleetStatus(ctx: { fs: Fs; env: NodeJS.ProcessEnv; cwd: string }, catalog: Catalog, options: FleetStatusOptions): Promise<FleetReport> {
  const warnings: string[] = [];
  const versions = memoVersions(catalog, warnings);
  const display = (root: string): string => relative(ctx.cwd, root) || '.';
  const since = options.since ?? new Date(Date.now() - 2 * 365 * 86_400_000);

  async function* found(): AsyncGenerator<Found> {
    yield* mapRoots(discoverRoots(ctx.fs, options.folders.map((f) => posix.resolve(ctx.cwd, f))), display);
    for (const entry of options.repos) {
      if (entry.kind === 'invalid') {
        yield { root: '', repo: entry.shown, error: asRepoError(entry.error) };
      } else if (entry.kind === 'path') {
        yield* mapRoots(discoverRoots(ctx.fs, [entry.path]), display, entry.shown);
      } else {
        let dir: string;
        try {
          dir = await cloneIntoCache(ctx.env, entry, since);
        } catch (error) {
          yield { root: '', repo: entry.shown, error: asRepoError(error) };
          continue;
        }
        yield* mapRoots(discoverRoots(ctx.fs, [dir]), (root) => (root === dir ? entry.url : `${entry.url}//${posix.relative(dir, root)}`), entry.shown);
      }
    }
  }

  let done = 0;
  const seen = new Set<string>();
  const repos = (
    await mapPool(found(), options.concurrency, async (item) => {
      if (item.error || seen.has(item.root)) return item.error ? errored(item.repo, item.error) : undefined;
      seen.add(item.root);
      return readRepoStatus(ctx.fs, item.root, item.repo, { checkDrift: options.checkDrift, history: options.history, env: ctx.env, versions });
    }, () => options.onRepo?.(++done))
  ).filter((r): r is RepoStatus => r !== undefined);

  const dates = await releaseDates(catalog, repos);
  return { generatedAt: new Date().toISOString(), totals: totalsOf(repos, options.checkDrift), repos, adoption: computeAdoption(repos, dates, options.since), warnings };
}

async function* mapRoots(roots: AsyncIterable<string>, name: (root: string) => string, listed?: string): AsyncGenerator<Found> {
  let any = false;
  for await (const root of roots) {
    any = true;
    yield { root, repo: name(root) };
  }
  if (!any && listed !== undefined) yield { root: '', repo: listed, error: { code: 'no-lockfile', message: `No .platform.yaml in ${listed} or below it.`, hint: 'Check the path in the repository list, or adopt the golden path there with `platform add`.' } };
}

function errored(repo: string, error: RepoError): RepoStatus {
  return { repo, path: '', cli: undefined, lockfileChanged: undefined, components: [], conflicts: [], interrupted: false, history: [], error };
}

function asRepoError(error: unknown): RepoError {
  if (error instanceof PlatformError) return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  return { code: 'internal', message: error instanceof Error ? error.message : String(error) };
}

/** Each (component, source) asked once per run; a source that cannot be read is a warning, and "latest unknown". */
function memoVersions(catalog: Catalog, warnings: string[]): (name: string, source: string) => Promise<string[]> {
  const memo = new Map<string, Promise<string[]>>();
  return (name, source) => {
    const key = `${name}\0${source}`;
    let found = memo.get(key);
    if (!found) {
      found = catalog.versions(name, source).catch((error: unknown) => {
        warnings.push(`Latest version of ${name} from ${source} unknown: ${error instanceof Error ? error.message : String(error)}`);
        return [];
      });
      memo.set(key, found);
    }
    return found;
  };
}

/** Release dates from each version's CHANGELOG heading, where the template gives one. */
async function releaseDates(catalog: Catalog, repos: readonly RepoStatus[]): Promise<Map<string, string>> {
  const wanted = new Map<string, { name: string; version: string; source: string }>();
  for (const repo of repos) {
    for (const c of repo.components) {
      for (const version of new Set([c.version, ...repo.history.map((r) => r.versions[c.name]).filter((v): v is string => v !== undefined)])) {
        wanted.set(`${c.name}@${version}`, { name: c.name, version, source: c.source });
      }
    }
  }
  const dates = new Map<string, string>();
  for (const [key, w] of wanted) {
    const template = await catalog.load(`${w.name}@${w.version}`, w.source).catch(() => undefined);
    const date = changelogDate(template?.changelog, w.version);
    if (date) dates.set(key, date);
  }
  return dates;
}

function totalsOf(repos: readonly RepoStatus[], checkDrift: boolean): FleetTotals {
  const components = repos.flatMap((r) => r.components);
  return {
    repositories: repos.length,
    unreadable: repos.filter((r) => r.error).length,
    components: components.length,
    upToDate: components.filter((c) => c.latest !== undefined && c.behind === 0).length,
    behind: components.filter((c) => c.behind > 0).length,
    driftedOwned: checkDrift ? repos.filter((r) => r.components.some((c) => (c.driftedOwned?.length ?? 0) > 0)).length : undefined,
    withConflicts: repos.filter((r) => r.conflicts.length > 0).length,
    hooksPendingOrFailed: repos.filter((r) => r.components.some((c) => c.hooks)).length,
  };
}
