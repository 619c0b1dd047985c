import { posix } from 'node:path';
import { z } from 'zod';
import { UnsafeError } from '../core/errors.js';
import { type Fs, statOrUndefined } from '../core/fs.js';
import { assertSafeRelative } from '../core/target.js';
import { STAGING_DIR, findCollision } from '../render/paths.js';

/**
 * The recovery journal in `.platform-staging/journal.json`: what an interrupted run was moving.
 * It lives in the repository, so anyone who can commit can forge one: it is replayed only when
 * it is exactly what this CLI writes, for this root, with paths that pass the path checks.
 */
export const JOURNAL_FILE = 'journal.json';
/** 2: the journal records its root (a version 1 journal cannot prove where it was written). */
export const JOURNAL_VERSION = 2;
/** Far above any real run (one short entry per file); a bigger journal.json is not ours. */
export const MAX_JOURNAL_BYTES = 16 * 1024 * 1024;

const journalSchema = z.strictObject({
  version: z.literal(JOURNAL_VERSION),
  root: z.string(),
  pid: z.number().int().positive(),
  createdRoot: z.boolean(),
  /** Folders the run creates, parents first, relative to root. */
  createdDirs: z.array(z.string()),
  entries: z.array(
    z.strictObject({
      path: z.string(),
      /** Staged new content, under the staging folder (`new-N`); absent for a removal. */
      staged: z.string().optional(),
      /** Where the previous file goes while the run is in flight (`old-N`). */
      backup: z.string(),
    }),
  ),
});
export type Journal = z.infer<typeof journalSchema>;
export type JournalEntry = Journal['entries'][number];

/** What a staging folder holds: nothing, left-overs without a journal, or a journal to replay. */
export type StagingState = { kind: 'none' } | { kind: 'leftovers' } | { kind: 'journal'; journal: Journal };

export function stagingPath(root: string): string {
  return posix.join(root, STAGING_DIR);
}

/**
 * Reads and checks the staging folder of root without changing anything. A journal this CLI did
 * not write for this root is refused (exit 5): never replayed, nothing deleted because of it.
 */
export async function readStaging(fs: Fs, root: string): Promise<StagingState> {
  const staging = stagingPath(root);
  const folder = await statOrUndefined(fs, staging);
  if (!folder) return { kind: 'none' };
  if (!folder.isDirectory()) return refuse(root, folder.isSymbolicLink() ? `${STAGING_DIR} is a symbolic link` : `${STAGING_DIR} is not a folder`);
  const file = posix.join(staging, JOURNAL_FILE);
  const stat = await statOrUndefined(fs, file);
  if (!stat) return { kind: 'leftovers' };
  if (!stat.isFile()) return refuse(root, `${JOURNAL_FILE} is not a regular file`);
  if (stat.size > MAX_JOURNAL_BYTES) return refuse(root, `${JOURNAL_FILE} is ${stat.size} bytes, more than any run writes`);
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await fs.readFile(file)));
  } catch {
    return refuse(root, `${JOURNAL_FILE} is not valid JSON`);
  }
  const parsed = journalSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return refuse(root, `${issue.path.join('.') || 'the journal'}: ${issue.message}${issue.path[0] === 'version' ? ' (unknown journal version)' : ''}`);
  }
  const journal = parsed.data;
  if (journal.root !== root) return refuse(root, `it was written for ${JSON.stringify(journal.root)}`);
  checkJournalPaths(journal, root);
  return { kind: 'journal', journal };
}

/** Every entry: a safe path, and staged/backup names that are the ones this CLI gives (new-N, old-N). */
function checkJournalPaths(journal: Journal, root: string): void {
  const origin = { what: `the recovery journal in ${STAGING_DIR}` };
  try {
    for (const [index, entry] of journal.entries.entries()) {
      assertSafeRelative(entry.path, origin, { lockfile: true });
      if (entry.backup !== `old-${index}`) refuse(root, `entry ${index} keeps its backup in ${JSON.stringify(entry.backup)}, not old-${index}`);
      if (entry.staged !== undefined && entry.staged !== `new-${index}`) refuse(root, `entry ${index} stages into ${JSON.stringify(entry.staged)}, not new-${index}`);
    }
    for (const dir of journal.createdDirs) assertSafeRelative(dir, origin);
    const collision = findCollision(journal.entries.map((e) => e.path));
    if (collision) refuse(root, `it lists ${collision[0]} and ${collision[1]}, one file on some file systems`);
  } catch (error) {
    // A path refused by the path checks: say it is the journal that is refused, and what to do.
    if (error instanceof UnsafeError && error.code === 'unsafe-path') refuse(root, error.message);
    throw error;
  }
}

function refuse(root: string, reason: string): never {
  const staging = stagingPath(root);
  throw new UnsafeError('journal-untrusted', `${staging} holds a recovery journal this CLI did not write for ${root}: ${reason}. Nothing was replayed or deleted.`, {
    hint: `Inspect ${staging} yourself (it may hold copies of your files), delete it, then run the command again.`,
  });
}

export function serializeJournal(journal: Journal): string {
  return JSON.stringify(journal);
}
