import { basename, relative } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { readTarget } from '../core/target.js';
import { applyPlan } from '../apply/apply-plan.js';
import { describeHooks, planHooks, runHooksAfterWrite, trustNeeded, trustSettings, withPendingHooks, type InstallGate } from '../hooks/hooks.js';
import type { Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { TextMerger } from '../merge/text.js';
import type { ConflictStyle } from '../plan/decide.js';
import { writes, type DiskFile, type FileOperation, type Plan } from '../plan/plan.js';
import type { StepResult } from '../steps/git.js';
import { unifiedDiff } from '../ui/diff.js';
import type { Reporter } from '../ui/report.js';
import { cliOf, prepareRoot, type CliContext } from '../cli/context.js';
import { repositoryGit } from './repository-git.js';
import type { GitPort } from '../steps/git-port.js';
import type { ComponentChange } from './change.js';
import type { PresetCheck } from '../template/preset.js';
import { checkPlan } from './check-plan.js';
import { gitStep, installCommand, installStep, printNextSteps, warnNodeVersion, warnPlaceholders, type CreateSteps } from './create-steps.js';
import { formatPlan, planJson } from './format-plan.js';
import { planChanges } from './plan-changes.js';
import { howToFinish } from './conflict-help.js';
import { finishCreate } from './finish-create.js';
import { summaryLines, type ChangelogEntry } from './upgrade-summary.js';
import { shellQuote } from './open-conflicts.js';

export type CommandName = 'create' | 'add' | 'upgrade';

/** What the command found once the folder is safe to read: the lockfile and each component's move. */
export interface Resolution {
  lock: Lockfile;
  changes: ComponentChange[];
  /** Components already at their target version (upgrade). */
  upToDate?: string[];
  /**
   * create run again with the same versions and answers: the changes are the recorded
   * components at their own version; nothing is written, undone steps are finished.
   */
  rerun?: boolean;
  /** Files already read through the checked door during resolve (path -> as read): not read again. */
  disk?: ReadonlyMap<string, DiskFile | undefined>;
}

export interface WorkflowRequest {
  command: CommandName;
  /** The repository (or the new folder), absolute. */
  root: string;
  /** Everything but the writes: the same checks, the same exit code. */
  dryRun: boolean;
  /** Reads the lockfile, picks the components and resolves their answers (after recovery). */
  resolve(): Promise<Resolution>;
  conflictStyle: ConflictStyle;
  /** Overwrite local edits of owned files. */
  force: boolean;
  allowDirty: boolean;
  /** --trust: run hooks and the install of templates not on the trust list. */
  trust: boolean;
  /** A person at a terminal may be asked the trust question. */
  mayAsk: boolean;
  /** create: the first commit and the install after writing. */
  steps?: CreateSteps;
  /** The cross-component checks of the preset in use (create) or the catalog's default one. */
  presetChecks?: { name: string; checks: readonly PresetCheck[] };
  /** The changelog entries of the versions an upgrade moves through, newest first. */
  changelog?(component: Plan['components'][number]): Promise<ChangelogEntry[]>;
  /** Each upgraded component's full changelog in the output; else a short summary (unattended runs). */
  fullChangelog?: boolean;
}

/**
 * create, add and upgrade, as one pipeline: recover -> resolve -> render and read -> plan ->
 * check -> present (dry run) or apply -> git index -> hooks -> steps. A dry run goes through
 * every check and exits with the real run's code; it only skips the writes and what follows them.
 */
export async function runWorkflow(ctx: CliContext, reporter: Reporter, request: WorkflowRequest): Promise<ExitCode> {
  const { root, dryRun } = request;
  await prepareRoot(ctx, root, dryRun, (text) => reporter.warn(text));
  const { lock, changes, upToDate = [], rerun = false, disk } = await request.resolve();
  reporter.set({ dryRun, root, upToDate });
  for (const name of upToDate) reporter.line(`${name} is up to date.`);
  if (changes.length === 0) return ExitCode.ok;

  const targetName = basename(root);
  const hooks = changes.flatMap((change) =>
    planHooks([{ template: change.target, source: change.source }], change.locked && !rerun ? 'upgrade' : 'create', change.answers.values, change.answers.secrets, targetName),
  );
  const git = repositoryGit(ctx);
  const moved = (missing: string[]): Promise<ReadonlyMap<string, string>> => git.moved(root, missing);
  const plan = withPendingHooks(await planChanges(ctx.fs, root, lock, changes, { textMerger: lazyGitMerger(), conflictStyle: request.conflictStyle, force: request.force, cli: cliOf(ctx), moved, ...(disk ? { disk } : {}) }), hooks);
  reporter.set(planJson(plan, dryRun));
  const display = relative(ctx.cwd, root) || '.';
  if (rerun && request.steps) {
    return finishCreate(ctx, git, reporter, { plan, lock, steps: request.steps, components: hooks, display, dryRun, trust: request.trust, mayAsk: request.mayAsk });
  }
  await printHeading(request, plan, changes, display, reporter);

  await checkPlan(ctx.fs, plan, { command: request.command, allowDirty: request.allowDirty, uncommitted: (at, paths) => git.uncommitted(at, paths), ...(request.presetChecks ? { presetChecks: request.presetChecks } : {}) });
  const trust = await trustSettings(ctx.fs, ctx.env, ctx.catalog ? [ctx.catalog.mirror.source] : []);
  const installLine = request.steps ? await installCommand(plan, request.steps, ctx) : undefined;
  const install: InstallGate | undefined = installLine ? { command: installLine, sources: hooks.map((c) => c.source) } : undefined;
  const conflicts = plan.conflicts.length > 0;

  if (dryRun) {
    const secret = secretPaths(lock, plan);
    // A new folder's files are listed; anywhere else every file that would change is shown as a diff.
    const diffs = await dryRunDiffs(ctx, plan, secret, reporter, request.command !== 'create');
    for (const line of formatPlan(plan, { color: reporter.color, tense: 'would', diffs })) reporter.line(line);
    for (const note of plan.notes) reporter.warn(note);
    const commands = describeHooks(hooks);
    if (commands.length > 0) reporter.line(`Then would run (template hooks; not built-in templates only with --trust or a trust list entry):\n${commands.map((l) => `  ${l}`).join('\n')}`);
    if (installLine) reporter.line(`Then would run: ${installLine}`);
    if (request.steps) warnNodeVersion(plan, ctx.node, reporter);
    warnPlaceholders(plan, reporter);
    reporter.line('Dry run: nothing was written.');
    // The same trust decision as the real run, so the same exit code.
    const needed = trustNeeded({ components: hooks, conflicts, install, trust: request.trust, ...trust, root, dryRun: true });
    if (needed && !request.mayAsk) return reporter.fail(needed.refusal);
    if (needed) reporter.line(`A real run would ask before running: ${needed.commands.join('; ')}`);
    return conflicts ? ExitCode.conflicts : ExitCode.ok;
  }

  await applyPlan(ctx.fs, plan, { pid: ctx.pid });
  ctx.onCancel(`Cancelled. The files are written in ${display}${installLine ? `; run \`${installLine}\` there yourself` : ''}.`);
  const conflicted = plan.operations.filter((op): op is Extract<FileOperation, { kind: 'conflict' }> => op.kind === 'conflict');
  // Whether the three versions are in git's index (then `git checkout --theirs/--ours` takes a side).
  const inIndex = conflicted.some((op) => op.stages)
    ? await git.recordUnmerged(root, conflicted.filter((op) => op.stages).map((op) => ({ path: op.path, executable: op.executable, stages: op.stages! })))
    : false;
  for (const line of formatPlan(plan, { color: reporter.color, tense: 'did' })) reporter.line(line);
  for (const note of plan.notes) reporter.warn(note);
  // create stages everything in its first commit; add and upgrade stage what they added.
  if (request.command !== 'create') await stageAdded(git, plan, lock, reporter);

  const hooksExit = await runHooksAfterWrite(ctx, trust, {
    root,
    components: hooks,
    lockfile: plan.lockfile,
    trust: request.trust,
    mayAsk: request.mayAsk,
    conflicts,
    out: reporter,
    ...(install ? { install } : {}),
  });
  const stepResults = request.steps ? await runCreateSteps(ctx, git, reporter, plan, request.steps, install) : [];
  if (conflicts) {
    reporter.line(reporter.color.yellow(`${conflicted.length} file(s) left in conflict for you (exit 3). To finish each:`));
    for (const op of conflicted) for (const line of howToFinish(op, inIndex)) reporter.line(`  ${line}`);
    reporter.line(`Then commit; \`platform status --check\` passes once none is left.`);
  }
  const installed = stepResults.find((step) => step.name === 'install');
  if (installed) printNextSteps(display, plan, installed, ctx, reporter);
  warnPlaceholders(plan, reporter);
  if (hooksExit !== ExitCode.ok) return hooksExit;
  if (conflicts) return ExitCode.conflicts;
  return stepResults.some((step) => step.status === 'failed') ? ExitCode.unexpected : ExitCode.ok;
}

