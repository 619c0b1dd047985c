import { dirname, join, resolve } from 'node:path';
import { posix } from 'node:path';
import { readFileOrUndefined, statOrUndefined } from '../core/fs.js';
import { UsageError } from '../core/errors.js';
import { parseAnswersFile, parseSetFlags } from '../answers/file.js';
import type { GivenAnswer } from '../answers/resolve.js';
import { parseLockfile, type Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import { BUILTIN_ROOT, listCatalog, parseTemplateRef, resolveInCatalog, type CatalogEntry } from '../template/builtin.js';
import { loadPins, loadTemplate } from '../template/load.js';
import type { Template } from '../template/template.js';
import type { CliContext } from './context.js';
import type { AnswerOptions } from './options.js';

const decoder = new TextDecoder();

/** The nearest folder at or above cwd holding .platform.yaml. */
export async function findProjectRoot(ctx: CliContext): Promise<string> {
  let dir = resolve(ctx.cwd);
  for (;;) {
    if ((await statOrUndefined(ctx.fs, join(dir, LOCKFILE_NAME)))?.isFile()) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new UsageError('no-lockfile', `No ${LOCKFILE_NAME} in ${ctx.cwd} or any folder above it.`, {
        hint: 'Run this inside a repository made by create-service, or adopt components with `platform add COMPONENT`.',
      });
    }
    dir = parent;
  }
}

export async function readLockfile(ctx: CliContext, root: string): Promise<Lockfile> {
  const file = posix.join(root, LOCKFILE_NAME);
  const bytes = await readFileOrUndefined(ctx.fs, file);
  if (!bytes) throw new UsageError('no-lockfile', `No ${LOCKFILE_NAME} in ${root}.`);
  return parseLockfile(decoder.decode(bytes), file);
}

/** The built-in catalog, read once per run. */
export class Catalog {
  private entries: Promise<CatalogEntry[]> | undefined;
  private pins: Promise<Record<string, Record<string, unknown>>> | undefined;

  constructor(private readonly ctx: CliContext) {}

  list(): Promise<CatalogEntry[]> {
    this.entries ??= listCatalog(this.ctx.fs, BUILTIN_ROOT);
    return this.entries;
  }

  async latest(name: string): Promise<string | undefined> {
    const entry = (await this.list()).find((e) => e.name === name);
    return entry?.versions[entry.versions.length - 1];
  }

  /** NAME or NAME@VERSION; errors list what exists. */
  async load(spec: string): Promise<Template> {
    const { dir } = resolveInCatalog(await this.list(), parseTemplateRef(spec), BUILTIN_ROOT);
    this.pins ??= loadPins(this.ctx.fs, BUILTIN_ROOT);
    return loadTemplate(this.ctx.fs, dir, { kind: 'builtin' }, await this.pins);
  }

  /** CHANGELOG.md of each version after `from` up to `to`, newest first. */
  async changelogs(name: string, from: string, to: string): Promise<Array<{ version: string; text: string }>> {
    const entry = (await this.list()).find((e) => e.name === name);
    if (!entry) return [];
    const start = entry.versions.indexOf(from);
    const end = entry.versions.indexOf(to);
    const versions = entry.versions.slice(start + 1, end + 1).reverse();
    const out: Array<{ version: string; text: string }> = [];
    for (const version of versions) {
      const bytes = await readFileOrUndefined(this.ctx.fs, posix.join(BUILTIN_ROOT, name, version, 'CHANGELOG.md'));
      if (bytes) out.push({ version, text: decoder.decode(bytes).trim() });
    }
    return out;
  }
}

/** --answers then --set (which wins), each answer knowing where it came from. */
export async function readGivenAnswers(options: AnswerOptions, ctx: CliContext): Promise<Map<string, GivenAnswer>> {
  const given = new Map<string, GivenAnswer>();
  if (options.answers) {
    const file = resolve(ctx.cwd, options.answers);
    const bytes = await readFileOrUndefined(ctx.fs, file);
    if (!bytes) {
      throw new UsageError('answers-file-missing', `Answers file ${options.answers} does not exist.`, {
        hint: 'Give the path of a YAML or JSON file of question: answer pairs.',
      });
    }
    for (const [name, answer] of parseAnswersFile(decoder.decode(bytes), options.answers)) given.set(name, answer);
  }
  for (const [name, answer] of parseSetFlags(options.set)) given.set(name, answer);
  return given;
}
