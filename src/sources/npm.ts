import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { ExitCode, PlatformError, UsageError } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import { nodeFs } from '../core/node-fs.js';
import { compareVersions, isVersion } from '../template/semver.js';
import { loadPins, loadTemplate } from '../template/load.js';
import { sharedQuestionsWithin } from '../template/shared-questions.js';
import { layoutOf, pinsRootOf } from '../catalog/layout.js';
import { moveIntoCache } from './cache-folder.js';
import type { Template } from '../template/template.js';
import { cacheRoot, type Env } from './git.js';
import { npmSourceLabel, parseNpmSource, parseNpmSpec, satisfies, type NpmSpec } from './npm-spec.js';
import { isOffline, offlineMissing } from './offline.js';
import { readTar, writeEntries } from './tar.js';

/** npm, run safely: an argument array (no shell), scripts off, in an empty folder (no project .npmrc or workspace). */
async function npm(env: Env, args: string[]): Promise<string> {
  const cwd = fs.mkdtempSync(join(tmpdir(), 'platform-npm-'));
  try {
    const clean: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) if (v !== undefined) clean[k] = v;
    clean.npm_config_ignore_scripts = 'true';
    clean.npm_config_yes = 'false';
    clean.npm_config_update_notifier = 'false';
    // Loaded on first use: a run that spawns nothing does not pay for it.
    const { execa } = await import('execa');
    const result = await execa('npm', args, { env: clean, extendEnv: false, cwd, reject: false, stdin: 'ignore', shell: false });
    if (result.exitCode !== 0) {
      const detail = String(result.stderr || result.stdout || result.message).trim().split('\n').slice(-3).join(' ');
      if (/E404|404 Not Found|ETARGET|No matching version/i.test(detail)) {
        throw new UsageError('npm-not-found', `npm ${args[0]} ${args[1] ?? ''}: ${detail}`, { hint: 'Check the package name and version range (and your registry in ~/.npmrc).' });
      }
      throw new PlatformError('npm-failed', ExitCode.unexpected, `npm ${args[0]} failed: ${detail}`, {
        hint: 'Check your network and your registry settings (~/.npmrc).',
      });
    }
    return String(result.stdout);
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true });
  }
}

function versionsFromJson(out: string): string[] {
  const trimmed = out.trim();
  if (trimmed === '') return [];
  const value = JSON.parse(trimmed) as unknown;
  const list = Array.isArray(value) ? value : [value];
  return list.filter((v): v is string => typeof v === 'string' && isVersion(v)).sort(compareVersions);
}

/**
 * Templates kept in npm packages: versions from the registry (`npm view`), each version packed
 * (`npm pack --ignore-scripts`, never installed, so no lifecycle script runs) and unpacked by us
 * into the per-user cache sources/npm/<name>/<version>.
 */
export class NpmSources {
  private versionLists = new Map<string, Promise<string[]>>();
  private picked = new Map<string, Promise<string>>();

  constructor(
    private readonly env: Env,
    private readonly attach: (template: Template) => Promise<Template> = async (t) => t,
  ) {}

  /** The versions an `npm:` lockfile source offers, ascending (offline: the cached ones). */
  async versions(source: string): Promise<string[]> {
    const spec = parseNpmSource(source);
    // A catalog's NAME/ folder: the VERSION/ folders of the newest package version.
    const layout = await layoutOf(nodeFs, join((await this.newest(spec)).dir, spec.subpath));
    if (layout.kind === 'versions') return layout.versions;
    return this.available(spec);
  }

  /** The package version a spec picks (its range, else the latest; a tarball's own), unpacked. */
  private async newest(spec: NpmSpec): Promise<{ dir: string; version: string }> {
    if (spec.kind === 'file') return this.unpackFile(spec.path);
    const version = await this.resolve(spec);
    return { dir: await this.fetch(spec.name, version), version };
  }

  /** NAME@VERSION (or the latest) from an `npm:` lockfile source. */
  async loadSource(source: string, name: string, version: string | undefined): Promise<Template> {
    const spec = parseNpmSource(source);
    const template = await this.loadSpecWith(spec, version);
    if (name !== '' && template.manifest.name !== name) {
      throw new UsageError('npm-template-name', `${source} holds template "${template.manifest.name}", not "${name}".`, { hint: 'Fix the source of this component in .platform.yaml.' });
    }
    return template;
  }

