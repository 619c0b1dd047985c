import { posix } from 'node:path';
import { PlatformError, UsageError } from '../core/errors.js';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { assertNoLinkedParent, readTarget } from '../core/target.js';
import { MAX_INPUT_BYTES } from '../core/yaml-source.js';
import { parseLockfile, recordedHash, sha256, type Lockfile } from '../lock/lockfile.js';
import { isText } from '../merge/conflict.js';
import { LOCKFILE_NAME, STAGING_DIR } from '../render/paths.js';
import { compareVersions } from '../template/semver.js';
import { unmergedFromIndex } from './git-index.js';
import { readLockfileHistory, readOnlyGit, type LockfileRevision } from './history.js';

/** One component of one repository, as the fleet report shows it. */
export interface ComponentStatus {
  name: string;
  version: string;
  source: string;
  /** The newest version its own source offers; undefined when the source could not be read. */
  latest: string | undefined;
  /** How many released versions lie between this one and the latest (0: up to date). */
  behind: number;
  /** Owned files whose bytes differ from the recorded hash (or are gone); undefined unless --check-drift. */
  driftedOwned: string[] | undefined;
  /** Files of this component with an open conflict. */
  conflicts: string[];
  /** The lockfile says its hooks did not run, or failed. */
  hooks: 'pending' | 'failed' | undefined;
}

export interface RepoError {
  code: string;
  message: string;
  hint?: string;
}

/** One repository (one lockfile: a monorepo gives one per service folder). */
export interface RepoStatus {
  /** How the report names it: a path relative to where the command ran, or a URL. */
  repo: string;
  /** Where it was read on disk. */
  path: string;
  cli: string | undefined;
  /** Date of the last commit that changed the lockfile (ISO), if the repository is in git. */
  lockfileChanged: string | undefined;
  components: ComponentStatus[];
  /** Open conflicts anywhere in the repository's template files: unmerged in git's index, markers, .rej, .platform-new. */
  conflicts: string[];
  /** An upgrade was interrupted half way (its staging folder is there). */
  interrupted: boolean;
  history: LockfileRevision[];
  /** Set when the repository could not be read: the other fields are empty then. */
  error: RepoError | undefined;
}

export interface StatusOptions {
  checkDrift: boolean;
  history: boolean;
  /** The environment git runs with (location and command variables are dropped from it). */
  env: Readonly<Record<string, string | undefined>>;
  /** The versions a component's source offers, ascending (memoised by the caller); [] when unknown. */
  versions(name: string, source: string): Promise<string[]>;
}

const decoder = new TextDecoder();

/**
 * The status of one repository, from its lockfile (read through the checked door: a link, a
 * FIFO or a huge file is refused), the lockfile's git history, git's index and a directory
 * listing per template folder. File contents are read only with --check-drift. Never throws: a
 * repository that cannot be read is a status with an error, so one hostile repository never
 * stops the report.
 */
