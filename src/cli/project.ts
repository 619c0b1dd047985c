import { dirname, join, resolve } from 'node:path';
import { posix } from 'node:path';
import { statOrUndefined } from '../core/fs.js';
import { readInputFile } from '../core/input-file.js';
import { UsageError } from '../core/errors.js';
import { parseAnswersFile, parseSetFlags } from '../answers/file.js';
import { resolveAnswers, type GivenAnswer } from '../answers/resolve.js';
import { renderTemplate, type RenderedTree } from '../render/render.js';
import { expressionEvaluator } from '../plan/prepare.js';
import { parseLockfile, type LockedTemplate, type Lockfile } from '../lock/lockfile.js';
import { LOCKFILE_NAME, STAGING_DIR } from '../render/paths.js';
import { BUILTIN_ROOT, listCatalog, parseTemplateRef, resolveInCatalog, type CatalogEntry } from '../template/builtin.js';
import { compareVersions, isVersion } from '../template/semver.js';
import { loadPins, loadTemplate } from '../template/load.js';
import type { Template } from '../template/template.js';
import { GitSources } from '../sources/git-source.js';
import { isGitSource } from '../sources/spec.js';
import { canonicalSource, sourceKind } from '../sources/canonical.js';
import { NpmSources } from '../sources/npm.js';
import { isNpmSource } from '../sources/npm-spec.js';
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

/**
 * Where templates come from: the built-in catalog, a folder named in the lockfile
 * (`dir:PATH`, either one template or its VERSION/ subfolders), or a git repository
 * (`git:URL[//SUB]`, versions from its tags) or an npm package (`npm:PACKAGE[//SUB]`, versions
 * from the registry; a template's version is its package's version). Read once per run.
 */
export class Catalog {
  private entries: Promise<CatalogEntry[]> | undefined;
  private pins: Promise<Record<string, Record<string, unknown>>> | undefined;
  private gitSources: GitSources | undefined;
  private npmSources: NpmSources | undefined;

  constructor(private readonly ctx: CliContext) {}

  /** Templates in git repositories (one instance per run, so each remote is listed once). */
  get git(): GitSources {
    this.gitSources ??= new GitSources(this.ctx.env, (template) => this.withCompiled(template));
    return this.gitSources;
  }

  /** Templates in npm packages (one instance per run, so each package's versions are listed once). */
  get npm(): NpmSources {
    this.npmSources ??= new NpmSources(this.ctx.env, (template) => this.withCompiled(template));
    return this.npmSources;
  }

  list(): Promise<CatalogEntry[]> {
    this.entries ??= listCatalog(this.ctx.fs, BUILTIN_ROOT);
    return this.entries;
  }

  /** The versions a source offers for a template, ascending. */
  async versions(name: string, raw = 'builtin'): Promise<string[]> {
    const source = canonicalSource(raw);
    if (isGitSource(source)) return this.git.versions(source);
    if (isNpmSource(source)) return this.npm.versions(source);
    const dir = dirSource(source);
    if (dir === undefined) return (await this.list()).find((e) => e.name === name)?.versions ?? [];
    if (await statOrUndefined(this.ctx.fs, posix.join(dir, 'template.yaml'))) return [(await this.loadDir(dir)).manifest.version];
    const entries = await this.ctx.fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    return entries.filter((e) => e.isDirectory() && isVersion(e.name)).map((e) => e.name).sort(compareVersions);
  }

  async latest(name: string, source = 'builtin'): Promise<string | undefined> {
    return (await this.versions(name, source)).at(-1);
  }