  /** The local folder of an `npm:` source at its newest version (unpacked in the cache). */
  async folder(source: string): Promise<string> {
    const spec = parseNpmSource(source);
    return join((await this.newest(spec)).dir, spec.subpath);
  }

  /** A --template npm spec. */
  async loadSpec(text: string): Promise<Template> {
    return this.loadSpecWith(parseNpmSpec(text));
  }

  private async loadSpecWith(spec: NpmSpec, exact?: string): Promise<Template> {
    // A catalog's NAME/ folder: `exact` is a VERSION/ folder of the newest package version.
    const newest = await this.newest(spec);
    const layout = await layoutOf(nodeFs, join(newest.dir, spec.subpath));
    if (layout.kind === 'versions') {
      const want = exact ?? layout.versions.at(-1)!;
      if (!layout.versions.includes(want)) {
        throw new UsageError('template-version-unknown', `${npmSourceLabel(spec)}@${newest.version} has no version ${want}.`, {
          hint: `Versions there: ${layout.versions.join(', ')} (its VERSION/ folders). A released version folder stays in the catalog for repositories still on it.`,
        });
      }
      return this.loadAt(spec, newest.dir, want, want);
    }
    if (spec.kind === 'file') {
      const { dir, version } = this.unpackFile(spec.path);
      if (exact !== undefined && exact !== version) {
        throw new UsageError('template-version-unknown', `npm:file:${spec.path} holds version ${version}, not ${exact}.`, { hint: 'Point the source at the tarball of that version.' });
      }
      return this.loadAt(spec, dir, version);
    }
    const version = exact ?? (await this.resolve(spec));
    return this.loadAt(spec, await this.fetch(spec.name, version), version);
  }

  /** The version a registry spec's range picks (npm resolves it; offline, the newest cached match). */
  private resolve(spec: Extract<NpmSpec, { kind: 'registry' }>): Promise<string> {
    const key = `${spec.name}@${spec.range ?? ''}`;
    let picked = this.picked.get(key);
    if (!picked) {
      picked = this.resolveOnce(spec);
      this.picked.set(key, picked);
    }
    return picked;
  }

  private async resolveOnce(spec: Extract<NpmSpec, { kind: 'registry' }>): Promise<string> {
    const range = spec.range ?? 'latest';
    const cached = this.cachedVersions(spec.name);
    if (spec.range !== undefined && cached.includes(spec.range)) return spec.range;
    if (isOffline(this.env)) {
      const match = cached.filter((v) => satisfies(v, range)).at(-1);
      if (!match) throw offlineMissing(`npm package ${spec.name}@${range} (cached: ${cached.join(', ') || 'none'})`);
      return match;
    }
    const picked = versionsFromJson(await npm(this.env, ['view', `${spec.name}@${range}`, 'version', '--json'])).at(-1);
    if (!picked) {
      throw new UsageError('template-version-unknown', `npm package ${spec.name} has no version matching ${range}.`, { hint: `Run npm view ${spec.name} versions to see what is published.` });
    }
    return picked;
  }

  private available(spec: NpmSpec): Promise<string[]> {
    if (spec.kind === 'file') return Promise.resolve([this.unpackFile(spec.path).version]);
    if (isOffline(this.env)) return Promise.resolve(this.cachedVersions(spec.name));
    let list = this.versionLists.get(spec.name);
    if (!list) {
      list = npm(this.env, ['view', spec.name, 'versions', '--json']).then(versionsFromJson);
      this.versionLists.set(spec.name, list);
    }
    return list;
  }

  private packageBase(name: string): string {
    return join(cacheRoot(this.env), 'sources', 'npm', ...name.split('/'));
  }

  private cachedVersions(name: string): string[] {
    const entries = fs.existsSync(this.packageBase(name)) ? fs.readdirSync(this.packageBase(name)) : [];
    return entries.filter(isVersion).sort(compareVersions);
  }

