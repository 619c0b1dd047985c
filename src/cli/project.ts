import { dirname, join, resolve } from 'node:path';
import { posix } from 'node:path';
import { readFileOrUndefined, statOrUndefined } from '../core/fs.js';
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
import { NpmSources } from '../sources/npm.js';
import { isNpmSource } from '../sources/npm-spec.js';
import type { CliContext } from './context.js';
import { readTarget } from '../core/target.js';
import type { AnswerOptions } from './options.js';

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
  const bytes = await readTarget(ctx.fs, root, LOCKFILE_NAME, { what: 'the repository' }, { lockfile: true });
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
  async versions(name: string, source = 'builtin'): Promise<string[]> {
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
  async load(spec: string, source = 'builtin'): Promise<Template> {
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

/** The folder of a `dir:PATH` source, or undefined for the built-in catalog. */
function dirSource(source: string): string | undefined {
  return source.startsWith('dir:') ? source.slice('dir:'.length) : undefined;
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
  });
  return renderTemplate(template, { answers: answers.values, targetName });
}
