import { canonicalSource } from '../sources/canonical.js';
import { posix, relative } from 'node:path';
import { ExitCode, UnsafeError, UsageError, didYouMean } from '../core/errors.js';
import { assertSafeRelative, readTarget } from '../core/target.js';
import { resolveAnswers, type GivenAnswer } from '../answers/resolve.js';
import { renderTemplate } from '../render/render.js';
import { createRenderer } from '../render/handlebars.js';
import { expressionEvaluator } from '../plan/prepare.js';
import { planUpgrade, type ConflictStyle, type UpgradePlan } from '../plan/upgrade.js';
import { writes, type FileOperation } from '../plan/plan.js';
import { applyPlan } from '../apply/apply-plan.js';
import { withTemplate, serializeLockfile, type LockedTemplate, type Lockfile } from '../lock/lockfile.js';
import { compareVersions } from '../template/semver.js';
import type { Template } from '../template/template.js';
import type { Reporter } from '../ui/report.js';
import { unifiedDiff } from '../ui/diff.js';
import { isInteractive, prepareRoot, type CliContext } from './context.js';
import type { AnswerOptions } from './options.js';
import { inquirerPrompter } from './prompter.js';
import { describeHooks, planHooks, runHooksAfterWrite, trustNeeded, trustSettings, withPendingHooks, type ComponentHooks } from '../hooks/hooks.js';
import { findProjectRoot, readGivenAnswers, readLockfile, renderRecorded } from './project.js';
import { Catalog } from '../sources/catalog.js';

export interface UpgradeOptions extends AnswerOptions {
  to?: string;
  dryRun?: boolean;
  json?: boolean;
  conflict: ConflictStyle;
  force?: boolean;
  allowDirty?: boolean;
}