  /** sources/npm/<name>/<version>, packed by npm and unpacked by us; reused when present. */
  private async fetch(name: string, version: string): Promise<string> {
    const base = this.packageBase(name);
    const dir = join(base, version);
    if (fs.existsSync(dir)) return dir;
    if (isOffline(this.env)) throw offlineMissing(`npm package ${name}@${version}`);
    fs.mkdirSync(base, { recursive: true });
    const packDir = fs.mkdtempSync(join(base, '.pack-'));
    try {
      const out = await npm(this.env, ['pack', `${name}@${version}`, '--ignore-scripts', '--json', '--pack-destination', packDir]);
      const packed = JSON.parse(out) as Array<{ filename?: string }>;
      const filename = packed[0]?.filename;
      if (!filename) throw new PlatformError('npm-failed', ExitCode.unexpected, `npm pack ${name}@${version} wrote no tarball.`, { hint: 'Run that npm pack yourself to see what npm says.' });
      const tarball = join(packDir, posix.basename(filename.replace(/^@/, '').replace(/\//g, '-')));
      const file = fs.existsSync(tarball) ? tarball : join(packDir, fs.readdirSync(packDir).find((f) => f.endsWith('.tgz')) ?? filename);
      this.unpackInto(fs.readFileSync(file), base, dir);
    } finally {
      fs.rmSync(packDir, { recursive: true, force: true });
    }
    return dir;
  }

  /** A local tarball, unpacked once into sources/npm/file/<sha256 of its bytes>. */
  private unpackFile(path: string): { dir: string; version: string } {
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path);
    } catch {
      throw new UsageError('npm-file-missing', `npm:file:${path}: no such tarball.`, { hint: 'Give the absolute path of a .tgz made by npm pack.' });
    }
    const base = join(cacheRoot(this.env), 'sources', 'npm', 'file');
    const dir = join(base, createHash('sha256').update(bytes).digest('hex'));
    if (!fs.existsSync(dir)) {
      fs.mkdirSync(base, { recursive: true });
      this.unpackInto(bytes, base, dir);
    }
    const manifest = JSON.parse(fs.readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof manifest.version !== 'string' || !isVersion(manifest.version)) {
      throw new UsageError('npm-package-version', `npm:file:${path}: package.json has no valid version.`, { hint: 'Set "version" in package.json before npm pack.' });
    }
    return { dir, version: manifest.version };
  }

  /** Unpacks into a temp folder beside dir, then renames it into place (never half there). */
  private unpackInto(bytes: Uint8Array, base: string, dir: string): void {
    const entries = readTar(bytes);
    const temp = fs.mkdtempSync(join(base, '.tmp-'));
    try {
      writeEntries(entries, temp);
      moveIntoCache(temp, dir);
    } catch (error) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  }

  private async loadAt(spec: NpmSpec, pkg: string, version: string, folder?: string): Promise<Template> {
    const dir = join(spec.subpath ? join(pkg, spec.subpath) : pkg, folder ?? '');
    const where = `${npmSourceLabel(spec)}@${version}`;
    if (!(await statOrUndefined(nodeFs, join(dir, 'template.yaml')))?.isFile()) {
      throw new UsageError('template-missing', `${where} holds no template.yaml.`, { hint: 'Point at the folder holding template.yaml and files/ with //SUB/FOLDER.' });
    }
    const catalogRoot = await pinsRootOf(nodeFs, dir, pkg);
    const pins = await loadPins(nodeFs, catalogRoot);
    const shared = await sharedQuestionsWithin(nodeFs, dir, catalogRoot !== dir ? catalogRoot : pkg);
    const template = await loadTemplate(nodeFs, dir, { kind: 'npm', source: npmSourceLabel(spec) }, pins, shared);
    if (template.manifest.version !== version) {
      throw new UsageError('npm-version-mismatch', `${where} holds ${template.manifest.name}@${template.manifest.version}, but the ${folder ? 'folder' : 'package version'} is ${version}.`, {
        hint: folder ? 'Set version: in template.yaml to its VERSION/ folder name.' : 'For npm templates, set version: in template.yaml to the package version before publishing.',
      });
    }
    return this.attach(template);
  }
}
