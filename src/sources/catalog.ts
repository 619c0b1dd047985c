import type { Fs } from '../core/fs.js';
import { PlatformError, UsageError } from '../core/errors.js';
import { nodeFs } from '../core/node-fs.js';
import { BUILTIN_ROOT, listCatalog, parseTemplateRef, resolveInCatalog, type CatalogEntry } from '../template/builtin.js';
import { compareVersions } from '../template/semver.js';
import { versionEntry } from '../template/changelog.js';
import { loadPreset, type Preset } from '../template/preset.js';
import type { Template } from '../template/template.js';
import { BUILTIN_HOME, describeHome, templateSourceIn, type CatalogHome } from '../catalog/home.js';
import { BuiltinDriver } from './builtin-driver.js';
import { canonicalSource, resolveRelativeSource, sourceCovers } from './canonical.js';
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
 * A local copy of a published catalog: a branded CLI ships its catalog inside its own npm
 * package, so `npm:@acme/create-service//catalog` is read from the installed copy first and from
 * the registry for versions the copy does not have.
 */
export interface CatalogMirror {
  /** The published source (canonical), e.g. npm:@acme/create-service//catalog. */
  source: string;
  /** The installed folder holding the same NAME/VERSION/ layout. */
  dir: string;
}

export interface CatalogOptions {
  builtinRoot?: string;
  /** Where NAME[@VERSION] and presets resolve (default: built in). */
  home?: CatalogHome;
  /** The repository root, which relative `dir:./PATH` lockfile sources are relative to. */
  base?: string;
  mirror?: CatalogMirror;
}

/**
 * Where templates come from: the built-in catalog, a folder named in the lockfile
 * (`dir:PATH`, either one template or its VERSION/ subfolders), or a git repository
 * (`git:URL[//SUB]`, versions from its tags or VERSION/ folders) or an npm package
 * (`npm:PACKAGE[//SUB]`, versions from the registry or VERSION/ folders). Each source goes to the
 * one driver of its kind. An organisation's catalog (`home`) is where NAME[@VERSION] and presets
 * resolve. Read once per run.
 */
export class Catalog {
  /** Every kind canonicalSource accepts has exactly one driver here. */
  readonly drivers: readonly SourceDriver[];
  readonly home: CatalogHome;
  private readonly gitDriver: RemoteDriver<GitSources>;
  private readonly npmDriver: RemoteDriver<NpmSources>;
  private readonly builtinRoot: string;
  private readonly mirrorDriver: MirrorDriver | undefined;
  private homeFolder: Promise<string> | undefined;

  constructor(
    private readonly ctx: CatalogContext,
    private readonly options: CatalogOptions = {},
  ) {
    const attach = async (template: Template): Promise<Template> => (ctx.compiled ? ctx.compiled.attach(template) : template);
    this.gitDriver = new RemoteDriver('git', new GitSources(ctx.env, attach));
    this.npmDriver = new RemoteDriver('npm', new NpmSources(ctx.env, attach));
    this.builtinRoot = options.builtinRoot ?? BUILTIN_ROOT;
    this.home = options.home ?? BUILTIN_HOME;
    const dir = new DirDriver(ctx.fs, attach);
    this.drivers = [new BuiltinDriver(ctx.fs, attach, this.builtinRoot), dir, this.gitDriver, this.npmDriver];
    if (options.mirror) {
      const mirror = { ...options.mirror, source: canonicalSource(options.mirror.source) };
      const remote = driverFor(this.drivers, mirror.source).driver;
      this.mirrorDriver = new MirrorDriver(mirror, new DirDriver(ctx.fs, attach), remote);
    }
  }

  /** Templates in git repositories, for --template git specs. */
  get git(): GitSources {
    return this.gitDriver.sources;
  }

  /** Templates in npm packages, for --template npm specs. */
  get npm(): NpmSources {
    return this.npmDriver.sources;
  }