  /** NAME or NAME@VERSION from a source; errors list what exists. */
  async load(spec: string, raw = 'builtin'): Promise<Template> {
    const source = canonicalSource(raw);
    if (isGitSource(source)) {
      const ref = parseTemplateRef(spec);
      return this.git.loadSource(source, ref.name, ref.version);
    }
    if (isNpmSource(source)) {
      const ref = parseTemplateRef(spec);
      return this.npm.loadSource(source, ref.name, ref.version);
    }
    const dir = dirSource(source);
    if (dir !== undefined) {
      const ref = parseTemplateRef(spec);
      if (await statOrUndefined(this.ctx.fs, posix.join(dir, 'template.yaml'))) {
        const template = await this.loadDir(dir);
        if (ref.version !== undefined && ref.version !== template.manifest.version) {
          throw new UsageError('template-version-unknown', `${dir} holds ${template.manifest.name}@${template.manifest.version}, not ${ref.version}.`, {
            hint: `Use the version the folder holds, or keep each version in its own VERSION/ folder under ${dir}.`,
          });
        }
        return template;
      }
      const { dir: versionDir } = resolveInCatalog([{ name: ref.name, versions: await this.versions(ref.name, source) }], ref, posix.dirname(dir));
      // The source stays the folder of versions, so an upgrade finds the newer ones there.
      return this.loadDir(posix.join(dir, posix.basename(versionDir)), dir);
    }
    const { dir: builtin } = resolveInCatalog(await this.list(), parseTemplateRef(spec), BUILTIN_ROOT);
    this.pins ??= loadPins(this.ctx.fs, BUILTIN_ROOT);
    return this.withCompiled(await loadTemplate(this.ctx.fs, builtin, { kind: 'builtin' }, await this.pins));
  }

  private async loadDir(dir: string, sourceRoot = dir): Promise<Template> {
    return this.withCompiled(await loadTemplate(this.ctx.fs, dir, { kind: 'dir', path: sourceRoot }, await loadPins(this.ctx.fs, dir)));
  }

  private async withCompiled(template: Template): Promise<Template> {
    return this.ctx.compiled ? this.ctx.compiled.attach(template) : template;
  }

  /** CHANGELOG.md of each version after `from` up to `to`, newest first. */
  async changelogs(name: string, from: string, to: string, source = 'builtin'): Promise<Array<{ version: string; text: string }>> {
    const versions = await this.versions(name, source);
    const wanted = versions.slice(versions.indexOf(from) + 1, versions.indexOf(to) + 1).reverse();
    const out: Array<{ version: string; text: string }> = [];
    for (const version of wanted) {
      const template = await this.load(`${name}@${version}`, source).catch(() => undefined);
      if (template?.changelog) out.push({ version, text: template.changelog.trim() });
    }
    return out;
  }
}

/**
 * The folder of a canonical `dir:PATH` source, or undefined for the built-in catalog. Only ever
 * given a canonical source: an unknown kind was refused before, so it cannot mean built-in.
 */
function dirSource(source: string): string | undefined {
  const kind = sourceKind(source);
  if (kind === 'dir') return source.slice('dir:'.length);
  if (kind !== 'builtin') throw new Error(`dirSource(${source}): not a dir: or builtin source`);
  return undefined;
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
  for (const [name, answer] of parseSetFlags(options.set)) given.set(name, answer);
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

/**
 * What a component wrote last time: its recorded version rendered again with the recorded
 * answers (questions the version does not ask are ignored; secrets take their defaults).
 */
export async function renderRecorded(catalog: Catalog, locked: LockedTemplate, root: string): Promise<RenderedTree> {
  const template = await catalog.load(`${locked.name}@${locked.version}`, locked.source);
  const asked = new Set(template.manifest.questions.map((q) => q.name));
  const given = new Map<string, GivenAnswer>(
    Object.entries(locked.answers)
      .filter(([name]) => asked.has(name))
      .map(([name, value]) => [name, { value, where: { file: LOCKFILE_NAME } }]),
  );
  const targetName = posix.basename(root);
  const answers = await resolveAnswers({
    questions: template.manifest.questions,
    given,
    useDefaults: true,
    prompter: undefined,
    evaluate: expressionEvaluator(template, targetName),
    templateId: `${locked.name}@${locked.version}`,
    // Secrets are not recorded, and secret files are never compared: a missing one is no error.
    secretsOptional: true,
  });
  return renderTemplate(template, { answers: answers.values, targetName });
}
