import { posix, resolve, basename, relative, isAbsolute } from 'node:path';
import { statOrUndefined } from '../core/fs.js';
import { readTarget } from '../core/target.js';
import { readGivenAnswers } from './project.js';
import { recordPortably } from '../catalog/portable.js';
import { ExitCode, UsageError } from '../core/errors.js';
import type { GivenAnswer } from '../answers/resolve.js';
import { composeQuestions, newComponents, presetChecks, selectTemplates, type Selection } from './compose.js';
import type { Template } from '../template/template.js';
import { DEFAULT_PRESET } from '../template/preset.js';
import { MAX_INPUT_BYTES } from '../core/yaml-source.js';
import { EMPTY_LOCKFILE, parseLockfile, type Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { Reporter } from '../ui/report.js';
import { cliOf, isInteractive, openCatalog, type CliContext } from './context.js';
import { remoteDefaults } from './infer.js';
import type { CreateOptions } from './options.js';
import { askText, inquirerPrompter, type TerminalPrompter } from './prompter.js';
import { chalkFor } from '../ui/colors.js';
import { hasEssentials } from '../answers/short-path.js';
import { answerProblem } from '../answers/value.js';
import { reviewedComponents } from './review.js';
import { runWorkflow } from '../workflow/run-workflow.js';
import { renderChange, renderRecorded, type ComponentChange } from '../workflow/change.js';
import type { CliIdentity } from '../render/render.js';

const decoder = new TextDecoder();
/** Entries that do not make a folder "non-empty". */
const HARMLESS_ENTRIES = new Set(['.git', '.DS_Store', 'Thumbs.db']);

/** create-service [directory] / platform new: render a template into a new folder (an upgrade from nothing). */
export async function runCreate(directory: string | undefined, options: CreateOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const interactive = isInteractive(ctx) && !options.yes;
  const given = await readGivenAnswers(options, ctx);
  const { catalog } = await openCatalog(ctx, options.catalog);
  const selection = await selectTemplates(catalog, ctx.fs, options.template ?? DEFAULT_PRESET, ctx.cwd);
  const prompter = interactive ? inquirerPrompter(ctx.stderr, chalkFor(ctx.env, Boolean(ctx.stderr.isTTY))) : undefined;
  const root = await chooseTarget(directory, given, selection, prompter, ctx);
  return runWorkflow(ctx, reporter, {
    command: 'create',
    root,
    dryRun: Boolean(options.dryRun),
    resolve: async () => {
      const lock = await checkTarget(root, selection.templates, options, ctx);
      const defaults = options.git === false ? new Map<string, unknown>() : await remoteDefaults(root, ctx);
      const compose = { selection, given, defaults, useDefaults: Boolean(options.yes), targetName: basename(root) };
      const { questions } = composeQuestions(selection.templates);
      const rerun = lock.templates.some((t) => selection.templates.some((s) => s.manifest.name === t.name));
      // A re-run asks nothing new: the same inputs finish the job, different ones are refused.
      const folder = relative(ctx.cwd, root) || '.';
      const heading = `The new service in ${folder.startsWith('..') || isAbsolute(folder) ? folder : `./${folder}`}:`;
      const changes = !prompter || rerun || !hasEssentials(questions) ? await newComponents({ ...compose, prompter }) : await reviewedComponents(compose, prompter, ctx.stderr, { verb: 'Create', heading });
      await recordPortably(ctx.fs, root, changes, (text) => reporter.warn(text));
      if (!rerun) return { lock, changes };
      return { lock, changes: await sameCreate(root, lock, changes, cliOf(ctx)), rerun: true };
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

async function chooseTarget(directory: string | undefined, given: Map<string, GivenAnswer>, selection: Selection, prompter: TerminalPrompter | undefined, ctx: CliContext): Promise<string> {
  if (directory !== undefined && directory.trim() !== '') return resolve(ctx.cwd, directory);
  const name = given.get('name')?.value;
  if (typeof name === 'string' && name !== '') return resolve(ctx.cwd, name);
  // Name first, the folder after it: one question instead of two, and a folder that is a valid name.
  const nameQuestion = composeQuestions(selection.templates).questions.find((q) => q.name === 'name' && q.type === 'string');
  if (prompter && nameQuestion) {
    // The template's default, unless it is derived from the folder we are about to name.
    const literal = typeof nameQuestion.default === 'string' && !nameQuestion.default.includes('{{') ? nameQuestion.default : undefined;
    const answer = await prompter.ask(nameQuestion, literal ?? 'my-service', (value) => {
      const problem = answerProblem(nameQuestion, value) ?? folderProblem(String(value));
      return problem ? `name ${problem}` : true;
    });
    given.set('name', { value: answer, where: { flag: '--set name' } });
    return resolve(ctx.cwd, String(answer));
  }
  if (prompter) {
    const answer = await askText(ctx.stderr, 'Folder for the new service', 'my-service', (value) =>
      value.trim() === '' ? 'Enter a folder name' : true,
    );
    return resolve(ctx.cwd, answer.trim());
  }
  throw new UsageError('target-missing', 'No directory given for the new service, and no terminal to ask for one.', {
    hint: 'Name it: create-service payments-api (or pass --set name=payments-api).',
  });
}

/** A template's name rule may allow anything: the name also names the folder, here, in one piece. */
function folderProblem(name: string): string | undefined {
  if (name.trim() === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    return 'also names the new folder: give a plain folder name (no slashes, not . or ..), or pass the folder as an argument';
  }
  return undefined;
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
  // Already created here: sameCreate decides whether this run is the same one again.
  if (lock.templates.some((t) => templates.some((template) => template.manifest.name === t.name))) return lock;
  const entries = (await ctx.fs.readdir(root, { withFileTypes: true })).map((e) => e.name).filter((n) => !HARMLESS_ENTRIES.has(n));
  if (entries.length > 0 && !options.force) {
    const shown = entries.sort().slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} in all)` : '');
    throw new UsageError('target-not-empty', `${root} is not empty (${shown}). Nothing was written.`, {
      hint: 'Choose a new directory, or pass --force to add the service there: existing files are kept, and any that differ are marked as conflicts.',
    });
  }
  return lock;
}

/**
 * The components this run would create, against what the folder's lockfile says was created:
 * the same components, versions, sources, answers and CLI make a re-run (returned as the
 * recorded components at their own version, so the plan writes nothing); anything else is the
 * clear refusal (exit 2) naming what differs.
 */
async function sameCreate(root: string, lock: Lockfile, changes: ComponentChange[], cli: CliIdentity): Promise<ComponentChange[]> {
  const targetName = basename(root);
  const differences: string[] = [];
  const recorded = lock.templates.filter((t) => changes.some((c) => c.target.manifest.name === t.name));
  for (const change of changes) {
    const name = change.target.manifest.name;
    const locked = recorded.find((t) => t.name === name);
    if (!locked) {
      differences.push(`${name}: not created here before`);
      continue;
    }
    if (locked.version !== change.target.manifest.version) differences.push(`${name}: ${locked.version} here, ${change.target.manifest.version} now`);
    if (locked.source !== (change.recorded ?? change.source)) differences.push(`${name}: from ${locked.source} here, ${change.recorded ?? change.source} now`);
    const answers = renderChange(change, targetName, cli).answers;
    for (const key of [...new Set([...Object.keys(locked.answers), ...Object.keys(answers)])].sort()) {
      if (canonical(locked.answers[key]) !== canonical(answers[key])) differences.push(`${name}: ${key} is ${canonical(locked.answers[key])} here, ${canonical(answers[key])} now`);
    }
  }
  if (lock.cli && (lock.cli.package !== cli.package || lock.cli.version !== cli.version)) differences.push(`the CLI: ${lock.cli.package}@${lock.cli.version} here, ${cli.package}@${cli.version} now`);
  const first = recorded[0]!;
  if (differences.length > 0) {
    throw new UsageError('already-created', `${root} already holds ${recorded.map((t) => `${t.name}@${t.version}`).join(', ')} (see ${LOCKFILE_NAME}), created with other inputs; nothing was written.`, {
      problems: differences.slice(0, 20),
      hint: `Run \`${recorded.length === 1 ? `platform upgrade ${first.name}` : 'platform upgrade'}\` in that folder to move it to a newer version or other answers, or create into another directory. The same command as the first run finishes what it left undone.`,
    });
  }
  const same: ComponentChange[] = [];
  for (const change of changes) {
    const locked = recorded.find((t) => t.name === change.target.manifest.name)!;
    same.push({ ...change, locked, base: await renderRecorded(change.target, locked, targetName, lock.cli ?? cli) });
  }
  return same;
}

/** An answer as compared and shown: JSON with sorted keys (YAML and flags give the same values). */
function canonical(value: unknown): string {
  if (value === undefined) return 'unset';
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
}
