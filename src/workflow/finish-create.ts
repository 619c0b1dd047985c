import { posix } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { describeHooks, runHooksAfterWrite, trustNeeded, trustSettings, type ComponentHooks, type InstallGate } from '../hooks/hooks.js';
import type { Lockfile } from '../lock/lockfile.js';
import type { Plan } from '../plan/plan.js';
import type { StepResult } from '../steps/git.js';
import type { GitPort } from '../steps/git-port.js';
import type { Reporter } from '../ui/report.js';
import type { CliContext } from '../cli/context.js';
import { gitStep, installCommand, installStep, printNextSteps, type CreateSteps } from './create-steps.js';

/** The lockfiles package managers write at the root. */
const PM_LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json', 'pnpm-lock.yaml', 'yarn.lock', 'bun.lock', 'bun.lockb'];

/**
 * The first commit was made before the install finished (it failed then): the lockfile the
 * install just wrote is staged, so the next commit has it, and the run says so.
 */
async function stageInstallLock(fs: Fs, git: GitPort, root: string, reporter: Reporter): Promise<void> {
  const present: string[] = [];
  for (const name of PM_LOCKFILES) if (await statOrUndefined(fs, posix.join(root, name))) present.push(name);
  if (present.length === 0) return;
  const outcome = await git.stage(root, present);
  if (outcome === 'staged') reporter.line(`Staged ${present.join(', ')} from the install: commit it (git commit -m "Add ${present[0]}").`);
  else if (outcome === 'failed') reporter.warn(`Commit ${present.join(', ')} from the install: git add ${present.join(' ')} && git commit`);
}

/** What each package manager leaves in node_modules once an install has finished. */
const INSTALLED_MARKERS = ['.package-lock.json', '.modules.yaml', '.yarn-state.yml', '.yarn-integrity'];
const BUN_LOCKFILES = ['bun.lock', 'bun.lockb'];

/** Whether a finished install is in root (a killed or failed one leaves no marker behind). */
export async function installDone(fs: Fs, root: string): Promise<boolean> {
  const modules = await statOrUndefined(fs, posix.join(root, 'node_modules'));
  if (!modules?.isDirectory()) return false;
  for (const marker of INSTALLED_MARKERS) if (await statOrUndefined(fs, posix.join(root, 'node_modules', marker))) return true;
  for (const lock of BUN_LOCKFILES) if (await statOrUndefined(fs, posix.join(root, lock))) return true;
  return false;
}

export interface FinishInput {
  plan: Plan;
  /** The lockfile as the earlier run left it: which components' create hooks are still pending or failed. */
  lock: Lockfile;
  steps: CreateSteps;
  components: ComponentHooks[];
  display: string;
  dryRun: boolean;
  trust: boolean;
  mayAsk: boolean;
}

/**
 * create-service run again on a folder it already created with the same versions and answers:
 * nothing is written; what an earlier run left undone (create hooks the lockfile marks pending
 * or failed, a failed or killed install, the first commit) is finished, so a bootstrap script
 * can simply retry. Hooks that finished never run twice.
 */
export async function finishCreate(ctx: CliContext, git: GitPort, reporter: Reporter, input: FinishInput): Promise<ExitCode> {
  const { plan, steps, display } = input;
  const root = plan.root;
  const names = plan.components.map((c) => `${c.name}@${c.to}`).join(', ');
  const command = await installCommand(plan, steps, ctx);
  const install = command !== undefined && !(await installDone(ctx.fs, root));
  const commit = steps.git && (await git.firstCommitPending(root));
  // Create hooks run again only where the lockfile says they did not finish (pending, failed).
  const unfinished = new Set(input.lock.templates.filter((t) => t.hooks !== undefined).map((t) => t.name));
  const components = input.components.map((c) => (unfinished.has(c.name) ? c : { ...c, hooks: [] }));
  const hooks = components.filter((c) => c.hooks.length > 0).map((c) => c.name);
  const undone = [...(hooks.length > 0 ? [`the hooks of ${hooks.join(', ')}`] : []), ...(install ? [`install (${command})`] : []), ...(commit ? ['the first commit'] : [])];
  reporter.set({ alreadyCreated: true, undone });
  if (undone.length === 0) {
    reporter.line(`${display} is already created from ${names} with these versions and answers: nothing to do.`);
    return ExitCode.ok;
  }
  reporter.line(`${display} is already created from ${names}; ${input.dryRun ? 'would finish' : 'finishing'} what an earlier run left undone: ${undone.join(', ')}.`);
  // Hooks and the install run template code: the same trust decision as a first run.
  const gate: InstallGate | undefined = install ? { command: command!, sources: input.components.map((c) => c.source) } : undefined;
  const trust = await trustSettings(ctx.fs, ctx.env);
  if (input.dryRun) {
    for (const line of describeHooks(components)) reporter.line(`Then would run: ${line}`);
    if (install) reporter.line(`Then would run: ${command}`);
    reporter.line('Dry run: nothing was run.');
    const needed = trustNeeded({ components, conflicts: false, install: gate, trust: input.trust, ...trust, root, dryRun: true });
    if (needed && !input.mayAsk) return reporter.fail(needed.refusal);
    return ExitCode.ok;
  }
  // The recorded lockfile, so finished hooks clear their mark and nothing else in it changes.
  const trusted = gate || hooks.length > 0 ? await runHooksAfterWrite(ctx, trust, { root, components, lockfile: input.lock, trust: input.trust, mayAsk: input.mayAsk, conflicts: false, out: reporter, ...(gate ? { install: gate } : {}) }) : ExitCode.ok;
  const results: StepResult[] = [];
  reporter.set({ steps: results });
  const installed: StepResult = !install
    ? { name: 'install', status: 'skipped', detail: command === undefined ? 'nothing to install' : 'already installed' }
    : gate?.allowed !== true
      ? { name: 'install', status: 'skipped', detail: 'untrusted' }
      : await installStep(root, plan, steps, ctx, reporter);
  results.push(installed);
  results.push(commit ? await gitStep(git, root, names, plan, steps, reporter, true) : { name: 'git', status: 'skipped', detail: 'already committed' });
  if (!commit && installed.status === 'done' && steps.git) await stageInstallLock(ctx.fs, git, root, reporter);
  printNextSteps(display, plan, installed, ctx, reporter);
  if (trusted !== ExitCode.ok) return trusted;
  return results.some((step) => step.status === 'failed') ? ExitCode.unexpected : ExitCode.ok;
}
