import type { Fs } from '../core/fs.js';
import { BUILTIN_ROOT } from '../template/builtin.js';
import type { Template } from '../template/template.js';
import { BuiltinDriver } from './builtin-driver.js';
import { DirDriver } from './dir-driver.js';
import { driverFor, type SourceDriver } from './driver.js';
import { RemoteDriver } from './remote-driver.js';
import { GitSources } from './git-source.js';
import type { Env } from './git.js';
import { NpmSources } from './npm.js';

/** What a Catalog needs of the run: its file system, its environment, and its compiled-template cache if it keeps one. */
export interface CatalogContext {
  fs: Fs;
  env: Env;
  compiled?: { attach(template: Template): Promise<Template> } | undefined;
}

/**
 * Where templates come from: the built-in catalog, a folder named in the lockfile
 * (`dir:PATH`, either one template or its VERSION/ subfolders), or a git repository
 * (`git:URL[//SUB]`, versions from its tags) or an npm package (`npm:PACKAGE[//SUB]`, versions
 * from the registry; a template's version is its package's version). Each source goes to the one
 * driver of its kind. Read once per run.
 */
export class Catalog {
  /** Every kind canonicalSource accepts has exactly one driver here. */
  readonly drivers: readonly SourceDriver[];
  private readonly gitDriver: RemoteDriver<GitSources>;
  private readonly npmDriver: RemoteDriver<NpmSources>;

  constructor(ctx: CatalogContext, options: { builtinRoot?: string } = {}) {
    const attach = async (template: Template): Promise<Template> => (ctx.compiled ? ctx.compiled.attach(template) : template);
    this.gitDriver = new RemoteDriver('git', new GitSources(ctx.env, attach));
    this.npmDriver = new RemoteDriver('npm', new NpmSources(ctx.env, attach));
    this.drivers = [new BuiltinDriver(ctx.fs, attach, options.builtinRoot ?? BUILTIN_ROOT), new DirDriver(ctx.fs, attach), this.gitDriver, this.npmDriver];
  }

  /** Templates in git repositories, for --template git specs. */
  get git(): GitSources {
    return this.gitDriver.sources;
  }

  /** Templates in npm packages, for --template npm specs. */
  get npm(): NpmSources {
    return this.npmDriver.sources;
  }

  /** The driver a lockfile source goes to, and the source in canonical form; a UsageError for an unknown kind. */
  driverFor(raw: string): { driver: SourceDriver; source: string } {
    return driverFor(this.drivers, raw);
  }

  /** The versions a source offers for a template, ascending. */
  async versions(name: string, raw = 'builtin'): Promise<string[]> {
    const { driver, source } = this.driverFor(raw);
    return driver.versions(name, source);
  }

  async latest(name: string, source = 'builtin'): Promise<string | undefined> {
    return (await this.versions(name, source)).at(-1);
  }

  /** NAME or NAME@VERSION from a source; errors list what exists. */
  async load(spec: string, raw = 'builtin'): Promise<Template> {
    const { driver, source } = this.driverFor(raw);
    return driver.load(spec, source);
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