/** platform upgrade [COMPONENT] [--to VERSION]: every component (or one) to its latest (or named) version. */
export async function runUpgrade(component: string | undefined, options: UpgradeOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  if (options.conflict !== 'markers' && options.conflict !== 'reject') {
    throw new UsageError('conflict-style', `--conflict ${String(options.conflict)}: expected markers or reject.`, {
      hint: 'markers (the default) puts git-style markers in the file; reject keeps your file and writes FILE.rej beside it.',
    });
  }
  if (options.to !== undefined && options.to.trim() === '') {
    throw new UsageError('to-empty', '--to was given an empty version.', { hint: 'Give a version (platform upgrade COMPONENT --to 1.2.0), or leave --to out for the latest.' });
  }
  const root = await findProjectRoot(ctx);
  await prepareRoot(ctx, root, Boolean(options.dryRun), (text) => reporter.warn(text));
  let lock = await readLockfile(ctx, root);
  // Never diffed in a dry run, whatever the operation (a delete carries no policy).
  const secretPaths = new Set(lock.templates.flatMap((t) => Object.entries(t.files).filter(([, f]) => f.policy === 'secret').map(([path]) => path)));
  const catalog = new Catalog(ctx);
  const targets = chooseComponents(lock, component, options.to);
  const given = await readGivenAnswers(options, ctx);
  const { gitTextMerger } = await import('../merge/git-merge-file.js');
  const textMerger = await gitTextMerger();
  const display = relative(ctx.cwd, root) || '.';

  const plans: UpgradePlan[] = [];
  const hooks: ComponentHooks[] = [];
  const upToDate: string[] = [];
  for (const locked of targets) {
    const version = options.to ?? (await catalog.latest(locked.name, locked.source));
    if (!version) {
      throw new UsageError('template-unknown', `${locked.name} (in .platform.yaml) is not a built-in template of this CLI.`, {
        hint: 'Update the CLI (npx create-service@latest …), or remove the component from .platform.yaml.',
      });
    }
    if (version === locked.version) {
      upToDate.push(`${locked.name}@${locked.version}`);
      continue;
    }
    if (compareVersions(version, locked.version) < 0 && !options.force) {
      throw new UnsafeError('downgrade', `${locked.name} is at ${locked.version}; --to ${version} would go back.`, {
        hint: 'Pass --force to move to an older version on purpose.',
      });
    }
    const target = await catalog.load(`${locked.name}@${version}`, locked.source);
    const answers = await resolveUpgradeAnswers(target, locked, given, options, ctx, root);
    const secrets = new Set(Object.keys(answers.values).filter((name) => !(name in answers.persisted)));
    hooks.push(...planHooks([{ template: target, source: locked.source }], 'upgrade', answers.values, secrets, posix.basename(root)));
    // undefined when the recorded version cannot be rendered any more (then: hashes, two-way).
    const base = await renderRecorded(catalog, locked, root).catch(() => undefined);
    const theirs = renderTemplate(target, { answers: answers.values, targetName: posix.basename(root) });
    const plan = await planUpgrade({
      fs: ctx.fs,
      root,
      lock,
      locked,
      base,
      theirs,
      target: { name: locked.name, version, source: canonicalSource(locked.source) },
      answers: answers.persisted,
      renames: renderRenames(target, answers.values, root),
      textMerger,
      conflictStyle: options.conflict,
      force: Boolean(options.force),
    });
    lock = plan.lockfile;
    plans.push(plan);
  }

  const combined = withPendingHooks(combinePlans(plans, lock, root), hooks);
  const trust = await trustSettings(ctx.fs, ctx.env);
  reporter.set({
    dryRun: Boolean(options.dryRun),
    root,
    upToDate,
    components: plans.map((p) => ({ name: p.template.name, from: p.from, to: p.template.version, notes: p.notes, twoWay: p.twoWay })),
    files: combined.operations.map((op) => ({ path: op.path, action: op.kind, reason: op.reason })),
    conflicts: combined.conflicts,
  });
  for (const name of upToDate) reporter.line(`${name} is up to date.`);
  if (plans.length === 0) return ExitCode.ok;

  for (const plan of plans) {
    reporter.line(`${options.dryRun ? 'Would upgrade' : 'Upgrading'} ${plan.template.name} ${plan.from} → ${plan.template.version} in ${display}`);
    for (const entry of await catalog.changelogs(plan.template.name, plan.from, plan.template.version, plan.template.source)) {
      reporter.line(reporter.color.dim(entry.text.split('\n').map((l) => `  │ ${l}`).join('\n')));
    }
  }

  const changing = combined.operations.filter((op) => op.kind !== 'keep' && op.kind !== 'skip');
  if (!options.allowDirty) {
    const { uncommittedPaths } = await import('../steps/git-index.js');
    const dirty = await uncommittedPaths(root, changing.map((op) => op.path));
    if (dirty.length > 0) {
      throw new UnsafeError('dirty-files', `The upgrade would change files with uncommitted changes: ${dirty.join(', ')}. Nothing was written.`, {
        hint: 'Commit or stash them first, or pass --allow-dirty to merge into them as they are.',
      });
    }
  }

  if (options.dryRun) {
    for (const op of changing) {
      reporter.line(`${reporter.color.bold(op.kind.padEnd(8))} ${op.path} ${reporter.color.dim(`(${op.reason})`)}`);
      if (secretPaths.has(op.path) || ('policy' in op && op.policy === 'secret')) {
        reporter.line(reporter.color.dim('  secret file, not shown'));
        continue;
      }
      const before = await readTarget(ctx.fs, root, op.path, { what: 'the upgrade plan' });
      const after = writes(op) ? op.bytes : undefined;
      if (op.kind !== 'delete' || before) reporter.line(unifiedDiff(op.path, before, after, reporter.color));
    }
    reportNotes(plans, reporter);
    const commands = describeHooks(hooks);
    if (commands.length > 0) reporter.line(`Then would run (template hooks):\n${commands.map((l) => `  ${l}`).join('\n')}`);
    reporter.line(`Dry run: nothing was written. ${summary(combined.operations)}`);
    if (combined.conflicts.length > 0) return ExitCode.conflicts;
    // The same trust decision as the real run, so the same exit code.
    const needed = trustNeeded({ components: hooks, conflicts: false, install: undefined, trust: Boolean(options.trust), ...trust, root, dryRun: true });
    if (needed && !(isInteractive(ctx) && !options.yes)) return reporter.fail(needed.refusal);
    if (needed) reporter.line(`A real run would ask before running: ${needed.commands.join('; ')}`);
    return ExitCode.ok;
  }

  await applyPlan(ctx.fs, combined, { pid: ctx.pid });
  const conflicted = combined.operations.filter((op): op is Extract<FileOperation, { kind: 'conflict' }> => op.kind === 'conflict');
  if (conflicted.length > 0) {
    const { recordUnmerged } = await import('../steps/git-index.js');
    await recordUnmerged(root, conflicted.filter((op) => op.stages).map((op) => ({ path: op.path, executable: op.executable, stages: op.stages! })));
  }
  for (const op of changing) reporter.line(`  ${op.kind.padEnd(9)}${op.path} ${reporter.color.dim(`(${op.reason})`)}`);
  reportNotes(plans, reporter);
  reporter.line(summary(combined.operations));
  const hooksExit = await runHooksAfterWrite(ctx, trust, {
    root,
    components: hooks,
    lockfile: combined.lockfile,
    trust: Boolean(options.trust),
    mayAsk: isInteractive(ctx) && !options.yes,
    conflicts: conflicted.length > 0,
    out: reporter,
  });
  if (hooksExit !== ExitCode.ok && conflicted.length === 0) return hooksExit;
  if (conflicted.length > 0) {
    reporter.line(reporter.color.yellow(`Conflicts left for you (exit 3): resolve the markers, then commit:`));
    for (const op of conflicted) reporter.line(`  ${op.path}`);
    return ExitCode.conflicts;
  }
  return ExitCode.ok;
}

