import { posix } from 'node:path';
import { canonicalSource, resolveRelativeSource } from '../sources/canonical.js';
import { componentSource, sourceNotFound } from '../catalog/lookup.js';
import { recordPortably } from '../catalog/portable.js';
import { ExitCode, PlatformError, UnsafeError, UsageError, didYouMean, formatLocation } from '../core/errors.js';
import { resolveAnswers, type GivenAnswer, type Prompter, type ResolvedAnswers } from '../answers/resolve.js';
import { expressionEvaluator } from '../answers/expressions.js';
import { coerceAnswer } from '../answers/value.js';
import type { ConflictStyle } from '../plan/decide.js';
import type { DiskFile } from '../plan/plan.js';
import type { LockedTemplate, Lockfile } from '../lock/lockfile.js';
import { compareVersions } from '../template/semver.js';
import type { Template } from '../template/template.js';
import type { Reporter } from '../ui/report.js';
import { cliOf, isInteractive, openCatalog, type CliContext } from './context.js';
import { repositoryGit } from '../workflow/repository-git.js';
import type { AnswerOptions } from './options.js';
import { inquirerPrompter } from './prompter.js';
import { chalkFor } from '../ui/colors.js';
import { componentFlags } from './infer.js';
import { findProjectRoot, readGivenAnswers, readLockfile } from './project.js';
import { presetChecks } from './compose.js';
import type { Catalog } from '../sources/catalog.js';
import { runWorkflow } from '../workflow/run-workflow.js';
import { renderRecorded, type ComponentChange } from '../workflow/change.js';
import { describeOpenConflict, openConflicts } from '../workflow/open-conflicts.js';

