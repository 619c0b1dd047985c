import { posix, resolve } from 'node:path';
import { ExitCode, UsageError, UnsafeError } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import { Catalog } from '../sources/catalog.js';
import { fleetStatus } from '../fleet/fleet-status.js';
import { formatHtml } from '../fleet/format-html.js';
import { formatMarkdown, formatTable, plain } from '../fleet/format-text.js';
import { spawnedFleetGit, type FleetGit } from '../fleet/fleet-git.js';
import { readRepoList, type RepoEntry } from '../fleet/repo-list.js';
import { parseShard } from '../fleet/shard.js';
import { fleetUpgrade, type UpgradeOutcome } from '../fleet/upgrade-runner.js';
import { Reporter } from '../ui/report.js';
import { isInteractive, type CliContext } from './context.js';
import { counted } from '../ui/count.js';

export interface FleetStatusOptions {
  repos?: string;
  json?: boolean;
  markdown?: boolean;
  html?: string;
  checkDrift?: boolean;
  history: boolean;
  since?: string;
  concurrency?: string;
  check?: boolean;
}

export interface FleetUpgradeOptions {
  repos?: string;
  branch?: string;
  shard?: string;
  concurrency?: string;
  out: string;
  workDir: string;
  json?: boolean;
}

/** platform fleet status [PATH...] [--repos FILE]: the fleet's versions, lag, drift, conflicts, hooks. */
export async function runFleetStatus(paths: string[], options: FleetStatusOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const formats = [options.json, options.markdown].filter(Boolean).length;
  if (formats > 1) throw new UsageError('fleet-format', '--json and --markdown print different documents on stdout; give one.', { hint: '--html FILE writes a file and goes with either.' });
  const since = parseSince(options.since);
  const concurrency = parseConcurrency(options.concurrency, 4);
  const repos = options.repos !== undefined ? await readRepoList(ctx.fs, ctx.cwd, options.repos) : [];
  const folders = paths.length === 0 && options.repos === undefined ? ['.'] : paths;
  for (const folder of folders) {
    const stat = await ctx.fs.stat(resolve(ctx.cwd, folder)).catch(() => undefined);
    if (!stat?.isDirectory()) throw new UsageError('fleet-folder', `${folder} is not a folder.`, { hint: 'Give folders that hold repositories (each with a .platform.yaml), or --repos FILE.' });
  }
  const htmlFile = options.html !== undefined ? await checkedOutput(ctx, options.html) : undefined;
  const progress = isInteractive(ctx) && !options.json;
  const report = await fleetStatus(ctx, new Catalog(ctx), {
    folders,
    repos,
    checkDrift: Boolean(options.checkDrift),
    history: options.history,
    since,
    concurrency,
    ...(progress ? { onRepo: (n: number) => ctx.stderr.write(`\r${n} repositories read\u001b[K`) } : {}),
  });
  if (progress) ctx.stderr.write('\r\u001b[K');
  for (const warning of report.warnings) reporter.warn(plain(warning));
  if (htmlFile) {
    await ctx.fs.writeFile(htmlFile, formatHtml(report));
    reporter.note(`HTML report written to ${options.html}`);
  }
  if (options.json) reporter.set({ ...report });
  else if (options.markdown) ctx.stdout.write(formatMarkdown(report));
  else for (const line of formatTable(report)) reporter.line(line);

  const t = report.totals;
  if (options.check && (t.behind > 0 || t.withConflicts > 0 || (t.driftedOwned ?? 0) > 0 || t.unreadable > 0)) {
    reporter.note('check failed: a component is behind, a repository has open conflicts or drifted owned files, or could not be read.');
    return ExitCode.checkFailed;
  }
  return ExitCode.ok;
}

/** platform fleet upgrade --repos FILE --branch NAME [--shard I/N]: branches, commits and pull-request bodies. */
export async function runFleetUpgrade(options: FleetUpgradeOptions, ctx: CliContext, reporter: Reporter, git: FleetGit = spawnedFleetGit): Promise<ExitCode> {
  if (options.repos === undefined) throw new UsageError('fleet-repos', 'platform fleet upgrade needs --repos FILE.', { hint: 'One repository per line: a local git work tree or a git URL.' });
  if (options.branch === undefined || !(await git.validBranch(options.branch))) {
    throw new UsageError('fleet-branch', `--branch ${options.branch === undefined ? 'is missing' : `${JSON.stringify(options.branch.slice(0, 80))} is not a branch name git accepts`}.`, { hint: 'Give a new branch name, e.g. --branch platform/upgrade-2026-12.' });
  }
  const branch = options.branch;
  const shard = parseShard(options.shard);
  const concurrency = parseConcurrency(options.concurrency, 2);
  const repos = await readRepoList(ctx.fs, ctx.cwd, options.repos);
  const out = resolve(ctx.cwd, options.out);
  const workDir = resolve(ctx.cwd, options.workDir);
  await ensureFolder(ctx, out, '--out');
  const results = await fleetUpgrade(ctx.fs, git, {
    repos,
    branch,
    shard,
    concurrency,
    workDir,
    upgrade: (root) => upgradeInProcess(ctx, root),
    clone: async (entry, into) => cloneForUpgrade(ctx, entry, into),
    writeBody: async (name, text) => {
      await ctx.fs.writeFile(posix.join(out, name), text);
      return name;
    },
    onRepo: (r) => reporter.note(plain(`${r.status.padEnd(10)} ${r.repo}${r.error ? `: ${r.error}` : ''}`)),
  });
  const summary = { branch, shard: shard ? `${shard.index}/${shard.count}` : undefined, out, repos: results };
  const name = shard ? `summary-${shard.index}-of-${shard.count}.json` : 'summary.json';
  await ctx.fs.writeFile(posix.join(out, name), `${JSON.stringify(summary, null, 2)}\n`);
  const count = (s: string): number => results.filter((r) => r.status === s).length;
  reporter.set(summary);
  reporter.line(`${counted(results.length, 'repository', 'repositories')}: ${count('upgraded')} upgraded, ${count('conflicts')} with conflicts, ${count('up-to-date')} up to date, ${count('failed') + count('refused')} failed.`);
  reporter.line(`Pull-request bodies and ${name} in ${options.out}; push each branch and open its pull request with your git host's CLI (README "Fleet").`);
  return results.some((r) => r.status === 'failed' || r.status === 'refused') ? ExitCode.unexpected : results.some((r) => r.status === 'conflicts') ? ExitCode.conflicts : ExitCode.ok;
}

