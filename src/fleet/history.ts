import { runGit } from '../core/git-process.js';
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

/** More revisions of one lockfile than this are not read (the newest ones are kept). */
export const MAX_REVISIONS = 500;

/**
 * The history of the lockfile in `root`, oldest first, from two git calls whatever its length:
 * `git log --raw` (commit, date, blob of each revision) and one `git cat-file --batch` for the
 * blobs. A revision too large or not a valid lockfile counts as a change with no versions. Not a
 * git repository (or git missing): an empty history, never an error.
 */
export async function readLockfileHistory(root: string): Promise<LockfileRevision[]> {
  const log = await runGit(['log', `--max-count=${MAX_REVISIONS}`, '--no-renames', '--format=%x01%H %cI', '--raw', '--no-abbrev', '--', LOCKFILE_NAME], { cwd: root }).catch(() => undefined);
  if (!log || log.exitCode !== 0) return [];
  const revisions: Array<{ commit: string; date: string; blob: string | undefined }> = [];
  for (const chunk of log.stdout.split('\x01').slice(1)) {
    const [head, ...rest] = chunk.split('\n');
    const [commit, date] = (head ?? '').split(' ');
    if (!commit || !date) continue;
    // ":100644 100644 OLD NEW M\t.platform.yaml": the new blob; all zeros when the file was deleted.
    const raw = rest.find((l) => l.startsWith(':'));
    const blob = raw?.split(/\s+/)[3];
    revisions.push({ commit, date: new Date(date).toISOString(), blob: blob && !/^0+$/.test(blob) ? blob : undefined });
  }
  revisions.reverse();
  const texts = await readBlobs(root, revisions.flatMap((r) => (r.blob ? [r.blob] : [])));
  return revisions.map((r) => ({ commit: r.commit, date: r.date, versions: versionsOf(r.blob ? texts.get(r.blob) : undefined, r.commit) }));
}

/** Sizes first (batch-check), then only the blobs small enough to be a lockfile. */
async function readBlobs(root: string, blobs: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(blobs)];
  const out = new Map<string, string>();
  if (unique.length === 0) return out;
  const check = await runGit(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { cwd: root, input: `${unique.join('\n')}\n` });
  if (check.exitCode !== 0) return out;
  const wanted = check.stdout.split('\n').map((l) => l.split(' ')).filter(([, type, size]) => type === 'blob' && Number(size) <= MAX_INPUT_BYTES.lockfile / 16).map(([name]) => name!);
  if (wanted.length === 0) return out;
  const batch = await runGit(['cat-file', '--batch'], { cwd: root, input: `${wanted.join('\n')}\n`, stripFinalNewline: false });
  if (batch.exitCode !== 0) return out;
  // "<sha> blob <size>\n<bytes>\n", repeated; sizes are in bytes.
  const bytes = batch.stdoutBytes;
  const decoder = new TextDecoder();
  let at = 0;
  while (at < bytes.length) {
    const eol = bytes.indexOf(10, at);
    if (eol < 0) break;
    const [name, , size] = decoder.decode(bytes.subarray(at, eol)).split(' ');
    const length = Number(size);
    if (!name || !Number.isSafeInteger(length)) break;
    out.set(name, decoder.decode(bytes.subarray(eol + 1, eol + 1 + length)));
    at = eol + 1 + length + 1;
  }
  return out;
}

function versionsOf(text: string | undefined, commit: string): Record<string, string> {
  if (text === undefined) return {};
  try {
    const lock = parseLockfile(text, `${LOCKFILE_NAME} at ${commit.slice(0, 12)}`);
    return Object.fromEntries(lock.templates.map((t) => [t.name, t.version]));
  } catch {
    return {};
  }
}
