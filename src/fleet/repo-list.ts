import { posix, resolve } from 'node:path';
import { readInputFile } from '../core/input-file.js';
import { PlatformError, UsageError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { parseGitSpec, redact } from '../sources/spec.js';

/** One line of a `--repos` file: a local folder, or a git repository to clone into the cache. */
export type RepoEntry =
  | { kind: 'path'; path: string; shown: string; line: number }
  | { kind: 'git'; url: string; fetchUrl: string; shown: string; line: number }
  | { kind: 'invalid'; shown: string; line: number; error: PlatformError };

const HINT = 'One repository per line: a local folder (relative to the list file), or a git URL (https://, ssh://, file://, git+…, github:ORG/REPO); `#` starts a comment.';
/** More than this is not a fleet list but an attack on memory. */
export const MAX_REPOS = 100_000;

/**
 * Reads a `--repos FILE`. The file itself must be a regular file of at most 1 MiB (a FIFO or
 * /dev/zero is refused before it is opened). A bad line (an `ext::` URL, one starting with `-`)
 * becomes an `invalid` entry: that repository is reported as refused, the others still run.
 */
export async function readRepoList(fs: Fs, cwd: string, file: string): Promise<RepoEntry[]> {
  const full = resolve(cwd, file);
  const bytes = await readInputFile(fs, full, { kind: 'config', what: 'Repository list', shown: file, followLinks: true, hint: HINT });
  if (!bytes) throw new UsageError('repos-file-missing', `Repository list ${file} does not exist.`, { hint: HINT });
  const base = posix.dirname(full);
  const entries: RepoEntry[] = [];
  const lines = new TextDecoder().decode(bytes).split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const text = raw.replace(/(^|\s)#.*$/, '').trim();
    if (text === '') continue;
    if (entries.length >= MAX_REPOS) {
      throw new UsageError('repos-too-many', `Repository list ${file} names more than ${MAX_REPOS} repositories.`, { where: { file, line: index + 1 }, hint: 'Split it, and run one list per CI job (or use --shard).' });
    }
    entries.push(parseEntry(text, base, index + 1, file));
  }
  return entries;
}

function parseEntry(text: string, base: string, line: number, file: string): RepoEntry {
  const shown = redact(text);
  if (/^[a-z][a-z0-9+.-]*::/i.test(text) || text.startsWith('-')) {
    return { kind: 'invalid', shown, line, error: new UsageError('repo-refused', `${file}:${line}: "${shown}" is refused: a transport command (::) or a leading "-" would reach git as a command or an option.`, { where: { file, line }, hint: HINT }) };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[A-Za-z]:[\\/]/.test(text)) {
    const spec = text.startsWith('git+') || text.startsWith('github:') ? text : `git+${text}`;
    try {
      const parsed = parseGitSpec(spec);
      if (parsed.ref || parsed.subpath) throw new UsageError('repo-url', `${file}:${line}: "${shown}" names a ref or subfolder; give the repository URL only.`, { where: { file, line }, hint: HINT });
      return { kind: 'git', url: parsed.url, fetchUrl: parsed.fetchUrl, shown: parsed.url, line };
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      return { kind: 'invalid', shown, line, error };
    }
  }
  return { kind: 'path', path: resolve(base, text), shown: text, line };
}