export async function readRepoStatus(fs: Fs, root: string, repo: string, options: StatusOptions): Promise<RepoStatus> {
  const status: RepoStatus = { repo, path: root, cli: undefined, lockfileChanged: undefined, components: [], conflicts: [], interrupted: false, history: [], error: undefined };
  try {
    const bytes = await readTarget(fs, root, LOCKFILE_NAME, { what: 'the repository' }, { lockfile: true, maxBytes: MAX_INPUT_BYTES.lockfile });
    if (!bytes) throw new UsageError('no-lockfile', `${LOCKFILE_NAME} is gone from ${repo}.`, { hint: 'It was removed while the report ran; run it again.' });
    const lock = parseLockfile(decoder.decode(bytes), posix.join(repo, LOCKFILE_NAME));
    status.cli = lock.cli?.version;
    status.interrupted = (await statOrUndefined(fs, posix.join(root, STAGING_DIR))) !== undefined;
    const text = decoder.decode(bytes);
    const [history, leftovers] = await Promise.all([options.history ? readLockfileHistory(root, options.env) : Promise.resolve(undefined), conflictLeftovers(fs, root, lock)]);
    // An upgrade always rewrites the lockfile, so conflicts it left in git's index come with an
    // uncommitted lockfile: when the lockfile is the committed one, that git call is saved.
    const unmerged = options.checkDrift || history?.committed !== text ? await unmergedPaths(fs, root, options.env) : [];
    status.history = history?.revisions ?? [];
    status.lockfileChanged = status.history.at(-1)?.date;
    const conflicts = new Set([...unmerged, ...leftovers]);
    for (const locked of lock.templates) {
      const versions = await options.versions(locked.name, locked.source);
      const latest = versions.at(-1);
      const component: ComponentStatus = {
        name: locked.name,
        version: locked.version,
        source: locked.source,
        latest,
        behind: versions.filter((v) => compareVersions(v, locked.version) > 0).length,
        driftedOwned: options.checkDrift ? [] : undefined,
        conflicts: [],
        hooks: locked.hooks,
      };
      for (const [path, file] of Object.entries(locked.files)) {
        if (options.checkDrift) {
          const content = await readTarget(fs, root, path, { what: `the files of ${locked.name} in ${LOCKFILE_NAME}` });
          const hash = recordedHash(file);
          if (file.policy === 'owned' && (!content || (hash !== undefined && sha256(content) !== hash))) component.driftedOwned!.push(path);
          if (content && isText(content) && hasConflictMarkers(decoder.decode(content))) conflicts.add(path);
        }
        if (conflicts.has(path)) component.conflicts.push(path);
      }
      status.components.push(component);
    }
    status.conflicts = [...conflicts].sort();
  } catch (error) {
    status.components = [];
    status.error = error instanceof PlatformError ? { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } : { code: 'internal', message: `Could not read this repository: ${error instanceof Error ? error.message : String(error)}` };
  }
  return status;
}

/** A `<<<<<<< ` line followed later by a `>>>>>>> ` line; two linear scans, never a backtracking regex. */
function hasConflictMarkers(text: string): boolean {
  const open = /^<<<<<<< /m.exec(text);
  return open !== null && /^>>>>>>> /m.test(text.slice(open.index));
}

/** Paths git's index holds as unmerged (stages 1-3), relative to root; none outside git. Read from the index file where it can be, else asked of git. */
async function unmergedPaths(fs: Fs, root: string, env: StatusOptions['env']): Promise<string[]> {
  const read = await unmergedFromIndex(fs, root).catch(() => undefined);
  if (read) return read;
  const result = await readOnlyGit(root, ['ls-files', '-u', '-z', '--', '.'], env).catch(() => undefined);
  if (!result || result.exitCode !== 0) return [];
  const paths = new Set<string>();
  for (const entry of result.stdout.split('\0')) {
    const tab = entry.indexOf('\t');
    if (tab > 0) paths.add(entry.slice(tab + 1));
  }
  return [...paths];
}

/**
 * Lockfile files with a `FILE.rej` (upgrade --conflict reject) or `FILE.platform-new` beside
 * them: one listing per folder of template files, not one stat per file.
 */
async function conflictLeftovers(fs: Fs, root: string, lock: Lockfile): Promise<string[]> {
  const byFolder = new Map<string, Set<string>>();
  for (const template of lock.templates) {
    for (const path of Object.keys(template.files)) {
      const folder = posix.dirname(path);
      let names = byFolder.get(folder);
      if (!names) byFolder.set(folder, (names = new Set()));
      names.add(posix.basename(path));
    }
  }
  const found: string[] = [];
  for (const [folder, names] of byFolder) {
    if (folder !== '.' && !(await assertNoLinkedParent(fs, root, `${folder}/x`, { what: `the files in ${LOCKFILE_NAME}` }))) continue;
    let entries;
    try {
      entries = await fs.readdir(posix.join(root, folder), { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const base = entry.name.endsWith('.rej') ? entry.name.slice(0, -4) : entry.name.endsWith('.platform-new') ? entry.name.slice(0, -'.platform-new'.length) : undefined;
      if (base !== undefined && names.has(base)) found.push(folder === '.' ? base : `${folder}/${base}`);
    }
  }
  return found;
}