/**
 * The install (only if its trust question was answered yes), then the first commit, so the
 * package manager's lockfile is in it and a new repository starts clean (`git status` empty).
 */
async function runCreateSteps(ctx: CliContext, git: GitPort, reporter: Reporter, plan: Plan, steps: CreateSteps, install: InstallGate | undefined): Promise<StepResult[]> {
  const results: StepResult[] = [];
  reporter.set({ steps: results });
  const names = plan.components.map((c) => `${c.name}@${c.to}`).join(', ');
  warnNodeVersion(plan, ctx.node, reporter);
  results.push(
    install && install.allowed !== true
      ? { name: 'install', status: 'skipped', detail: 'untrusted' }
      : await installStep(plan.root, plan, steps, ctx, reporter),
  );
  results.push(await gitStep(git, plan.root, names, plan, steps, reporter));
  return results;
}

async function printHeading(request: WorkflowRequest, plan: Plan, changes: readonly ComponentChange[], display: string, reporter: Reporter): Promise<void> {
  const names = (components: Plan['components']): string => components.map((c) => `${c.name}@${c.to}`).join(', ');
  const fresh = plan.components.filter((c) => c.from === undefined);
  const would = request.dryRun;
  if (fresh.length > 0 && request.command === 'create') reporter.line(`${would ? 'Would create' : 'Creating'} ${display} from ${names(fresh)}`);
  else if (fresh.length > 0) reporter.line(`${would ? 'Would add' : 'Adding'} ${names(fresh)} to ${display}`);
  const changelogs: Record<string, ChangelogEntry[]> = {};
  for (const component of plan.components.filter((c) => c.from !== undefined)) {
    if (component.from === component.to) reporter.line(`${would ? 'Would render' : 'Rendering'} ${component.name}@${component.to} again with the new answers in ${display}`);
    else reporter.line(`${would ? 'Would upgrade' : 'Upgrading'} ${component.name} ${component.from} → ${component.to} in ${display}`);
    const entries = (await request.changelog?.(component)) ?? [];
    changelogs[component.name] = entries;
    const change = changes.find((c) => c.target.manifest.name === component.name);
    if (request.fullChangelog || !change) {
      for (const entry of entries) reporter.line(reporter.color.dim(entry.text.split('\n').map((l) => `  │ ${l}`).join('\n')));
    } else {
      for (const line of summaryLines({ plan, change, paths: new Set(component.paths), changelog: entries })) reporter.line(reporter.color.dim(line));
    }
  }
  // --json always carries the whole changelog of every upgraded component.
  if (Object.keys(changelogs).length > 0) reporter.set({ changelogs });
}