/** `platform upgrade --yes --json` in one folder, in this process: the one pipeline, its JSON document captured. */
async function upgradeInProcess(ctx: CliContext, root: string): Promise<UpgradeOutcome> {
  const sink = { write: () => true, isTTY: false } as unknown as NodeJS.WritableStream;
  const inner: CliContext = { ...ctx, cwd: root, stdout: sink, stderr: sink, stdin: { isTTY: false } as unknown as NodeJS.ReadableStream, onCancel: () => undefined };
  const { chalkFor } = await import('../ui/colors.js');
  const reporter = new Reporter(true, inner, chalkFor({ NO_COLOR: '1' }, false), 'upgrade', ctx.version);
  const { runUpgrade } = await import('./upgrade.js');
  let exitCode: number;
  try {
    exitCode = await runUpgrade(undefined, { yes: true, set: [], conflict: 'markers', json: true }, inner, reporter);
  } catch (error) {
    exitCode = reporter.fail(error);
  }
  return { exitCode, document: reporter.document as UpgradeOutcome['document'] };
}

async function cloneForUpgrade(ctx: CliContext, entry: Extract<RepoEntry, { kind: 'git' }>, into: string): Promise<void> {
  if (await statOrUndefined(ctx.fs, posix.join(into, '.git'))) return;
  const { runGit } = await import('../core/git-process.js');
  const { redact } = await import('../sources/spec.js');
  const result = await runGit(['clone', '--quiet', '--single-branch', '--no-tags', '--no-recurse-submodules', '--', entry.fetchUrl, into], { config: ['core.symlinks=false', 'submodule.recurse=false'] });
  if (result.exitCode !== 0) throw new UsageError('clone-failed', `Could not clone ${entry.url}: ${redact(result.stderr.trim().split('\n').at(-1) ?? '')}`, { hint: 'Check the URL and your git credentials.' });
  // No credential from the list stays in the clone's config: pushing uses the credential helper.
  if (entry.fetchUrl !== entry.url) await runGit(['remote', 'set-url', 'origin', entry.url], { cwd: into });
}

function parseSince(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const date = m ? new Date(`${m[0]}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== m![0]) {
    throw new UsageError('since', `--since ${JSON.stringify(text.slice(0, 40))} is not a date.`, { hint: 'Give a day as YYYY-MM-DD, e.g. --since 2026-01-01.' });
  }
  return date;
}

function parseConcurrency(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^[1-9][0-9]?$/.test(text.trim()) || Number(text) > 64) throw new UsageError('concurrency', `--concurrency ${JSON.stringify(text.slice(0, 20))}: expected a whole number from 1 to 64.`, { hint: 'It bounds how many repositories are worked on at once (default: the number the command shows in --help).' });
  return Number(text);
}

/** The report file: a regular file or nothing (never written through a link, into a FIFO or over a folder). */
async function checkedOutput(ctx: CliContext, file: string): Promise<string> {
  const full = resolve(ctx.cwd, file);
  const stat = await statOrUndefined(ctx.fs, full);
  if (stat && !stat.isFile()) throw new UnsafeError('output-not-file', `--html ${file} is ${stat.isSymbolicLink() ? 'a symbolic link' : stat.isDirectory() ? 'a folder' : 'not a regular file'}; the report was not written.`, { hint: 'Name a new file, or a regular file to replace.' });
  const parent = await statOrUndefined(ctx.fs, posix.dirname(full));
  if (!parent?.isDirectory()) throw new UsageError('output-folder', `--html ${file}: its folder does not exist.`, { hint: 'Create the folder first, or name a file in an existing one.' });
  return full;
}

async function ensureFolder(ctx: CliContext, full: string, flag: string): Promise<void> {
  const stat = await statOrUndefined(ctx.fs, full);
  if (stat && !stat.isDirectory()) throw new UnsafeError('output-not-folder', `${flag} ${full} is not a folder (${stat.isSymbolicLink() ? 'a symbolic link' : 'a file'}).`, { hint: 'Name a new or existing folder for the pull-request bodies and the summary.' });
  if (!stat) await ctx.fs.mkdir(full, { recursive: true });
}
