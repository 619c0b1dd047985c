import { join, relative, basename } from 'node:path';
import { ExitCode, UsageError } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import { EMPTY_LOCKFILE } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { applyPlan } from '../apply/apply-plan.js';
import type { Reporter } from '../ui/report.js';
import { isInteractive, prepareRoot, type CliContext } from './context.js';
import type { AnswerOptions } from './options.js';
import { inquirerPrompter } from './prompter.js';
import { findProjectRoot, readGivenAnswers, readLockfile } from './project.js';
import { Catalog } from '../sources/catalog.js';
import { planComposition, resolveComposition, selectTemplates, sourceLabel } from './compose.js';
import { describeHooks, planHooks, runHooksAfterWrite, trustNeeded, trustSettings, withPendingHooks } from '../hooks/hooks.js';
import { inferAnswers } from './infer.js';

export interface AddOptions extends AnswerOptions {
  dryRun?: boolean;
  json?: boolean;
}

/** platform add COMPONENT[@VERSION]: adopt one component in the repository here, created by us or not. */
export async function runAdd(spec: string, options: AddOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const root = await findProjectRoot(ctx, { orCwd: true });
  await prepareRoot(ctx, root, Boolean(options.dryRun), (text) => reporter.warn(text));
  const lock = (await statOrUndefined(ctx.fs, join(root, LOCKFILE_NAME))) ? await readLockfile(ctx, root) : EMPTY_LOCKFILE;
  const catalog = new Catalog(ctx);
  const selection = await selectTemplates(catalog, ctx.fs, spec, ctx.cwd);
  for (const template of selection.templates) {
    const existing = lock.templates.find((t) => t.name === template.manifest.name);
    if (existing) {
      throw new UsageError('already-added', `${existing.name}@${existing.version} is already part of this repository.`, {
        hint: `Run \`platform upgrade ${existing.name}\` to move it to a newer version.`,
      });
    }
  }
  const given = await readGivenAnswers(options, ctx);
  const { included, answers } = await resolveComposition({
    selection,
    given,
    defaults: await inferAnswers(ctx.fs, root, lock),
    useDefaults: Boolean(options.yes),
    prompter: isInteractive(ctx) && !options.yes ? inquirerPrompter(ctx.stderr) : undefined,
    targetName: basename(root),
  });
  const hooks = planHooks(included.map((template) => ({ template, source: sourceLabel(template) })), 'create', answers.values, answers.secrets, basename(root));
  const plan = withPendingHooks(await planComposition(ctx.fs, root, included, answers, lock), hooks);
  const trust = await trustSettings(ctx.fs, ctx.env);
  const names = plan.components.map((c) => `${c.name}@${c.version}`).join(', ');
  reporter.set({
    dryRun: Boolean(options.dryRun),
    root,
    templates: plan.components,
    files: plan.operations.map((op) => ({ path: op.path, action: op.kind, reason: op.reason })),
    conflicts: plan.conflicts,
  });
  const c = reporter.color;
  reporter.line(`${options.dryRun ? 'Dry run: nothing was written. Would add' : 'Adding'} ${names} to ${relative(ctx.cwd, root) || '.'}`);
  for (const op of plan.operations) {
    reporter.line(`  ${(op.kind === 'conflict' ? c.red : op.kind === 'create' ? c.green : c.dim)(op.kind.padEnd(9))}${op.path}${op.kind === 'create' ? '' : c.dim(` (${op.reason})`)}`);
  }
  if (!options.dryRun) await applyPlan(ctx.fs, plan, { pid: ctx.pid });
  if (options.dryRun) {
    const commands = describeHooks(hooks);
    if (commands.length > 0) reporter.line(`Then would run (template hooks):\n${commands.map((l) => `  ${l}`).join('\n')}`);
    // The same trust decision as the real run, so the same exit code.
    const needed = trustNeeded({ components: hooks, conflicts: plan.conflicts.length > 0, install: undefined, trust: Boolean(options.trust), ...trust, root, dryRun: true });
    if (needed && !(isInteractive(ctx) && !options.yes)) return reporter.fail(needed.refusal);
    if (needed) reporter.line(`A real run would ask before running: ${needed.commands.join('; ')}`);
  } else {
    const hooksExit = await runHooksAfterWrite(ctx, trust, {
      root,
      components: hooks,
      lockfile: plan.lockfile,
      trust: Boolean(options.trust),
      mayAsk: isInteractive(ctx) && !options.yes,
      conflicts: plan.conflicts.length > 0,
      out: reporter,
    });
    if (hooksExit !== ExitCode.ok) return hooksExit;
  }
  if (plan.conflicts.length > 0) {
    reporter.line(c.yellow(`${plan.conflicts.length} existing file(s) differ from the component's: ${options.dryRun ? 'they would be' : 'they are'} marked as conflicts (exit 3).`));
    return ExitCode.conflicts;
  }
  return ExitCode.ok;
}