function chooseComponents(lock: Lockfile, component: string | undefined, to: string | undefined): LockedTemplate[] {
  if (component === undefined) {
    if (to !== undefined && lock.templates.length > 1) {
      throw new UsageError('to-needs-component', '--to needs a component when the repository has several.', {
        hint: `Name one: platform upgrade ${lock.templates[0]!.name} --to ${to}.`,
      });
    }
    return [...lock.templates];
  }
  const found = lock.templates.find((t) => t.name === component);
  if (!found) {
    throw new UsageError('component-unknown', `This repository has no component "${component}".${didYouMean(component, lock.templates.map((t) => t.name))}`, {
      hint: `Its components: ${lock.templates.map((t) => `${t.name}@${t.version}`).join(', ') || 'none'}.`,
    });
  }
  return [found];
}

/** Recorded answers, then --answers/--set; questions new in the target are asked or defaulted. */
async function resolveUpgradeAnswers(target: Template, locked: LockedTemplate, given: Map<string, GivenAnswer>, options: UpgradeOptions, ctx: CliContext, root: string) {
  const questions = target.manifest.questions;
  const names = new Set(questions.map((q) => q.name));
  const merged = new Map<string, GivenAnswer>();
  for (const [name, value] of Object.entries(locked.answers)) {
    if (names.has(name)) merged.set(name, { value, where: { file: '.platform.yaml' } });
  }
  for (const [name, answer] of given) merged.set(name, answer);
  const resolved = await resolveAnswers({
    questions,
    given: merged,
    // A dry run shows what the defaults would do rather than stop to ask.
    useDefaults: Boolean(options.yes || options.dryRun),
    prompter: isInteractive(ctx) && !options.yes && !options.dryRun ? inquirerPrompter(ctx.stderr) : undefined,
    evaluate: expressionEvaluator(target, posix.basename(root)),
    templateId: `${target.manifest.name}@${target.manifest.version}`,
  });
  const persisted = Object.fromEntries(Object.entries(resolved.values).filter(([name]) => !resolved.secrets.has(name)));
  return { values: resolved.values, persisted };
}

function renderRenames(template: Template, answers: Record<string, unknown>, root: string): Map<string, string> {
  const renderer = createRenderer({ templateId: `${template.manifest.name}@${template.manifest.version}`, data: { target: posix.basename(root) } });
  const data = JSON.parse(JSON.stringify(answers)) as object;
  const origin = { what: `the renames of ${template.manifest.name}@${template.manifest.version} (template.yaml)` };
  return new Map(
    template.manifest.renames.map((r) => {
      const from = renderer.render(r.from, data, 'template.yaml');
      const to = renderer.render(r.to, data, 'template.yaml');
      assertSafeRelative(from, origin);
      assertSafeRelative(to, origin);
      return [from, to];
    }),
  );
}

/** Several components' plans as one write, checking that no two write the same path. */
function combinePlans(plans: UpgradePlan[], lock: Lockfile, root: string): UpgradePlan & { lockfile: Lockfile } {
  const seen = new Map<string, string>();
  const operations: FileOperation[] = [];
  for (const plan of plans) {
    for (const op of plan.operations) {
      const other = seen.get(op.path);
      if (other !== undefined && other !== plan.template.name && op.kind !== 'keep' && op.kind !== 'skip') {
        throw new UnsafeError('path-claimed-twice', `${op.path} is written by both ${other} and ${plan.template.name}.`, {
          hint: 'Upgrade one component at a time (platform upgrade COMPONENT) and resolve which owns the file.',
        });
      }
      seen.set(op.path, plan.template.name);
      operations.push(op);
    }
  }
  const first = plans[0];
  const finalLock = plans.reduce((acc, plan) => withTemplate(acc, plan.lockfile.templates.find((t) => t.name === plan.template.name)!), lock);
  return {
    root,
    template: first?.template ?? { name: '', version: '', source: '' },
    from: first?.from ?? '',
    operations,
    lockfile: finalLock,
    lockText: serializeLockfile(finalLock),
    conflicts: operations.filter((op) => op.kind === 'conflict').map((op) => op.path),
    twoWay: plans.flatMap((p) => p.twoWay),
    notes: plans.flatMap((p) => p.notes),
  };
}

function reportNotes(plans: UpgradePlan[], reporter: Reporter): void {
  for (const note of plans.flatMap((p) => p.notes)) reporter.warn(note);
}

function summary(operations: FileOperation[]): string {
  const counts = new Map<string, number>();
  for (const op of operations) counts.set(op.kind, (counts.get(op.kind) ?? 0) + 1);
  return `${operations.length} files: ${[...counts].map(([kind, n]) => `${n} ${kind}`).join(', ')}.`;
}
