/**
 * Release impact: what upgrading to a template version not yet released would do to each
 * downstream repository, found by running the upgrade itself as a dry run (the one pipeline:
 * runWorkflow -> planChanges -> checkPlan), so the report cannot disagree with the real upgrade.
 * Every repository is untrusted input: a link, a file, a broken lockfile or a hostile tree is
 * reported for that repository, and nothing is ever written.
 */
import { posix } from 'node:path';
import { Chalk } from 'chalk';
import { ExitCode, PlatformError, UsageError } from '../core/errors.js';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { readInputFile } from '../core/input-file.js';
import type { LockedTemplate } from '../lock/lockfile.js';
import type { RenderedTree } from '../render/render.js';
import { compareVersions, isVersion } from '../template/semver.js';
import { loadTemplate } from '../template/load.js';
import type { Template } from '../template/template.js';
import { Catalog } from '../sources/catalog.js';
import { canonicalSource } from '../sources/canonical.js';
import { errorRecord, Reporter, type ErrorRecord } from '../ui/report.js';
import { cliOf, type CliContext } from '../cli/context.js';
import { componentFlags } from '../cli/infer.js';
import { readLockfile, renderRecordedVersion } from '../cli/project.js';
import { presetChecks } from '../cli/compose.js';
import { resolveUpgradeAnswers } from '../cli/upgrade.js';
import { renderRecorded, type ComponentChange } from '../workflow/change.js';
import { runWorkflow } from '../workflow/run-workflow.js';
import { findPins } from './template-dir.js';

/** A repository to try the release on, as the user listed it. */
export interface ImpactTarget {
  /** As given (on the command line or in the list file), for the report. */
  shown: string;
  /** Absolute; undefined when the entry was refused before reading anything (why is in refusal). */
  path: string | undefined;
  refusal?: string;
}

export type ImpactStatus = 'clean' | 'conflicts' | 'failed' | 'up-to-date' | 'not-using';

export interface RepositoryImpact {
  repository: string;
  status: ImpactStatus;
  from: string | null;
  to: string;
  /** How many files each action touches (create, update, merge, conflict, delete). */
  files: Record<string, number>;
  conflicts: Array<{ path: string; reason: string }>;
  /** Questions the repository has no answer for, with what an unattended upgrade takes. */
  newQuestions: Array<{ key: string; value: unknown }>;
  /** Files merged without a base (the recorded version could not be rendered). */
  twoWay: string[];
  error: ErrorRecord | null;
}

export interface ImpactReport {
  template: string;
  version: string;
  repositories: RepositoryImpact[];
  totals: Record<ImpactStatus, number> & { repositories: number; conflictedFiles: number };
  /** Questions new in this version (not asked by the previous one), with their defaults. */
  newQuestions: Array<{ key: string; default: unknown }>;
}

/** The most repositories one report covers (a list file of millions is a mistake, not a fleet). */
export const MAX_TARGETS = 10_000;

/**
 * Entries of --against: a folder, or @FILE listing folders one a line (# comments, blank lines).
 * A list file is read like any input (a regular file, size-capped: a FIFO never blocks); its
 * entries are relative to its folder and must stay inside it.
 */
export async function readTargets(fs: Fs, cwd: string, entries: string[]): Promise<ImpactTarget[]> {
  const targets: ImpactTarget[] = [];
  for (const entry of entries) {
    if (!entry.startsWith('@')) {
      targets.push({ shown: entry, path: posix.resolve(cwd, entry) });
      continue;
    }
    const file = posix.resolve(cwd, entry.slice(1));
    const bytes = await readInputFile(fs, file, {
      kind: 'config',
      what: 'Repository list',
      shown: entry.slice(1),
      followLinks: true,
      hint: 'Give a text file with one repository folder per line (relative to the file).',
    });
    if (!bytes) {
      throw new UsageError('against-list-missing', `The repository list ${entry.slice(1)} does not exist.`, {
        hint: 'Give --against @FILE with one repository folder per line, or the folders themselves.',
      });
    }
    const base = posix.dirname(file);
    for (const line of new TextDecoder().decode(bytes).split(/\r?\n/)) {
      const text = line.trim();
      if (text === '' || text.startsWith('#')) continue;
      const path = posix.resolve(base, text);
      const inside = path === base || path.startsWith(`${base}/`);
      targets.push(
        inside
          ? { shown: text, path }
          : { shown: text, path: undefined, refusal: `it is outside ${base}, the folder of the list: list only repositories below it (or give the folder on the command line)` },
      );
    }
  }
  if (targets.length === 0) {
    throw new UsageError('against-empty', '--against lists no repository.', { hint: 'Give repository folders, or @FILE with one folder per line.' });
  }
  if (targets.length > MAX_TARGETS) {
    throw new UsageError('against-too-many', `--against lists ${targets.length} repositories; one report covers at most ${MAX_TARGETS}.`, {
      hint: 'Split the list and run one report per part.',
    });
  }
  return targets;
}

