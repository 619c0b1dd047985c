import { posix } from 'node:path';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { UnsafeError } from '../core/errors.js';
import { readTarget } from '../core/target.js';
import type { Lockfile } from '../lock/lockfile.js';
import { answersFromRemote } from '../answers/remote.js';
import { gitOf, type CliContext } from './context.js';

const decoder = new TextDecoder();

/**
 * Answers a repository already gives away, offered as defaults by `platform add`: what other
 * components recorded, the package name and description, the port, the CI provider in use.
 */
export async function inferAnswers(fs: Fs, root: string, lock: Lockfile): Promise<Map<string, unknown>> {
  const inferred = new Map<string, unknown>();
  const pkg = await readJson(fs, root, 'package.json');
  if (pkg && typeof pkg.name === 'string') inferred.set('name', pkg.name.replace(/^@[^/]+\//, ''));
  if (pkg && typeof pkg.description === 'string' && pkg.description !== '') inferred.set('description', pkg.description);
  const repository = pkg?.repository;
  const repoUrl = typeof repository === 'string' ? repository : typeof (repository as { url?: unknown } | undefined)?.url === 'string' ? (repository as { url: string }).url : undefined;
  if (repoUrl) inferred.set('repoUrl', repoUrl.replace(/^git\+/, '').replace(/\.git$/, '').replace(/^git@([^:]+):/, 'https://$1/'));

  const env = await readGuess(fs, root, '.env.example');
  const port = env ? /^PORT=(\d+)\s*$/m.exec(decoder.decode(env))?.[1] : undefined;
  if (port) inferred.set('port', Number(port));

  if (await statOrUndefined(fs, posix.join(root, '.gitlab-ci.yml'))) inferred.set('ciProvider', 'gitlab');
  else if (await statOrUndefined(fs, posix.join(root, '.github', 'workflows'))) inferred.set('ciProvider', 'github');

  // What the repository's other components were told wins over guesses.
  for (const template of lock.templates) {
    for (const [name, value] of Object.entries(template.answers)) inferred.set(name, value);
  }
  return inferred;
}

/**
 * Whether each component is in the repository, as defaults of the questions `with<Component>`
 * a template asks (ci's `withDeploy`: jobs only for components that exist). `components` are the
 * names recorded in the lockfile plus those being added.
 */
export function componentFlags(components: Iterable<string>, questions: Iterable<string>): Map<string, boolean> {
  const present = new Set([...components].map((name) => name.toLowerCase()));
  const flags = new Map<string, boolean>();
  for (const question of questions) {
    const component = /^with([A-Z][A-Za-z0-9]*)$/.exec(question)?.[1];
    if (component) flags.set(question, present.has(component.toLowerCase()));
  }
  return flags;
}

/**
 * A file to guess from, read through the path checks: a link (it could point at a secret
 * outside), a FIFO (it would hang) or a device is no source of guesses, so it is skipped.
 */
async function readGuess(fs: Fs, root: string, path: string): Promise<Uint8Array | undefined> {
  try {
    return await readTarget(fs, root, path, { what: 'the files answers are guessed from' });
  } catch (error) {
    if (error instanceof UnsafeError) return undefined;
    throw error;
  }
}

async function readJson(fs: Fs, root: string, path: string): Promise<Record<string, unknown> | undefined> {
  const bytes = await readGuess(fs, root, path);
  if (!bytes) return undefined;
  try {
    const value = JSON.parse(decoder.decode(bytes)) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Defaults from the git remote of the repository root is (or lands) in (a monorepo, a clone
 * made first, the repository `platform add` runs in): its web URL and, on GitHub, its
 * organisation's registry. Nothing without a remote (then those answers are asked, or
 * placeholders with --yes); never the team's name.
 */
export async function remoteDefaults(root: string, ctx: CliContext): Promise<Map<string, unknown>> {
  const git = gitOf(ctx);
  if (!git.originUrl) return new Map();
  let dir = root;
  while (!(await statOrUndefined(ctx.fs, dir))?.isDirectory() && posix.dirname(dir) !== dir) dir = posix.dirname(dir);
  const remote = answersFromRemote(await git.originUrl(dir));
  return new Map<string, unknown>(remote ? Object.entries(remote).filter(([, value]) => value !== undefined) : []);
}