export interface UpgradeOptions extends AnswerOptions {
  to?: string;
  dryRun?: boolean;
  json?: boolean;
  conflict: ConflictStyle;
  force?: boolean;
  allowDirty?: boolean;
  /** The full changelog of every version moved through, also without a terminal. */
  verbose?: boolean;
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
  const { catalog, explicit: catalogGiven } = await openCatalog(ctx, options.catalog, root);
  const interactive = isInteractive(ctx) && !options.yes;
  const cli = cliOf(ctx);
  // The versions this run loaded, by NAME@VERSION and source: the changelog reads the target's from here.
  const loaded = new Map<string, Template>();
  return runWorkflow(ctx, reporter, {
    command: 'upgrade',
    root,
    dryRun: Boolean(options.dryRun),
    resolve: async () => {
      const lock = await readLockfile(ctx, root);
      // The recorded files, read once: for the open conflicts, then for the plan.
      const disk = new Map<string, DiskFile | undefined>();
      await refuseOpenConflicts(ctx, root, lock, disk);
      const given = await readGivenAnswers(options, ctx);
      const changes: ComponentChange[] = [];
      const upToDate: string[] = [];
      const moving: Array<{ locked: LockedTemplate; target: Template; found: Awaited<ReturnType<typeof componentSource>> }> = [];
      for (const locked of chooseComponents(lock, component, options.to)) {
        const found = await componentSource(catalog, locked, catalogGiven, ctx.env);
        if (found.note) reporter.warn(found.note);
        const version = options.to ?? (await catalog.latest(locked.name, found.source));
        if (!version) throw sourceNotFound(locked.name, found.source, undefined, ctx.env);
        if (version === locked.version) {
          // At its version, a component is rendered again only for a changed answer (a placeholder set).
          const current = explicit(given).size > 0 ? await catalog.load(`${locked.name}@${version}`, found.source) : undefined;
          if (!current || !answersChange(current, locked, given)) {
            upToDate.push(`${locked.name}@${locked.version}`);
            continue;
          }
        }
        if (compareVersions(version, locked.version) < 0 && !options.force) {
          throw new UnsafeError('downgrade', `${locked.name} is at ${locked.version}; --to ${version} would go back.`, {
            hint: 'Pass --force to move to an older version on purpose.',
          });
        }
        const target = await catalog.load(`${locked.name}@${version}`, found.source);
        loaded.set(`${locked.name}@${version}\0${found.source}`, target);
        moving.push({ locked, target, found });
      }
      // Before anything is asked: every answer given must have a component that asks it.
      const targets = moving.map((m) => m.target);
      await refuseUnaskedAnswers(given, targets, lock.templates.filter((t) => !moving.some((m) => m.locked === t) && (component === undefined || t.name === component)), catalog, component);
      for (const { locked, target, found } of moving) {
        const defaults = componentFlags(lock.templates.map((t) => t.name), target.manifest.questions.map((q) => q.name));
        const asked = new Set(target.manifest.questions.map((q) => q.name));
        const answers = await resolveUpgradeAnswers(target, locked, new Map([...given].filter(([name]) => asked.has(name))), { useDefaults: Boolean(options.yes), prompter: interactive ? inquirerPrompter(ctx.stderr, chalkFor(ctx.env, Boolean(ctx.stderr.isTTY))) : undefined, defaults }, root);
        // undefined when the recorded version cannot be rendered any more (then: hashes, two-way).
        // A component that moved catalogs: the recorded version from where it was, else from where it is now.
        // Rendered once the disk is read, for the files that need a base (edited or gone), not for every file.
        const renderBase = (paths: ReadonlySet<string>) => {
          const from = async (source: string) => renderRecorded(await catalog.load(`${locked.name}@${locked.version}`, source), locked, posix.basename(root), lock.cli ?? cli, paths);
          return from(locked.source)
            .catch(() => (found.moved ? from(found.source) : undefined))
            .catch(() => undefined);
        };
        const change: ComponentChange = { target, source: resolveRelativeSource(found.source, root), locked, base: undefined, renderBase, answers };
        // Recorded as it was (a relative folder stays relative), or in its portable form where it moved.
        if (found.moved) await recordPortably(ctx.fs, root, [change], (text) => reporter.warn(text));
        else change.recorded = canonicalSource(locked.source);
        changes.push(change);
      }
      return { lock, changes, upToDate, disk };
    },
    conflictStyle: options.conflict,
    force: Boolean(options.force),
    allowDirty: Boolean(options.allowDirty),
    trust: Boolean(options.trust),
    mayAsk: interactive,
    presetChecks: await presetChecks(catalog, undefined),
    changelog: async (c) => {
      const source = resolveRelativeSource(c.source, root);
      return catalog.changelogs(c.name, c.from!, c.to, source, (ref) => loaded.get(`${ref}\0${source}`));
    },
    // A person reading (a terminal, a dry run, --verbose) gets every entry; a scripted run a summary.
    fullChangelog: Boolean(options.verbose) || Boolean(options.dryRun) || isInteractive(ctx),
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

/** Answers given on purpose (--set, --answers), not from the environment. */
function explicit(given: Map<string, GivenAnswer>): Map<string, GivenAnswer> {
  return new Map([...given].filter(([, answer]) => !answer.ambient));
}

/** Whether a given answer differs from what the component recorded for one of its questions. */
function answersChange(template: Template, locked: LockedTemplate, given: Map<string, GivenAnswer>): boolean {
  return template.manifest.questions.some((question) => {
    const answer = explicit(given).get(question.name);
    if (!answer || question.secret) return false;
    const coerced = coerceAnswer(question, answer.value);
    // A value of the wrong type counts as a change, so resolving it reports the error (never ignored).
    return 'error' in coerced || JSON.stringify(coerced.value) !== JSON.stringify(locked.answers[question.name]);
  });
}

/**
 * Recorded answers, then --answers/--set; questions new in the target are asked on a terminal,
 * or defaulted with --yes; otherwise the run stops (exit 2), dry run or not.
 */
export async function resolveUpgradeAnswers(target: Template, locked: LockedTemplate, given: Map<string, GivenAnswer>, asking: { useDefaults: boolean; prompter: Prompter | undefined; defaults: ReadonlyMap<string, unknown> }, root: string): Promise<ResolvedAnswers> {
  const questions = target.manifest.questions;
  const names = new Set(questions.map((q) => q.name));
  const merged = new Map<string, GivenAnswer>();
  for (const [name, value] of Object.entries(locked.answers)) {
    if (names.has(name)) merged.set(name, { value, where: { file: '.platform.yaml' } });
  }
  // An answer for another component's question is that component's (ignored here, like the environment's).
  for (const [name, answer] of given) merged.set(name, names.has(name) ? answer : { ...answer, ambient: true });
  return resolveAnswers({
    questions,
    given: merged,
    ...asking,
    evaluate: expressionEvaluator(target, posix.basename(root)),
    templateId: `${target.manifest.name}@${target.manifest.version}`,
  });
}

/**
 * An upgrade over open conflicts would bury them (and report "up to date" over markers): the
 * run stops with exit 3, dry run or not, and lists what finishes each.
 */
async function refuseOpenConflicts(ctx: CliContext, root: string, lock: Lockfile, read: Map<string, DiskFile | undefined>): Promise<void> {
  const open = await openConflicts(ctx.fs, repositoryGit(ctx), root, lock, read);
  if (open.length === 0) return;
  throw new PlatformError('conflicts-open', ExitCode.conflicts, `${open.length} conflict(s) from an earlier upgrade are still open; nothing was changed.`, {
    problems: open.map(describeOpenConflict),
    hint: 'Finish them (platform status lists them), commit, then run platform upgrade again.',
  });
}

/**
 * --set/--answers go to whichever components ask them; a name no component of the repository
 * asks is an error listing each component's questions (as create does for its components).
 */
async function refuseUnaskedAnswers(given: ReadonlyMap<string, GivenAnswer>, targets: readonly Template[], others: readonly LockedTemplate[], catalog: Catalog, component?: string): Promise<void> {
  const asked = (templates: readonly Template[]): Set<string> => new Set(templates.flatMap((t) => t.manifest.questions.map((q) => q.name)));
  let known = asked(targets);
  const unasked = (): Array<[string, GivenAnswer]> => [...given].filter(([name, answer]) => !answer.ambient && !known.has(name));
  if (unasked().length === 0) return;
  // Components left as they are may ask it too (their recorded version): load them only now.
  const all = [...targets];
  for (const locked of others) {
    const template = await catalog.load(`${locked.name}@${locked.version}`, locked.source).catch(() => undefined);
    if (template) all.push(template);
  }
  known = asked(all);
  const left = unasked();
  if (left.length === 0) return;
  const [name, answer] = left[0]!;
  const where = 'flag' in answer.where ? answer.where.flag : formatLocation(answer.where);
  const nobody = component === undefined ? 'is not a question of any component here' : `is not a question of ${component} (upgrade without a component name to answer the others)`;
  throw new UsageError('answer-unknown', `${where}: "${name}" ${nobody}.${didYouMean(name, known)}`, {
    ...('flag' in answer.where ? {} : { where: answer.where }),
    problems: all.map((t) => `${t.manifest.name}@${t.manifest.version}: ${t.manifest.questions.map((q) => q.name).join(', ') || 'no questions'}`),
    hint: `Give only questions the components ask${left.length > 1 ? ` (also unknown: ${left.slice(1).map(([n]) => n).join(', ')})` : ''}.`,
  });
}
