import { join, basename, isAbsolute, relative } from 'node:path';
import { ExitCode, UsageError } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import { EMPTY_LOCKFILE } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { Reporter } from '../ui/report.js';
import { isInteractive, openCatalog, type CliContext } from './context.js';
import type { AnswerOptions } from './options.js';
import { inquirerPrompter } from './prompter.js';
import { chalkFor } from '../ui/colors.js';
import { findProjectRoot, readGivenAnswers, readLockfile } from './project.js';
import { recordPortably } from '../catalog/portable.js';
import { recordedCatalog } from '../catalog/lookup.js';
import type { Catalog } from '../sources/catalog.js';
import { composeQuestions, newComponents, presetChecks, selectTemplates } from './compose.js';
import { hasEssentials } from '../answers/short-path.js';
import { reviewedComponents } from './review.js';
import { componentFlags, inferAnswers, remoteDefaults } from './infer.js';
import { runWorkflow } from '../workflow/run-workflow.js';

export interface AddOptions extends AnswerOptions {
  dryRun?: boolean;
  json?: boolean;
  allowDirty?: boolean;
}

/** platform add COMPONENT[@VERSION]: adopt one component in the repository here (an upgrade of it from nothing). */
export async function runAdd(spec: string, options: AddOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const root = await findProjectRoot(ctx, { orCwd: true });
  const interactive = isInteractive(ctx) && !options.yes;
  // A repository made from one catalog takes new components from it when no catalog is set.
  // (A lockfile that cannot be read is reported by resolve, after recovery, as always.)
  const recorded = (await statOrUndefined(ctx.fs, join(root, LOCKFILE_NAME)))
    ? await readLockfile(ctx, root).then((lock) => recordedCatalog(lock.templates, root), () => undefined)
    : undefined;
  let { catalog } = await openCatalog(ctx, options.catalog, root, recorded);
  // Only if it is a catalog holding what is asked for (a repository made from one git template is not).
  if (recorded && catalog.home === recorded && !(await holds(catalog, spec))) catalog = (await openCatalog(ctx, options.catalog, root)).catalog;
  return runWorkflow(ctx, reporter, {
    command: 'add',
    root,
    dryRun: Boolean(options.dryRun),
    resolve: async () => {
      const lock = (await statOrUndefined(ctx.fs, join(root, LOCKFILE_NAME))) ? await readLockfile(ctx, root) : EMPTY_LOCKFILE;
      const selection = await selectTemplates(catalog, ctx.fs, spec, ctx.cwd);
      for (const template of selection.templates) {
        const existing = lock.templates.find((t) => t.name === template.manifest.name);
        if (existing) {
          throw new UsageError('already-added', `${existing.name}@${existing.version} is already part of this repository.`, {
            hint: `Run \`platform upgrade ${existing.name}\` to move it to a newer version.`,
          });
        }
      }
      // The answers the repository's other components asked go to them, not to this add (so one
      // answers file serves every command); a name nobody asks stays an error listing the questions.
      const asked = new Set(selection.templates.flatMap((t) => t.manifest.questions.map((q) => q.name)));
      const elsewhere = new Set(lock.templates.flatMap((t) => Object.keys(t.answers)));
      const given = new Map([...(await readGivenAnswers(options, ctx))].filter(([name]) => asked.has(name) || !elsewhere.has(name)));
      const adding = selection.templates.map((t) => t.manifest.name);
      const flags = componentFlags([...lock.templates.map((t) => t.name), ...adding], selection.templates.flatMap((t) => t.manifest.questions.map((q) => q.name)));
      // What the repository says (package.json, other components) wins over its git remote.
      const defaults = new Map([...flags, ...(await remoteDefaults(root, ctx)), ...(await inferAnswers(ctx.fs, root, lock))]);
      const prompter = interactive ? inquirerPrompter(ctx.stderr, chalkFor(ctx.env, Boolean(ctx.stderr.isTTY))) : undefined;
      const compose = { selection, given, defaults, useDefaults: Boolean(options.yes), targetName: basename(root) };
      // On a terminal, the short path as create has it: what the repository already answered
      // (its components' recorded answers, which components it has) is settled, not asked again;
      // the essential questions left, then a review screen.
      const recordedNames = new Set([...flags.keys(), ...lock.templates.flatMap((t) => Object.keys(t.answers))]);
      const settled = new Map([...defaults].filter(([name]) => recordedNames.has(name) && asked.has(name) && !given.has(name)));
      const changes =
        prompter && hasEssentials(composeQuestions(selection.templates).questions)
          ? await reviewedComponents(compose, prompter, ctx.stderr, { verb: 'Add', heading: `Adding to ${placeOf(root, ctx.cwd)}:`, settled })
          : await newComponents({ ...compose, prompter });
      await recordPortably(ctx.fs, root, changes, (text) => reporter.warn(text));
      return { lock, changes };
    },
    conflictStyle: 'markers',
    force: false,
    allowDirty: Boolean(options.allowDirty),
    trust: Boolean(options.trust),
    mayAsk: interactive,
    presetChecks: await presetChecks(catalog, undefined),
  });
}

/** Whether a catalog holds COMPONENT[@VERSION] (or a preset of that name); false when it cannot be read. */
async function holds(catalog: Catalog, spec: string): Promise<boolean> {
  const name = spec.split('@')[0]!;
  const entries = await catalog.list().catch(() => []);
  return entries.some((e) => e.name === name) || (await catalog.preset(name).catch(() => undefined)) !== undefined;
}

/** The repository as the user should read it from where they are: `the repository here`, `./svc`, `../svc`. */
function placeOf(root: string, cwd: string): string {
  const folder = relative(cwd, root);
  if (folder === '') return 'the repository here';
  return folder.startsWith('..') || isAbsolute(folder) ? folder : `./${folder}`;
}
