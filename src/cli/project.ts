import { dirname, join, resolve } from 'node:path';
import { posix } from 'node:path';
import { statOrUndefined } from '../core/fs.js';
import { readInputFile } from '../core/input-file.js';
import { UsageError } from '../core/errors.js';
import { parseAnswersFile, parseSetFlags } from '../answers/file.js';
import { resolveAnswers, type GivenAnswer } from '../answers/resolve.js';
import type { CliIdentity, RenderedTree } from '../render/render.js';
import { renderRecorded } from '../workflow/change.js';
import { parseLockfile, type LockedTemplate, type Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME, STAGING_DIR } from '../render/paths.js';
import type { Catalog } from '../sources/catalog.js';
import type { CliContext } from './context.js';
import { ANSWER_ENV_PREFIX, type AnswerOptions } from './options.js';
import { readTarget } from '../core/target.js';
import { MAX_INPUT_BYTES } from '../core/yaml-source.js';

const decoder = new TextDecoder();

/** The nearest folder at or above cwd holding .platform.yaml (or, if asked, cwd when none does). */
export async function findProjectRoot(ctx: CliContext, options: { orCwd?: boolean } = {}): Promise<string> {
  let dir = resolve(ctx.cwd);
  for (;;) {
    if ((await statOrUndefined(ctx.fs, join(dir, LOCKFILE_NAME)))?.isFile()) return dir;
    // A run stopped while the lockfile itself was being replaced: the journal is the marker.
    if (await statOrUndefined(ctx.fs, join(dir, STAGING_DIR, 'journal.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      if (options.orCwd) return resolve(ctx.cwd);
      throw new UsageError('no-lockfile', `No ${LOCKFILE_NAME} in ${ctx.cwd} or any folder above it.`, {
        hint: 'Run this inside a repository made by create-service, or adopt components with `platform add COMPONENT`.',
      });
    }
    dir = parent;
  }
}

export async function readLockfile(ctx: CliContext, root: string): Promise<Lockfile> {
  const file = posix.join(root, LOCKFILE_NAME);
  const bytes = await readTarget(ctx.fs, root, LOCKFILE_NAME, { what: 'the repository' }, { lockfile: true, maxBytes: MAX_INPUT_BYTES.lockfile });
  if (!bytes) {
    const interrupted = await statOrUndefined(ctx.fs, posix.join(root, STAGING_DIR));
    throw new UsageError('no-lockfile', `No ${LOCKFILE_NAME} in ${root}${interrupted ? ': an upgrade there was interrupted' : ''}.`, {
      hint: interrupted
        ? 'Run `platform upgrade` there again: it puts back what the interrupted run had written, then upgrades.'
        : 'Run this inside a repository made by create-service, or adopt components with `platform add COMPONENT`.',
    });
  }
  return parseLockfile(decoder.decode(bytes), file);
}

/** --answers, then PLATFORM_ANSWER_* variables, then --set (which wins), each knowing where it came from. */
export async function readGivenAnswers(options: AnswerOptions, ctx: CliContext): Promise<Map<string, GivenAnswer>> {
  const given = new Map<string, GivenAnswer>();
  if (options.answers !== undefined) {
    if (options.answers.trim() === '') {
      throw new UsageError('answers-file-empty', '--answers was given an empty file name.', {
        hint: 'Give the path of a YAML or JSON file of question: answer pairs, or leave --answers out.',
      });
    }
    const file = resolve(ctx.cwd, options.answers);
    // The user named it: a symlink to a regular file is fine; a FIFO, device or folder is not.
    const bytes = await readInputFile(ctx.fs, file, {
      kind: 'answers',
      what: 'Answers file',
      shown: options.answers,
      followLinks: true,
      hint: 'Give the path of a YAML or JSON file of question: answer pairs.',
    });
    if (!bytes) {
      throw new UsageError('answers-file-missing', `Answers file ${options.answers} does not exist.`, {
        hint: 'Give the path of a YAML or JSON file of question: answer pairs.',
      });
    }
    for (const [name, answer] of parseAnswersFile(decoder.decode(bytes), options.answers)) given.set(name, answer);
  }
  for (const [name, answer] of answersFromEnvironment(ctx.env)) given.set(name, answer);
  for (const [name, answer] of parseSetFlags(options.set ?? [])) given.set(name, answer);
  return given;
}

/** PLATFORM_ANSWER_<name>=value: a way to give an answer (a secret above all) without argv. */
function answersFromEnvironment(env: NodeJS.ProcessEnv): Map<string, GivenAnswer> {
  const answers = new Map<string, GivenAnswer>();
  for (const [key, value] of Object.entries(env)) {
    const name = key.slice(ANSWER_ENV_PREFIX.length);
    if (!key.startsWith(ANSWER_ENV_PREFIX) || name === '' || value === undefined) continue;
    answers.set(name, { value, where: { flag: `environment variable ${key}` }, ambient: true });
  }
  return answers;
}

/** What a component wrote last time: its recorded version, loaded from its source, rendered again. */
export async function renderRecordedVersion(catalog: Catalog, locked: LockedTemplate, root: string, cli: CliIdentity): Promise<RenderedTree> {
  const template = await catalog.load(`${locked.name}@${locked.version}`, locked.source);
  return renderRecorded(template, locked, posix.basename(root), cli);
}
