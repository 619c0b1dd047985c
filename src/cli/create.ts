import { posix, resolve, basename } from 'node:path';
import { statOrUndefined } from '../core/fs.js';
import { readTarget } from '../core/target.js';
import { readGivenAnswers } from './project.js';
import { recordPortably } from '../catalog/portable.js';
import { ExitCode, UsageError } from '../core/errors.js';
import type { GivenAnswer } from '../answers/resolve.js';
import { newComponents, presetChecks, selectTemplates } from './compose.js';
import type { Template } from '../template/template.js';
import { DEFAULT_PRESET } from '../template/preset.js';
import { MAX_INPUT_BYTES } from '../core/yaml-source.js';
import { EMPTY_LOCKFILE, parseLockfile, type Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { Reporter } from '../ui/report.js';
import { isInteractive, openCatalog, type CliContext } from './context.js';
import type { CreateOptions } from './options.js';
import { askText, inquirerPrompter } from './prompter.js';
import { runWorkflow } from '../workflow/run-workflow.js';

const decoder = new TextDecoder();
/** Entries that do not make a folder "non-empty". */
const HARMLESS_ENTRIES = new Set(['.git', '.DS_Store', 'Thumbs.db']);

/** create-service [directory] / platform new: render a template into a new folder (an upgrade from nothing). */
export async function runCreate(directory: string | undefined, options: CreateOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const interactive = isInteractive(ctx) && !options.yes;
  const given = await readGivenAnswers(options, ctx);
  const { catalog } = await openCatalog(ctx, options.catalog);
  const selection = await selectTemplates(catalog, ctx.fs, options.template ?? DEFAULT_PRESET, ctx.cwd);
  const root = await chooseTarget(directory, given, interactive, ctx);
  return runWorkflow(ctx, reporter, {
    command: 'create',
    root,
    dryRun: Boolean(options.dryRun),
    resolve: async () => {
      const lock = await checkTarget(root, selection.templates, options, ctx);
      const prompter = interactive ? inquirerPrompter(ctx.stderr) : undefined;
      const changes = await newComponents({ selection, given, defaults: new Map(), useDefaults: Boolean(options.yes), prompter, targetName: basename(root) });
      await recordPortably(ctx.fs, root, changes, (text) => reporter.warn(text));
      return { lock, changes };
    },
    conflictStyle: 'markers',
    force: false,
    allowDirty: Boolean(options.allowDirty),
    trust: Boolean(options.trust),
    mayAsk: interactive,
    steps: { git: options.git, install: options.install },
    presetChecks: await presetChecks(catalog, selection.preset),
  });
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