/** Runs the upgrade to the template in dir as a dry run on every target. */
export async function releaseImpact(ctx: CliContext, dir: string, targets: ImpactTarget[], onRepository: (index: number, entry: ImpactTarget) => void = () => undefined): Promise<ImpactReport> {
  const pins = (await findPins(ctx.fs, dir)).pins;
  const target = await loadTemplate(ctx.fs, dir, { kind: 'dir', path: dir }, pins);
  const { name, version } = target.manifest;
  const previousDir = await previousSibling(ctx.fs, dir, version);
  const previous = previousDir ? await loadTemplate(ctx.fs, previousDir, { kind: 'dir', path: previousDir }, pins).catch(() => undefined) : undefined;
  const askedBefore = new Set(previous?.manifest.questions.map((q) => q.name) ?? []);
  const repositories: RepositoryImpact[] = [];
  for (const [index, entry] of targets.entries()) {
    onRepository(index, entry);
    repositories.push(await impactOn(ctx, dir, target, entry));
  }
  const totals = { repositories: repositories.length, conflictedFiles: 0, clean: 0, conflicts: 0, failed: 0, 'up-to-date': 0, 'not-using': 0 };
  for (const repo of repositories) {
    totals[repo.status]++;
    totals.conflictedFiles += repo.conflicts.length;
  }
  return {
    template: name,
    version,
    repositories,
    totals,
    newQuestions: previous ? target.manifest.questions.filter((q) => !askedBefore.has(q.name)).map((q) => ({ key: q.name, default: q.default ?? null })) : [],
  };
}

