/**
 * Answers a git remote gives away: the repository's web URL and, on GitHub, its organisation's
 * container registry. The remote URL comes from the repository's git config, which is hostile
 * input: only a plain https, ssh or scp-like URL of a named host with simple path segments is
 * read; credentials, ports and `.git` are dropped; anything else gives nothing (never a guess).
 */

/** A remote URL longer than this is no remote a person typed. */
const MAX_REMOTE = 512;
const HOST = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+';
const PATH = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}(?:/[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}){1,9}';
const FORMS = [
  // https://[user[:password]@]host[:port]/path[.git][/]
  new RegExp(`^(?:git\\+)?https://(?:[^@/\\s]{1,200}@)?(${HOST})(?::[0-9]{1,5})?/(${PATH})/?$`),
  // ssh://[user@]host[:port]/path[.git]
  new RegExp(`^(?:git\\+)?ssh://(?:[A-Za-z0-9._-]{1,64}@)?(${HOST})(?::[0-9]{1,5})?/(${PATH})/?$`),
  // user@host:path[.git] (scp-like)
  new RegExp(`^[A-Za-z0-9._-]{1,64}@(${HOST}):(${PATH})/?$`),
];

export interface RemoteAnswers {
  /** https://HOST/PATH, without credentials or `.git`. */
  repoUrl: string;
  /** ghcr.io/ORG for a github.com remote (GHCR names are lower-case); undefined elsewhere. */
  registry?: string;
}

export function answersFromRemote(url: string | undefined): RemoteAnswers | undefined {
  if (url === undefined) return undefined;
  const text = url.trim();
  if (text.length === 0 || text.length > MAX_REMOTE) return undefined;
  for (const form of FORMS) {
    const match = form.exec(text);
    if (!match) continue;
    const host = match[1]!.toLowerCase();
    const path = match[2]!.replace(/\.git$/, '');
    const segments = path.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return undefined;
    const repoUrl = `https://${host}/${path}`;
    return host === 'github.com' ? { repoUrl, registry: `ghcr.io/${segments[0]!.toLowerCase()}` } : { repoUrl };
  }
  return undefined;
}
