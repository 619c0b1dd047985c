import { posix, relative, resolve, basename } from 'node:path';
import { statOrUndefined } from '../core/fs.js';
import { readTarget } from '../core/target.js';
import { readGivenAnswers } from './project.js';
import { Catalog } from '../sources/catalog.js';
import { ExitCode, PlatformError, UsageError } from '../core/errors.js';
import type { GivenAnswer } from '../answers/resolve.js';
import { planComposition, resolveComposition, selectTemplates, sourceLabel } from './compose.js';
import type { Template } from '../template/template.js';
import { DEFAULT_PRESET } from '../template/preset.js';
import { MAX_INPUT_BYTES } from '../core/yaml-source.js';
import { EMPTY_LOCKFILE, parseLockfile, type Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { Plan } from '../plan/prepare.js';
import { applyPlan } from '../apply/apply-plan.js';
import type { Reporter } from '../ui/report.js';
import { startProgress } from '../ui/progress.js';
import type { StepResult } from '../steps/git.js';
import { isInteractive, prepareRoot, type CliContext } from './context.js';
import type { CreateOptions } from './options.js';
import { askText, inquirerPrompter } from './prompter.js';
import { planHooks, withPendingHooks, describeHooks, runHooksAfterWrite, trustSettings, trustNeeded, type InstallGate } from '../hooks/hooks.js';

const decoder = new TextDecoder();
/** Entries that do not make a folder "non-empty". */
const HARMLESS_ENTRIES = new Set(['.git', '.DS_Store', 'Thumbs.db']);

/** create-service [directory] / platform new: render a template into a new folder. */
export async function runCreate(directory: string | undefined, options: CreateOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const interactive = isInteractive(ctx) && !options.yes;
  const given = await readGivenAnswers(options, ctx);
  const selection = await selectTemplates(new Catalog(ctx), ctx.fs, options.template ?? DEFAULT_PRESET, ctx.cwd);
  const root = await chooseTarget(directory, given, interactive, ctx);
  await prepareRoot(ctx, root, Boolean(options.dryRun), (text) => reporter.warn(text));
  const lock = await checkTarget(root, selection.templates, options, ctx);

  const { included, answers } = await resolveComposition({
    selection,
    given,
    defaults: new Map(),
    useDefaults: Boolean(options.yes),
    prompter: interactive ? inquirerPrompter(ctx.stderr) : undefined,
    targetName: basename(root),
  });
  const hooks = planHooks(included.map((template) => ({ template, source: sourceLabel(template) })), 'create', answers.values, answers.secrets, basename(root));
  const plan = withPendingHooks(await planComposition(ctx.fs, root, included, answers, lock), hooks);
  const trust = await trustSettings(ctx.fs, ctx.env);
  const display = relative(ctx.cwd, root) || '.';
  const names = plan.components.map((c) => `${c.name}@${c.version}`).join(', ');
  reporter.set({
    dryRun: Boolean(options.dryRun),
    target: root,
    templates: plan.components,
    files: describeFiles(plan),
    conflicts: plan.conflicts,
  });

  if (options.dryRun) {
    reporter.line(`Dry run: nothing was written. In ${display}, ${names} would:`);
    printOperations(plan, reporter, 'would');
    const commands = describeHooks(hooks);
    if (commands.length > 0) {
      reporter.line('Then would run (template hooks; not built-in templates only with --trust or a trust list entry):');
      for (const line of commands) reporter.line(`  ${line}`);
    }
    // The same trust decision as the real run, so the same exit code.
    const install = await installCommand(plan, options, ctx);
    const needed = trustNeeded({
      components: hooks,
      conflicts: plan.conflicts.length > 0,
      install: install ? { command: install, sources: hooks.map((c) => c.source) } : undefined,
      trust: Boolean(options.trust),
      ...trust,
      root,
      dryRun: true,
    });
    if (needed && !interactive) return reporter.fail(needed.refusal);
    if (needed) reporter.line(`A real run would ask before running: ${needed.commands.join('; ')}`);
    return plan.conflicts.length > 0 ? ExitCode.conflicts : ExitCode.ok;
  }

  reporter.line(`Creating ${display} from ${names}`);
  await applyPlan(ctx.fs, plan, { pid: ctx.pid });
  ctx.onCancel(`Cancelled. The files are written in ${display}; run \`npm install\` there yourself.`);
  printOperations(plan, reporter, 'did');

  const steps: StepResult[] = [];
  reporter.set({ steps });
  let exitCode: ExitCode = plan.conflicts.length > 0 ? ExitCode.conflicts : ExitCode.ok;
  // The install runs code of every template that wrote files: the hooks' trust question covers it.
  const gate = await installCommand(plan, options, ctx);
  const installGate: InstallGate | undefined = gate ? { command: gate, sources: hooks.map((c) => c.source) } : undefined;
  const hooksExit = await runHooksAfterWrite(ctx, trust, {
    root,
    components: hooks,
    lockfile: plan.lockfile,
    trust: Boolean(options.trust),
    mayAsk: interactive,
    conflicts: plan.conflicts.length > 0,
    out: reporter,
    ...(installGate ? { install: installGate } : {}),
  });
  if (hooksExit !== ExitCode.ok) exitCode = hooksExit;

  const git = await gitStep(root, names, plan, options, reporter);
  steps.push(git);
  if (git.status === 'failed') exitCode = exitCode === ExitCode.ok ? ExitCode.unexpected : exitCode;
  const install = installGate && installGate.allowed !== true
    ? ({ name: 'install', status: 'skipped', detail: 'untrusted' } as const)
    : await installStep(root, plan, options, ctx, reporter);
  steps.push(install);
  if (install.status === 'failed') exitCode = exitCode === ExitCode.ok ? ExitCode.unexpected : exitCode;

  if (plan.conflicts.length > 0) {
    reporter.line();
    reporter.line(reporter.color.yellow(`${plan.conflicts.length} file(s) had a different version already: resolve the conflict markers in`));
    for (const path of plan.conflicts) reporter.line(`  ${path}`);
  }
  printNextSteps(display, plan, install, ctx, reporter);
  return exitCode;
}

async function chooseTarget(directory: string | undefined, given: Map<string, GivenAnswer>, interactive: boolean, ctx: CliContext): Promise<string> {
  if (directory !== undefined && directory.trim() !== '') return resolve(ctx.cwd, directory);
  const name = given.get('name')?.value;
  if (typeof name === 'string' && name !== '') return resolve(ctx.cwd, name);
  if (interactive) {
    const answer = await askText(ctx.stderr, 'Folder for the new service', 'my-service', (value) =>
      value.trim() === '' ? 'Enter a folder name' : true,
    );
    return resolve(ctx.cwd, answer.trim());
  }
  throw new UsageError('target-missing', 'No directory given for the new service, and no terminal to ask for one.', {
    hint: 'Name it: create-service payments-api (or pass --set name=payments-api).',
  });
}

/** The target must be a folder that is empty (or --force), and not already hold this template. */
async function checkTarget(root: string, templates: Template[], options: CreateOptions, ctx: CliContext): Promise<Lockfile> {
  const stat = await statOrUndefined(ctx.fs, root);
  if (!stat) return EMPTY_LOCKFILE;
  if (!stat.isDirectory()) {
    throw new UsageError('target-not-directory', `${root} exists and is not a folder.`, { hint: 'Choose another directory name.' });
  }
  const lockPath = posix.join(root, LOCKFILE_NAME);
  const lockBytes = await readTarget(ctx.fs, root, LOCKFILE_NAME, { what: "the target folder" }, { lockfile: true, maxBytes: MAX_INPUT_BYTES.lockfile });
  const lock = lockBytes ? parseLockfile(decoder.decode(lockBytes), lockPath) : EMPTY_LOCKFILE;
  const existing = lock.templates.find((t) => templates.some((template) => template.manifest.name === t.name));
  if (existing) {
    throw new UsageError('already-created', `${root} already holds ${existing.name}@${existing.version} (see ${LOCKFILE_NAME}).`, {
      hint: `Run \`platform upgrade ${existing.name}\` in that folder to move it to a newer version.`,
    });
  }
  const entries = (await ctx.fs.readdir(root, { withFileTypes: true })).map((e) => e.name).filter((n) => !HARMLESS_ENTRIES.has(n));
  if (entries.length > 0 && !options.force) {
    const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} in all)` : '');
    throw new UsageError('target-not-empty', `${root} is not empty (${shown}). Nothing was written.`, {
      hint: 'Choose a new directory, or pass --force to add the service there: existing files are kept, and any that differ are marked as conflicts.',
    });
  }
  return lock;
}

function describeFiles(plan: Plan): Array<Record<string, unknown>> {
  return [
    ...plan.operations.map((op) => ({
      path: op.path,
      action: op.kind,
      ...('policy' in op ? { policy: op.policy } : {}),
      reason: op.reason,
    })),
    { path: LOCKFILE_NAME, action: 'update', reason: 'records what the template wrote' },
  ];
}

const VERBS = {
  create: ['create', 'created'],
  update: ['update', 'updated'],
  merge: ['merge', 'merged'],
  conflict: ['conflict', 'conflict'],
  delete: ['delete', 'deleted'],
  keep: ['keep', 'kept'],
  skip: ['skip', 'skipped'],
} as const;

function printOperations(plan: Plan, reporter: Reporter, tense: 'would' | 'did'): void {
  const c = reporter.color;
  const paint = { create: c.green, update: c.cyan, merge: c.cyan, conflict: c.red, delete: c.red, keep: c.dim, skip: c.dim };
  for (const op of plan.operations) {
    const verb = VERBS[op.kind][tense === 'would' ? 0 : 1];
    const extra = op.kind === 'create' ? '' : c.dim(` (${op.reason})`);
    reporter.line(`  ${paint[op.kind](verb.padEnd(9))}${op.path}${extra}`);
  }
  reporter.line(`  ${c.green((tense === 'would' ? 'write' : 'wrote').padEnd(9))}${LOCKFILE_NAME}`);
  const counts = new Map<string, number>();
  for (const op of plan.operations) counts.set(op.kind, (counts.get(op.kind) ?? 0) + 1);
  const summary = [...counts].map(([kind, n]) => `${n} ${VERBS[kind as keyof typeof VERBS][1]}`).join(', ');
  reporter.line(`${plan.operations.length} files: ${summary}.`);
}

/** git init + first commit; a failure (no git, read-only or full disk) is an error of the run (exit 1), the files stay. */
async function gitStep(root: string, names: string, plan: Plan, options: CreateOptions, reporter: Reporter): Promise<StepResult> {
  if (!options.git) return { name: 'git', status: 'skipped', detail: '--no-git' };
  const { insideGitRepo, initRepository } = await import('../steps/git.js');
  // Secret files are never committed by the CLI.
  const secret = plan.operations.filter((op) => 'policy' in op && op.policy === 'secret').map((op) => op.path);
  let result: StepResult;
  try {
    if (await insideGitRepo(root)) return { name: 'git', status: 'skipped', detail: 'already inside a git repository' };
    result = await initRepository(root, `Create ${basename(root)} from ${names}`, secret);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    result = { name: 'git', status: 'failed', detail: error.message.replace(/\.$/, '') };
  }
  if (result.status === 'failed') {
    const output = result.output?.trim();
    reporter.fail(
      new PlatformError('git-failed', ExitCode.unexpected, `The git step failed: ${result.detail}. The files are written in ${root}.`, {
        hint: 'Fix the cause (git installed and on PATH, disk space, permissions), then run `git init && git add --all && git commit` there yourself; or pass --no-git.',
        ...(output ? { problems: output.split('\n').filter(Boolean).slice(-10) } : {}),
      }),
    );
  } else {
    reporter.note(`${reporter.color.green('✔')} git: ${result.detail}`);
    if (secret.length > 0) reporter.warn(`Not committed, because they hold secret answers: ${secret.join(', ')}. Add them to .gitignore so nobody commits them.`);
  }
  return result;
}

/** The install command create would run after writing (as shown to the user), or undefined when it runs none. */
async function installCommand(plan: Plan, options: CreateOptions, ctx: CliContext): Promise<string | undefined> {
  if (!options.install || !plan.operations.some((op) => op.path === 'package.json')) return undefined;
  const { packageManagerFrom } = await import('../steps/install.js');
  return `${packageManagerFrom(ctx.env.npm_config_user_agent)} install`;
}

async function installStep(root: string, plan: Plan, options: CreateOptions, ctx: CliContext, reporter: Reporter): Promise<StepResult> {
  if (!options.install) return { name: 'install', status: 'skipped', detail: '--no-install' };
  if (!plan.operations.some((op) => op.path === 'package.json')) {
    return { name: 'install', status: 'skipped', detail: 'no package.json' };
  }
  const { installDependencies, packageManagerFrom } = await import('../steps/install.js');
  const pm = packageManagerFrom(ctx.env.npm_config_user_agent);
  const progress = startProgress(ctx.stderr, `Installing dependencies with ${pm}…`, !reporter.json || Boolean(ctx.stderr.isTTY));
  const result = await installDependencies(root, pm);
  progress.stop();
  if (result.status === 'failed') {
    reporter.fail(
      new PlatformError('install-failed', ExitCode.unexpected, `Installing dependencies failed: ${result.detail}. The files are written.`, {
        hint: `Fix the cause, then run \`${pm} install\` in ${root}.`,
        ...(result.output ? { problems: result.output.split('\n').filter(Boolean) } : {}),
      }),
    );
  } else {
    reporter.note(`${reporter.color.green('✔')} install: ${result.detail}`);
  }
  return result;
}

function printNextSteps(display: string, plan: Plan, install: StepResult, ctx: CliContext, reporter: Reporter): void {
  const pm = ctx.env.npm_config_user_agent?.split('/')[0] ?? 'npm';
  const hasPackage = plan.operations.some((op) => op.path === 'package.json');
  reporter.line();
  reporter.line('Next steps:');
  if (display !== '.') reporter.line(`  cd ${display}`);
  if (hasPackage && install.status !== 'done') reporter.line(`  ${pm} install`);
  if (hasPackage) reporter.line(`  ${pm} run dev`);
  reporter.line(`  Later: npx platform upgrade   (keeps your edits; ${LOCKFILE_NAME} records what was rendered)`);
}

