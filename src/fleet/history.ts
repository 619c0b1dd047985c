import { runGitDirect } from '../core/git-process.js';
import { MAX_INPUT_BYTES } from '../core/yaml-source.js';
import { parseLockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';

/** One commit that changed a repository's `.platform.yaml`: when, and each component's version after it. */
export interface LockfileRevision {
  commit: string;
  /** Committer date, ISO 8601. */
  date: string;
  /** Component name -> version; empty when that revision could not be read (it is skipped for adoption). */
  versions: Record<string, string>;
}

export interface LockfileHistory {
  revisions: LockfileRevision[];
  /** The lockfile's text in the newest commit that touched it (to tell whether the disk differs). */
  committed: string | undefined;
}

/** More revisions of one lockfile than this are not read (the newest ones are kept). */
export const MAX_REVISIONS = 500;
const MAX_REVISION_CHARS = MAX_INPUT_BYTES.lockfile / 16;

/**
 * Read-only git on a fleet repository, as `git -C ROOT …` from the process's own folder. Spawning
 * git is most of the cost of a fleet report (a spawn per call per repository): these calls go
 * through runGitDirect (node:child_process, a third of execa's per-call cost), and skip runGit's
 * per-folder look-up of the repository's filter/diff/merge drivers (it would double the spawns).
 * So they run only commands that cannot start any driver or program whatever the repository's
 * config says: `log` with --no-ext-diff, --no-textconv and --no-show-signature (no gpg) and
 * `ls-files`. Every call still switches off hooks, fsmonitor, the pager and the rest.
 */
export function readOnlyGit(root: string, args: string[], env: Readonly<Record<string, string | undefined>>): ReturnType<typeof runGitDirect> {
  return runGitDirect(['-C', root, ...args], { env, config: ['log.showSignature=false', 'core.quotePath=false'] });
}

/**
 * The history of the lockfile in `root`, oldest first, from ONE git call whatever its length:
 * `git log -p` with a context so large that each revision's diff holds the whole new file. A
 * revision too large or not a valid lockfile counts as a change with no versions. Not a git
 * repository (or git missing): an empty history, never an error.
 */
export async function readLockfileHistory(root: string, env: Readonly<Record<string, string | undefined>>): Promise<LockfileHistory> {
  const log = await readOnlyGit(root, [
    'log', `--max-count=${MAX_REVISIONS}`, '--no-renames', '--no-ext-diff', '--no-textconv', '--no-show-signature', '--no-color',
    '--format=%x01%H %cI', '-p', '--unified=100000000', '--', LOCKFILE_NAME,
  ], env).catch(() => undefined);
  if (!log || log.exitCode !== 0) return { revisions: [], committed: undefined };
  const revisions: LockfileRevision[] = [];
  let committed: string | undefined;
  for (const [index, chunk] of log.stdout.split('\x01').slice(1).entries()) {
    const eol = chunk.indexOf('\n');
    const [commit, date] = chunk.slice(0, eol < 0 ? undefined : eol).split(' ');
    if (!commit || !date || Number.isNaN(Date.parse(date))) continue;
    const text = newSide(eol < 0 ? '' : chunk.slice(eol + 1));
    if (index === 0) committed = text;
    revisions.push({ commit, date: new Date(date).toISOString(), versions: versionsOf(text, commit) });
  }
  return { revisions: revisions.reverse(), committed };
}

/** The file after the commit, from a diff whose one hunk spans the whole file; undefined when deleted or binary. */
export function newSide(diff: string): string | undefined {
  const hunk = diff.indexOf('\n@@ ');
  if (hunk < 0) return undefined;
  const lines = diff.slice(diff.indexOf('\n', hunk + 1) + 1).split('\n');
  const out: string[] = [];
  let finalNewline = true;
  let last: string | undefined;
  for (const line of lines) {
    if (line.startsWith('+') || line.startsWith(' ')) {
      out.push(line.slice(1));
      last = line[0];
    } else if (line.startsWith('\\')) {
      // "\ No newline at end of file" after the new side's last line.
      if (last === '+' || last === ' ') finalNewline = false;
    } else if (line.startsWith('-')) {
      last = '-';
    }
  }
  if (out.length === 0) return undefined;
  return out.join('\n') + (finalNewline ? '\n' : '');
}

/**
 * The lockfile as this CLI writes it (`  - name: X` then `    version: Y` for each template) is
 * read by one linear scan; anything else (hand-edited, flow style) goes through the full parser.
 */
function quickVersions(text: string): Record<string, string> | undefined {
  if (!/^templates:\n/m.test(text)) return undefined;
  const items = text.match(/^ {2}- /gm)?.length ?? 0;
  const found: Record<string, string> = {};
  let count = 0;
  for (const m of text.matchAll(/^ {2}- name: ([a-z0-9][a-z0-9-]{0,63})\n {4}version: ([0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]{1,64})?)\n/gm)) {
    found[m[1]!] = m[2]!;
    count++;
  }
  return count > 0 && count === items && /^schemaVersion: 1$/m.test(text) ? found : undefined;
}

function versionsOf(text: string | undefined, commit: string): Record<string, string> {
  if (text === undefined || text.length > MAX_REVISION_CHARS) return {};
  const quick = quickVersions(text);
  if (quick) return quick;
  try {
    const lock = parseLockfile(text, `${LOCKFILE_NAME} at ${commit.slice(0, 12)}`);
    return Object.fromEntries(lock.templates.map((t) => [t.name, t.version]));
  } catch {
    return {};
  }
}