/** Paths never diffed: secret in the lockfile or in the plan (a delete carries no policy). */
function secretPaths(lock: Lockfile, plan: Plan): Set<string> {
  return new Set([
    ...lock.templates.flatMap((t) => Object.entries(t.files).filter(([, f]) => f.policy === 'secret').map(([path]) => path)),
    ...plan.operations.filter((op) => 'policy' in op && op.policy === 'secret').map((op) => op.path),
  ]);
}

/** What a dry run shows under each file that would change (new files too, if asked). */
async function dryRunDiffs(ctx: CliContext, plan: Plan, secret: ReadonlySet<string>, reporter: Reporter, created: boolean): Promise<Map<string, string>> {
  const diffs = new Map<string, string>();
  for (const op of plan.operations) {
    if (op.kind === 'keep' || op.kind === 'skip' || (op.kind === 'create' && !created)) continue;
    if (secret.has(op.path)) {
      diffs.set(op.path, reporter.color.dim('  secret file, not shown'));
      continue;
    }
    const before = await readTarget(ctx.fs, plan.root, op.path, { what: 'the plan' });
    if (before || writes(op)) diffs.set(op.path, unifiedDiff(op.path, before, writes(op) ? op.bytes : undefined, reporter.color));
  }
  return diffs;
}

/**
 * `git add` of the files the run created (new in the version, moved by the template, the new
 * lockfile), so `git commit -am` cannot leave them out. Never secret files nor the side files
 * of a conflict (PATH.platform-new, PATH.rej): those are for you to take or remove.
 */
async function stageAdded(git: GitPort, plan: Plan, lock: Lockfile, reporter: Reporter): Promise<void> {
  const sides = new Set(plan.operations.flatMap((op) => (op.kind === 'conflict' && op.side ? [op.side.path] : [])));
  const added = plan.operations.filter((op) => op.kind === 'create' && op.policy !== 'secret' && !sides.has(op.path)).map((op) => op.path);
  if (lock.templates.length === 0) added.push(LOCKFILE_NAME);
  if (added.length === 0) return;
  const outcome = await git.stage(plan.root, added);
  reporter.set({ staged: outcome === 'staged' ? added : [] });
  if (outcome === 'staged') reporter.note(`Staged the ${added.length} new file(s) (git add), so a commit includes them.`);
  else if (outcome === 'failed') reporter.warn(`Could not stage the new files; add them before committing: git add ${added.map(shellQuote).join(' ')}`);
}

/** git's own line merge (loaded on the first merge only: a create never needs it). */
function lazyGitMerger(): TextMerger {
  let merger: Promise<TextMerger> | undefined;
  return async (base, ours, theirs, labels) => {
    merger ??= import('../merge/git-merge-file.js').then((m) => m.gitTextMerger());
    return (await merger)(base, ours, theirs, labels);
  };
}