async function impactOn(ctx: CliContext, dir: string, target: Template, entry: ImpactTarget): Promise<RepositoryImpact> {
  const result: RepositoryImpact = { repository: entry.shown, status: 'failed', from: null, to: target.manifest.version, files: {}, conflicts: [], newQuestions: [], twoWay: [], error: null };
  const fail = (error: PlatformError): RepositoryImpact => ({ ...result, status: 'failed', error: errorRecord(error) });
  if (!entry.path) {
    return fail(new UsageError('against-outside', `${entry.shown}: ${entry.refusal ?? 'refused'}.`, { hint: 'Move the list beside the repositories, or give the folder on the command line.' }));
  }
  const stat = await ctx.fs.lstat(entry.path).catch(() => undefined);
  if (!stat) return fail(new UsageError('against-missing', `${entry.shown} does not exist.`, { hint: 'Check the path (list files: relative to the list).' }));
  if (stat.isSymbolicLink()) return fail(new UsageError('against-symlink', `${entry.shown} is a symbolic link; it is not followed.`, { hint: 'Give the repository folder itself.' }));
  if (!stat.isDirectory()) return fail(new UsageError('against-not-folder', `${entry.shown} is not a folder.`, { hint: 'Give the folder of a repository made by create-service.' }));

  // The pipeline reports into its own document, shown nowhere: this command prints the summary.
  const sink = { write: () => true } as unknown as NodeJS.WritableStream;
  const silent = new Reporter(true, { stdout: sink, stderr: sink }, new Chalk({ level: 0 }), 'upgrade', ctx.version);
  const catalog = new Catalog(ctx);
  const cli = cliOf(ctx);
  let using = true;
  try {
    const exitCode = await runWorkflow(ctx, silent, {
      command: 'upgrade',
      root: entry.path,
      dryRun: true,
      resolve: async () => {
        const lock = await readLockfile(ctx, entry.path!);
        const locked = lock.templates.find((t) => t.name === target.manifest.name);
        if (!locked) {
          using = false;
          return { lock, changes: [] };
        }
        result.from = locked.version;
        if (compareVersions(target.manifest.version, locked.version) <= 0) return { lock, changes: [], upToDate: [`${locked.name}@${locked.version}`] };
        const defaults = componentFlags(lock.templates.map((t) => t.name), target.manifest.questions.map((q) => q.name));
        const answers = await resolveUpgradeAnswers(target, locked, new Map(), { useDefaults: true, prompter: undefined, defaults }, entry.path!);
        result.newQuestions = target.manifest.questions.filter((q) => !Object.hasOwn(locked.answers, q.name) && !answers.secrets.has(q.name)).map((q) => ({ key: q.name, value: answers.values[q.name] ?? null }));
        const base = await recordedBase(ctx, catalog, dir, locked, entry.path!, lock.cli ?? cli);
        const change: ComponentChange = { target, source: canonicalSource(locked.source), locked, base, answers };
        return { lock, changes: [change] };
      },
      conflictStyle: 'markers',
      force: false,
      // What the merge would do; a dirty working tree is the team's business at upgrade time.
      allowDirty: true,
      // Nothing runs in a dry run; hooks of a folder template would only be listed.
      trust: true,
      mayAsk: false,
      presetChecks: await presetChecks(catalog, undefined),
    });
    const document = silent.document as { upToDate?: string[]; files?: Array<{ path: string; action: string; reason: string }>; errors: ErrorRecord[]; components?: Array<{ twoWay?: string[] }> };
    if (!using) return { ...result, status: 'not-using' };
    if ((document.upToDate ?? []).length > 0) return { ...result, status: 'up-to-date' };
    if (exitCode !== ExitCode.ok && exitCode !== ExitCode.conflicts) {
      return { ...result, status: 'failed', error: document.errors[0] ?? { code: 'failed', message: `The upgrade would exit ${exitCode}.` } };
    }
    const files: Record<string, number> = {};
    for (const file of document.files ?? []) {
      if (file.action === 'keep' || file.action === 'skip' || file.path === '.platform.yaml') continue;
      files[file.action] = (files[file.action] ?? 0) + 1;
    }
    return {
      ...result,
      status: exitCode === ExitCode.conflicts ? 'conflicts' : 'clean',
      files,
      conflicts: (document.files ?? []).filter((f) => f.action === 'conflict').map((f) => ({ path: f.path, reason: f.reason })),
      twoWay: (document.components ?? []).flatMap((c) => c.twoWay ?? []),
    };
  } catch (error) {
    if (error instanceof PlatformError) return fail(error);
    // A file system error in a hostile tree (EACCES, ELOOP...) is that repository's problem.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string') return fail(new UsageError('against-unreadable', `${entry.shown} cannot be read (${code}).`, { hint: 'Check the repository folder and its permissions.' }));
    throw error;
  }
}

/**
 * What the repository's recorded version rendered: from the version folder beside the new one
 * (the catalog being released holds it), else from the recorded source; undefined when neither
 * renders (the pipeline then merges two-way and says so).
 */
async function recordedBase(ctx: CliContext, catalog: Catalog, dir: string, locked: LockedTemplate, root: string, cli: ReturnType<typeof cliOf>): Promise<RenderedTree | undefined> {
  const sibling = posix.join(posix.dirname(dir), locked.version);
  if ((await statOrUndefined(ctx.fs, posix.join(sibling, 'template.yaml')))?.isFile()) {
    try {
      const template = await loadTemplate(ctx.fs, sibling, { kind: 'dir', path: sibling }, (await findPins(ctx.fs, sibling)).pins);
      if (template.manifest.name === locked.name) return await renderRecorded(template, locked, posix.basename(root), cli);
    } catch {
      // fall back to the recorded source
    }
  }
  return renderRecordedVersion(catalog, locked, root, cli).catch(() => undefined);
}

/** The version folder before version beside dir (NAME/VERSION layout), if any. */
async function previousSibling(fs: Fs, dir: string, version: string): Promise<string | undefined> {
  const parent = posix.dirname(dir);
  const entries = await fs.readdir(parent, { withFileTypes: true }).catch(() => []);
  const older = entries.filter((e) => e.isDirectory() && isVersion(e.name) && compareVersions(e.name, version) < 0).map((e) => e.name).sort(compareVersions);
  const last = older.at(-1);
  return last === undefined ? undefined : posix.join(parent, last);
}
