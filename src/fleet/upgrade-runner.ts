import { posix } from 'node:path';
import { PlatformError, UsageError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { readTarget } from '../core/target.js';
import { MAX_INPUT_BYTES } from '../core/yaml-source.js';
import { parseLockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { discoverRoots } from './discovery.js';
import type { FleetGit } from './fleet-git.js';
import { mapPool } from './pool.js';
import type { RepoEntry } from './repo-list.js';
import { inShard, type Shard } from './shard.js';

/** What one `platform upgrade --yes --json` run in one service folder reported. */
export interface UpgradeOutcome {
  exitCode: number;
  document: {
    components?: Array<{ name: string; from: string | null; to: string }>;
    files?: Array<{ path: string; action: string }>;
    conflicts?: string[];
    upToDate?: string[];
    warnings?: string[];
    errors?: Array<{ code: string; message: string; hint?: string }>;
  };
}

export type RepoUpgradeState = 'upgraded' | 'conflicts' | 'up-to-date' | 'failed' | 'refused';

export interface ServiceUpgrade {
  /** The service folder, relative to the repository ('.' for its root). */
  folder: string;
  exitCode: number;
  components: Array<{ name: string; from: string | null; to: string }>;
  changed: string[];
  conflicts: string[];
  /** Questions new in the target versions, answered with their defaults. */
  newQuestions: Array<{ component: string; question: string; answer: unknown }>;
  errors: string[];
}

export interface RepoUpgrade {
  repo: string;
  /** The work tree upgraded (where to `git push` from); '' when none was found. */
  path: string;
  status: RepoUpgradeState;
  branch: string | undefined;
  commit: string | undefined;
  /** The pull-request body written for it, relative to the output folder. */
  prBody: string | undefined;
  services: ServiceUpgrade[];
  error: string | undefined;
}

export interface FleetUpgradeRequest {
  repos: RepoEntry[];
  branch: string;
  shard: Shard | undefined;
  concurrency: number;
  /** Clones git URLs into this folder (a central run works on its own clones). */
  workDir: string;
  /** Runs `platform upgrade --yes --json` in a service folder, through the one pipeline. */
  upgrade(root: string): Promise<UpgradeOutcome>;
  clone(entry: Extract<RepoEntry, { kind: 'git' }>, into: string): Promise<void>;
  writeBody(name: string, text: string): Promise<string>;
  onRepo?(result: RepoUpgrade): void;
}

const decoder = new TextDecoder();

/**
 * platform fleet upgrade: this shard's repositories, a bounded pool of them at a time. Each is
 * switched to a new branch, upgraded in every service folder by the ordinary upgrade pipeline,
 * committed, and described in a pull-request body. Pushing and opening the pull request is left
 * to the organisation's own git host tooling.
 */
export async function fleetUpgrade(fs: Fs, git: FleetGit, request: FleetUpgradeRequest): Promise<RepoUpgrade[]> {
  // Body file names from the whole list, so every shard names a repository's body the same way.
  const names = bodyNames(request.repos);
  const mine = request.repos.filter((_, k) => inShard(request.shard, k));
  return mapPool(mine, request.concurrency, async (entry) => {
    const result = await upgradeRepo(fs, git, request, entry, names.get(entry)!);
    request.onRepo?.(result);
    return result;
  });
}

/** NAME.md from the repository's name; two names that would collide both get their list line. */
function bodyNames(repos: readonly RepoEntry[]): Map<RepoEntry, string> {
  const count = new Map<string, number>();
  for (const entry of repos) count.set(slug(entry.shown), (count.get(slug(entry.shown)) ?? 0) + 1);
  return new Map(repos.map((entry) => [entry, count.get(slug(entry.shown))! > 1 ? `${slug(entry.shown)}-line${entry.line}.md` : `${slug(entry.shown)}.md`]));
}

async function upgradeRepo(fs: Fs, git: FleetGit, request: FleetUpgradeRequest, entry: RepoEntry, bodyName: string): Promise<RepoUpgrade> {
  const result: RepoUpgrade = { repo: entry.shown, path: '', status: 'failed', branch: undefined, commit: undefined, prBody: undefined, services: [], error: undefined };
  try {
    if (entry.kind === 'invalid') {
      result.status = 'refused';
      result.error = entry.error.message;
      return result;
    }
    let dir = entry.kind === 'path' ? entry.path : posix.join(request.workDir, slug(entry.url));
    if (entry.kind === 'git') await request.clone(entry, dir);
    const top = await git.topLevel(dir);
    if (!top) throw new UsageError('not-a-repository', `${entry.shown} is not a git repository.`, { hint: 'A fleet upgrade works on a branch: give git work trees (or URLs to clone).' });
    dir = top;
    result.path = top;
    const roots: string[] = [];
    for await (const root of discoverRoots(fs, [top])) roots.push(root);
    if (roots.length === 0) throw new UsageError('no-lockfile', `No ${LOCKFILE_NAME} in ${entry.shown}.`, { hint: 'Adopt the golden path there first (`platform add`), or take it off the list.' });

    const unmerged = await git.unmerged(top);
    if (unmerged.length > 0) {
      throw new UsageError('fleet-unmerged', `${entry.shown} has unresolved conflicts from an earlier upgrade (${unmerged.slice(0, 3).join(', ')}${unmerged.length > 3 ? ', …' : ''}); it was left as it is.`, { hint: 'Resolve them and commit in that repository, then run the fleet upgrade again.' });
    }
    const previous = await git.currentBranch(top);
    await git.switchNew(top, request.branch);
    result.branch = request.branch;
    const paths: string[] = [];
    for (const root of roots) {
      const folder = posix.relative(top, root) || '.';
      const before = await recordedAnswers(fs, root);
      const outcome = await request.upgrade(root);
      const after = await recordedAnswers(fs, root).catch(() => new Map<string, Record<string, unknown>>());
      const doc = outcome.document;
      const changed = (doc.files ?? []).filter((f) => f.action !== 'keep' && f.action !== 'skip').map((f) => f.path);
      const service: ServiceUpgrade = {
        folder,
        exitCode: outcome.exitCode,
        components: (doc.components ?? []).map(({ name, from, to }) => ({ name, from, to })),
        changed: (doc.components?.length ?? 0) > 0 ? changed : [],
        conflicts: doc.conflicts ?? [],
        newQuestions: newQuestions(before, after),
        errors: (doc.errors ?? []).map((e) => e.message),
      };
      result.services.push(service);
      for (const path of service.changed) paths.push(folder === '.' ? path : `${folder}/${path}`);
    }

    const failed = result.services.some((s) => s.exitCode !== 0 && s.exitCode !== 3);
    if (paths.length === 0) {
      await git.abandon(top, request.branch, previous);
      result.branch = undefined;
      result.status = failed ? 'failed' : 'up-to-date';
      return result;
    }
    const conflicts = result.services.some((s) => s.conflicts.length > 0);
    result.commit = await git.commit(top, [...new Set(paths)].sort(), commitMessage(result));
    result.status = failed ? 'failed' : conflicts ? 'conflicts' : 'upgraded';
    result.prBody = await request.writeBody(bodyName, prBody(result));
    return result;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    result.status = error instanceof PlatformError && error.exitCode === 5 ? 'refused' : 'failed';
    return result;
  }
}

/** Component -> recorded answers, before or after the upgrade. */
async function recordedAnswers(fs: Fs, root: string): Promise<Map<string, Record<string, unknown>>> {
  const bytes = await readTarget(fs, root, LOCKFILE_NAME, { what: 'the repository' }, { lockfile: true, maxBytes: MAX_INPUT_BYTES.lockfile });
  if (!bytes) return new Map();
  return new Map(parseLockfile(decoder.decode(bytes), posix.join(root, LOCKFILE_NAME)).templates.map((t) => [t.name, t.answers]));
}

function newQuestions(before: Map<string, Record<string, unknown>>, after: Map<string, Record<string, unknown>>): ServiceUpgrade['newQuestions'] {
  const out: ServiceUpgrade['newQuestions'] = [];
  for (const [component, answers] of after) {
    const old = before.get(component);
    if (!old) continue;
    for (const [question, answer] of Object.entries(answers)) if (!(question in old)) out.push({ component, question, answer });
  }
  return out;
}

/** A file name from a repository's name or URL: letters, digits, dot, dash, underscore. */
export function slug(text: string): string {
  const s = text.replace(/^[a-z+]+:\/\//i, '').replace(/\.git$/, '').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._-]+/, '').slice(0, 100);
  return s === '' ? 'repository' : s;
}

function moves(result: RepoUpgrade): string {
  return result.services.flatMap((s) => s.components.map((c) => `${c.name} ${c.from ?? 'new'} → ${c.to}`)).join(', ');
}

function commitMessage(result: RepoUpgrade): string {
  return `Platform upgrade: ${moves(result)}\n\nMade by \`platform fleet upgrade\` (\`platform upgrade --yes\` in each service folder).\n`;
}

/** The pull-request body: what moved, what changed, what conflicts, which new questions took defaults. */
export function prBody(result: RepoUpgrade): string {
  const code = (text: string): string => `\`${text.replace(/`/g, "'")}\``;
  const out: string[] = [`# Platform upgrade: ${moves(result)}`, ''];
  const conflicts = result.services.flatMap((s) => s.conflicts.map((c) => (s.folder === '.' ? c : `${s.folder}/${c}`)));
  out.push(conflicts.length > 0 ? `**${conflicts.length} file(s) have conflicts to resolve** before merging (git-style markers, labelled \`local\` and the template version).` : 'The upgrade applied cleanly.', '');
  for (const s of result.services) {
    if (result.services.length > 1) out.push(`## ${s.folder === '.' ? 'Repository root' : code(s.folder)}`, '');
    out.push('| component | from | to |', '|---|---|---|', ...s.components.map((c) => `| ${c.name} | ${c.from ?? '–'} | ${c.to} |`), '');
    if (s.changed.length > 0) out.push('**Changed files**', '', ...s.changed.map((p) => `- ${code(p)}${s.conflicts.includes(p) ? ' — ⚠️ conflict' : ''}`), '');
    if (s.newQuestions.length > 0) {
      out.push('**New questions** (answered with their defaults; change one with `platform upgrade --set NAME=VALUE` on this branch)', '');
      out.push(...s.newQuestions.map((q) => `- ${code(`${q.component}.${q.question}`)} = ${code(JSON.stringify(q.answer) ?? 'null')}`), '');
    }
    if (s.errors.length > 0) out.push('**Problems**', '', ...s.errors.map((e) => `- ${e.replace(/[<>]/g, '')}`), '');
  }
  if (conflicts.length > 0) out.push('### Resolving the conflicts', '', 'Check out this branch, edit each file listed above (keep what you need from both sides, remove the markers), commit and push.', '');
  return `${out.join('\n')}\n`;
}