  /** The driver a lockfile source goes to, and the source in canonical form (a relative folder resolved); a UsageError for an unknown kind. */
  driverFor(raw: string): { driver: SourceDriver; source: string } {
    const source = resolveRelativeSource(raw, this.options.base);
    if (this.mirrorDriver?.covers(source)) return { driver: this.mirrorDriver, source };
    return driverFor(this.drivers, source);
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

  /** The lockfile source of template NAME in the run's catalog. */
  homeSource(name: string): string {
    return templateSourceIn(this.home, name);
  }

  /** NAME or NAME@VERSION from the run's catalog; errors list what it holds. */
  async loadFromHome(spec: string): Promise<Template> {
    const { name } = parseTemplateRef(spec);
    if (this.home.kind !== 'builtin') {
      const entries = await this.list();
      if (!entries.some((e) => e.name === name)) {
        // The same message the built-in catalog gives, listing what this one holds.
        resolveInCatalog(entries, parseTemplateRef(spec), await this.folder());
      }
    }
    return this.load(spec, this.homeSource(name));
  }

  /** The local folder of the run's catalog (a checkout or unpacked package for git and npm). */
  folder(): Promise<string> {
    this.homeFolder ??= (async () => {
      if (this.home.kind === 'builtin') return this.builtinRoot;
      if (this.home.kind === 'dir') return this.home.root.slice('dir:'.length);
      const { driver } = this.driverFor(this.home.root);
      if (driver instanceof MirrorDriver) return driver.localFolder(this.home.root);
      return this.home.kind === 'git' ? this.git.folder(this.home.root) : this.npm.folder(this.home.root);
    })();
    return this.homeFolder;
  }

  /** The templates of the run's catalog with their versions. */
  async list(): Promise<CatalogEntry[]> {
    const folder = await this.folder();
    const entries = await listCatalog(this.homeFs(), folder).catch((error: unknown) => {
      if ((error as { code?: string }).code === undefined || error instanceof PlatformError) throw error;
      return [];
    });
    if (entries.length === 0) {
      throw new UsageError('catalog-empty', `${describeHome(this.home)} holds no templates: ${folder} has no NAME/VERSION/template.yaml.`, {
        hint: 'Point it at a catalog (make one with `platform catalog init DIR`), or unset it to use the built-in catalog (--catalog builtin).',
      });
    }
    return entries;
  }

  /** presets/NAME.yaml of the run's catalog, if it has one. */
  async preset(name: string): Promise<Preset | undefined> {
    return loadPreset(this.homeFs(), await this.folder(), name);
  }

  /** The fs the run's catalog folder is read with: the run's (memfs in tests) for folders and a branded CLI's copy; checkouts and packages live on disk. */
  homeFs(): Fs {
    const local = this.home.kind === 'builtin' || this.home.kind === 'dir' || this.mirrorDriver?.covers(this.home.root);
    return local ? this.ctx.fs : nodeFs;
  }

  /**
   * The entry of each version after `from` up to `to` in its CHANGELOG.md (its own `## VERSION`
   * section: each file holds the whole history), newest first. `loaded`: versions the caller has
   * loaded already (a load reads every file of a version and compiles its templates).
   */
  async changelogs(name: string, from: string, to: string, source = 'builtin', loaded?: (ref: string) => Template | undefined): Promise<Array<{ version: string; text: string }>> {
    const versions = await this.versions(name, source);
    const wanted = versions.slice(versions.indexOf(from) + 1, versions.indexOf(to) + 1).reverse();
    const out: Array<{ version: string; text: string }> = [];
    for (const version of wanted) {
      const ref = `${name}@${version}`;
      const template = loaded?.(ref) ?? (await this.load(ref, source).catch(() => undefined));
      if (template?.changelog) out.push({ version, text: versionEntry(template.changelog, version) });
    }
    return out;
  }
}

/** Sources under a mirrored catalog: the installed copy first, the published source for the rest. */
class MirrorDriver implements SourceDriver {
  readonly kind;

  constructor(
    private readonly mirror: CatalogMirror,
    private readonly local: DirDriver,
    private readonly remote: SourceDriver,
  ) {
    this.kind = remote.kind;
  }

  covers(source: string): boolean {
    return sourceCovers(this.mirror.source, source);
  }

  matches(source: string): boolean {
    return this.covers(source);
  }

  localFolder(source: string): string {
    const rest = source.slice(this.mirror.source.length).replace(/^\/+/, '');
    return rest === '' ? this.mirror.dir : `${this.mirror.dir.replace(/\/$/, '')}/${rest}`;
  }

  async versions(name: string, source: string): Promise<string[]> {
    const local = await this.local.versions(name, `dir:${this.localFolder(source)}`);
    // The registry may hold newer releases; unreachable or unpublished, the installed copy stands.
    const remote = await this.remote.versions(name, source).catch((error: unknown) => {
      if (error instanceof PlatformError) return [];
      throw error;
    });
    return [...new Set([...local, ...remote])].sort(compareVersions);
  }

  async load(spec: string, source: string): Promise<Template> {
    const ref = parseTemplateRef(spec);
    const version = ref.version ?? (await this.versions(ref.name, source)).at(-1);
    const local = await this.local.versions(ref.name, `dir:${this.localFolder(source)}`);
    if (version === undefined || !local.includes(version)) return this.remote.load(spec, source);
    const template = await this.local.load(`${ref.name}@${version}`, `dir:${this.localFolder(source)}`);
    // Recorded as the published source, so any machine finds it.
    return { ...template, source: { kind: this.kind === 'git' ? 'git' : 'npm', source } };
  }
}
