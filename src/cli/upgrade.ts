import { posix } from 'node:path';
import { canonicalSource, resolveRelativeSource } from '../sources/canonical.js';
import { componentSource, sourceNotFound } from '../catalog/lookup.js';
import { recordPortably } from '../catalog/portable.js';
import { ExitCode, UnsafeError, UsageError, didYouMean } from '../core/errors.js';
import { resolveAnswers, type GivenAnswer, type Prompter, type ResolvedAnswers } from '../answers/resolve.js';
import { expressionEvaluator } from '../answers/expressions.js';
import type { ConflictStyle } from '../plan/decide.js';
import type { LockedTemplate, Lockfile } from '../lock/lockfile.js';
import { compareVersions } from '../template/semver.js';
import type { Template } from '../template/template.js';
import type { Reporter } from '../ui/report.js';
import { cliOf, isInteractive, openCatalog, type CliContext } from './context.js';
import type { AnswerOptions } from './options.js';
import { inquirerPrompter } from './prompter.js';
import { componentFlags } from './infer.js';
import { findProjectRoot, readGivenAnswers, readLockfile, renderRecordedVersion } from './project.js';
import { presetChecks } from './compose.js';
import { runWorkflow } from '../workflow/run-workflow.js';
import type { ComponentChange } from '../workflow/change.js';

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
  const { catalog, explicit } = await openCatalog(ctx, options.catalog, root);
  const interactive = isInteractive(ctx) && !options.yes;
  const cli = cliOf(ctx);
  return runWorkflow(ctx, reporter, {
    command: 'upgrade',
    root,
    dryRun: Boolean(options.dryRun),
    resolve: async () => {
      const lock = await readLockfile(ctx, root);
      const given = await readGivenAnswers(options, ctx);
      const changes: ComponentChange[] = [];
      const upToDate: string[] = [];
      for (const locked of chooseComponents(lock, component, options.to)) {
        const found = await componentSource(catalog, locked, explicit, ctx.env);
        if (found.note) reporter.warn(found.note);
        const version = options.to ?? (await catalog.latest(locked.name, found.source));
        if (!version) throw sourceNotFound(locked.name, found.source, undefined, ctx.env);
        if (version === locked.version) {
          upToDate.push(`${locked.name}@${locked.version}`);
          continue;
        }
        if (compareVersions(version, locked.version) < 0 && !options.force) {
          throw new UnsafeError('downgrade', `${locked.name} is at ${locked.version}; --to ${version} would go back.`, {
            hint: 'Pass --force to move to an older version on purpose.',
          });
        }
        const target = await catalog.load(`${locked.name}@${version}`, found.source);
        const defaults = componentFlags(lock.templates.map((t) => t.name), target.manifest.questions.map((q) => q.name));
        const answers = await resolveUpgradeAnswers(target, locked, given, { useDefaults: Boolean(options.yes), prompter: interactive ? inquirerPrompter(ctx.stderr) : undefined, defaults }, root);
        // undefined when the recorded version cannot be rendered any more (then: hashes, two-way).
        // A component that moved catalogs: the recorded version from where it was, else from where it is now.
        const base = await renderRecordedVersion(catalog, locked, root, lock.cli ?? cli)
          .catch(() => (found.moved ? renderRecordedVersion(catalog, { ...locked, source: found.source }, root, lock.cli ?? cli) : undefined))
          .catch(() => undefined);
        const change: ComponentChange = { target, source: resolveRelativeSource(found.source, root), locked, base, answers };
        // Recorded as it was (a relative folder stays relative), or in its portable form where it moved.
        if (found.moved) await recordPortably(ctx.fs, root, [change], (text) => reporter.warn(text));
        else change.recorded = canonicalSource(locked.source);
        changes.push(change);
      }
      return { lock, changes, upToDate };
    },
    conflictStyle: options.conflict,
    force: Boolean(options.force),
    allowDirty: Boolean(options.allowDirty),
    trust: Boolean(options.trust),
    mayAsk: interactive,
    presetChecks: await presetChecks(catalog, undefined),
    changelog: async (c) => (await catalog.changelogs(c.name, c.from!, c.to, resolveRelativeSource(c.source, root))).map((entry) => entry.text.split('\n').map((l) => `  │ ${l}`).join('\n')),
  });
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

/**
 * Recorded answers, then --answers/--set; questions new in the target are asked on a terminal,
 * or defaulted with --yes; otherwise the run stops (exit 2), dry run or not.
 */
async function resolveUpgradeAnswers(target: Template, locked: LockedTemplate, given: Map<string, GivenAnswer>, asking: { useDefaults: boolean; prompter: Prompter | undefined; defaults: ReadonlyMap<string, unknown> }, root: string): Promise<ResolvedAnswers> {
  const questions = target.manifest.questions;
  const names = new Set(questions.map((q) => q.name));
  const merged = new Map<string, GivenAnswer>();
  for (const [name, value] of Object.entries(locked.answers)) {
    if (names.has(name)) merged.set(name, { value, where: { file: '.platform.yaml' } });
  }
  for (const [name, answer] of given) merged.set(name, answer);
  return resolveAnswers({
    questions,
    given: merged,
    ...asking,
    evaluate: expressionEvaluator(target, posix.basename(root)),
    templateId: `${target.manifest.name}@${target.manifest.version}`,
  });
}
