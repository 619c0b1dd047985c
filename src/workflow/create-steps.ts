import { basename } from 'node:path';
import { ExitCode, PlatformError } from '../core/errors.js';
import type { Plan } from '../plan/plan.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { StepResult } from '../steps/git.js';
import type { GitPort } from '../steps/git-port.js';
import type { Reporter } from '../ui/report.js';
import { startProgress } from '../ui/progress.js';
import type { CliContext } from '../cli/context.js';
import { findPlaceholders, groupPlaceholders } from '../answers/placeholder.js';
import { writes } from '../plan/plan.js';

const decoder = new TextDecoder();

/** What create does after writing: a first commit, then the dependency install. */
export interface CreateSteps {
  git: boolean;
  install: boolean;
}

/** git init + first commit; a failure (no git, read-only or full disk) is an error of the run (exit 1), the files stay. */
export async function gitStep(git: GitPort, root: string, names: string, plan: Plan, options: CreateSteps, reporter: Reporter, resume = false): Promise<StepResult> {
  if (!options.git) return { name: 'git', status: 'skipped', detail: '--no-git' };
  // Secret files are never committed by the CLI.
  const secret = plan.operations.filter((op) => 'policy' in op && op.policy === 'secret').map((op) => op.path);
  let result: StepResult;
  try {
    // resume: the repository at root is create's own, its first commit still to make.
    if (!resume && (await git.insideRepository(root))) return { name: 'git', status: 'skipped', detail: 'already inside a git repository' };
    result = await git.initRepository(root, `Create ${basename(root)} from ${names}`, secret);
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
export async function installCommand(plan: Plan, options: CreateSteps, ctx: CliContext): Promise<string | undefined> {
  if (!options.install || !plan.operations.some((op) => op.path === 'package.json')) return undefined;
  const { packageManagerFrom } = await import('../steps/install.js');
  return `${packageManagerFrom(ctx.env.npm_config_user_agent)} install`;
}

export async function installStep(root: string, plan: Plan, options: CreateSteps, ctx: CliContext, reporter: Reporter): Promise<StepResult> {
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

export function printNextSteps(display: string, plan: Plan, install: StepResult, ctx: CliContext, reporter: Reporter): void {
  const pm = ctx.env.npm_config_user_agent?.split('/')[0] ?? 'npm';
  const hasPackage = plan.operations.some((op) => op.path === 'package.json');
  // Only ever a command that runs the CLI pinned in the repository, never a package fetched by name.
  const cli = plan.lockfile.cli;
  const pinned = cli !== undefined && pinsCli(plan, cli.package);
  const upgrade = pinned ? 'npx --no-install platform upgrade' : `platform upgrade   (with ${cli?.package ?? 'this CLI'} installed)`;
  if (pinned && cli.version.startsWith('file:')) {
    reporter.warn(`This CLI runs from a checkout, not from a registry: the repository pins it as ${cli.version}. Publish the CLI, or set PLATFORM_CLI_DEPENDENCY to the spec teams should install.`);
  }
  reporter.line();
  reporter.line('Next steps:');
  if (display !== '.') reporter.line(`  cd ${display}`);
  if (hasPackage && install.status !== 'done') reporter.line(`  ${pm} install`);
  if (hasPackage) reporter.line(`  ${pm} run dev`);
  reporter.line(`  Later: ${upgrade}   (keeps your edits; ${LOCKFILE_NAME} records what was rendered)`);
}

/** Whether the package.json the plan writes has the CLI as a dependency (service 1.2.0 and later). */
function pinsCli(plan: Plan, name: string): boolean {
  const op = plan.operations.find((o) => o.path === 'package.json');
  if (!op || !('bytes' in op)) return false;
  try {
    const pkg = JSON.parse(new TextDecoder().decode(op.bytes)) as { devDependencies?: Record<string, unknown>; dependencies?: Record<string, unknown> };
    return Object.hasOwn(pkg.devDependencies ?? {}, name) || Object.hasOwn(pkg.dependencies ?? {}, name);
  } catch {
    return false;
  }
}


/**
 * The answers still `<set-me:NAME>` in the files this plan writes (never read from secret files),
 * one warning each, in the human output and --json `warnings`; `placeholders` in --json lists
 * them with file:line. Deploys fail until they are set.
 */
export function warnPlaceholders(plan: Plan, reporter: Reporter): void {
  const hits = plan.operations.flatMap((op) =>
    writes(op) && op.policy !== 'secret' ? findPlaceholders(op.path, decoder.decode(op.bytes)) : [],
  );
  if (hits.length === 0) return;
  const grouped = groupPlaceholders(hits);
  reporter.set({ placeholders: [...grouped].map(([name, where]) => ({ name, marker: `<set-me:${name}>`, where })) });
  for (const [name, where] of grouped) {
    const shown = where.length > 2 ? `${where.slice(0, 2).join(', ')} and ${where.length - 2} more` : where.join(', ');
    reporter.warn(`${name} has no value yet: the files hold <set-me:${name}> (${shown}); set it with \`platform upgrade --set ${name}=VALUE\` before the first deploy (\`platform status --check\` lists every place).`);
  }
}

/**
 * The Node.js the generated package.json asks for (engines.node, `>=MAJOR[.MINOR]`) against the
 * one running this CLI: said before the install, because the service would not build or start.
 */
export function warnNodeVersion(plan: Plan, running: string | undefined, reporter: Reporter): void {
  if (running === undefined) return;
  const op = plan.operations.find((o) => o.path === 'package.json');
  if (!op || !writes(op)) return;
  let engines: unknown;
  try {
    engines = (JSON.parse(decoder.decode(op.bytes)) as { engines?: { node?: unknown } }).engines?.node;
  } catch {
    return;
  }
  const wanted = typeof engines === 'string' ? /^>=\s*(\d+)(?:\.(\d+))?/.exec(engines.trim()) : null;
  const have = /^v?(\d+)\.(\d+)/.exec(running);
  if (!wanted || !have) return;
  const [needMajor, needMinor] = [Number(wanted[1]), Number(wanted[2] ?? 0)];
  const [major, minor] = [Number(have[1]), Number(have[2])];
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return;
  reporter.warn(`The new service needs Node.js ${String(engines)} (engines.node in package.json; .nvmrc names the major); this is Node.js ${running.replace(/^v/, '')}. Install Node.js ${needMajor} or newer (for example \`nvm install ${needMajor}\`) before installing, building or starting it.`);
}
