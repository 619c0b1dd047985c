import { posix } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import type { Fs } from '../core/fs.js';
import { readInputFile } from '../core/input-file.js';
import { parseYamlSource, validateSource } from '../core/yaml-source.js';
import { configPath } from '../hooks/hooks.js';
import { canonicalSource } from '../sources/canonical.js';
import { npmSourceLabel, parseNpmSpec, isNpmSpec } from '../sources/npm-spec.js';
import { gitSourceLabel, isGitSpec, parseGitSpec, redact } from '../sources/spec.js';

/**
 * The catalog `NAME[@VERSION]` and presets resolve in: the built-in one, or an organisation's
 * folder, git repository or npm package laid out the same way (NAME/VERSION/, pins.yaml,
 * presets/). `root` is the canonical source of the catalog itself; a template NAME in it is the
 * source `root` + NAME (a folder of VERSION/ folders), which is what lockfiles record.
 */
export type CatalogHome =
  | { kind: 'builtin'; origin: string }
  | { kind: 'dir' | 'git' | 'npm'; root: string; origin: string; shown: string };

export const BUILTIN_HOME: CatalogHome = { kind: 'builtin', origin: 'the default' };

const HINT =
  'A catalog is a folder (./acme-catalog, /srv/catalog), a git repository (git+https://HOST/REPO.git[//SUB], github:ORG/REPO, git+file:///PATH) or an npm package (npm:@acme/catalog[//SUB], npm:file:/ABS/PKG.tgz), laid out as NAME/VERSION/ templates with pins.yaml and presets/; or `builtin`.';

/** Parses a --catalog, PLATFORM_CATALOG or config `catalog:` value; a relative folder is taken from `base`. */
export function parseCatalogSpec(spec: string, base: string, origin: string): CatalogHome {
  const text = spec.trim();
  if (text === '' || text.length > 4096 || /[\0\n\r]/.test(text)) {
    throw new UsageError('catalog-spec', `${origin}: "${redact(text.slice(0, 200))}" is not a catalog source.`, { hint: HINT });
  }
  if (text === 'builtin') return { kind: 'builtin', origin };
  if (isGitSpec(text)) {
    const git = parseGitSpec(text);
    if (git.ref) {
      throw new UsageError('catalog-ref', `${origin}: a catalog is followed at its newest release, so "${redact(text)}" may not name #REF or @VERSION.`, {
        hint: 'Leave the ref out: the highest version tag is read (else the default branch); pick a template version with NAME@VERSION.',
      });
    }
    return { kind: 'git', root: canonicalSource(gitSourceLabel(git)), origin, shown: redact(text) };
  }
  if (isNpmSpec(text)) {
    // A packed tarball may be named relative to here (npm:file:./acme-1.0.0.tgz).
    const tarball = /^npm:file:(\.\.?\/.*)$/.exec(text);
    const npm = parseNpmSpec(tarball ? `npm:file:${posix.resolve(base, tarball[1]!)}` : text);
    if (npm.range !== undefined) {
      throw new UsageError('catalog-ref', `${origin}: a catalog is followed at its newest release, so "${text}" may not name a version range.`, {
        hint: 'Leave the range out: the latest published version is read; pick a template version with NAME@VERSION.',
      });
    }
    return { kind: 'npm', root: canonicalSource(npmSourceLabel(npm)), origin, shown: text };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !text.startsWith('dir:')) {
    throw new UsageError('catalog-spec', `${origin}: "${redact(text)}" is not a catalog source I know.`, { hint: HINT });
  }
  const path = posix.resolve(base, text.startsWith('dir:') ? text.slice('dir:'.length) : text);
  return { kind: 'dir', root: canonicalSource(`dir:${path}`), origin, shown: text };
}

/** The lockfile source of template NAME in a catalog (canonical): its folder of VERSION/ folders. */
export function templateSourceIn(home: CatalogHome, name: string): string {
  if (home.kind === 'builtin') return 'builtin';
  if (home.kind === 'dir') return canonicalSource(`${home.root}/${name}`);
  // git:URL or npm:PKG, with or without //SUB: the template folder is one level below.
  const scheme = home.kind === 'git' ? home.root.indexOf('://') + 3 : 'npm:'.length + (home.root.startsWith('npm:file:') ? 'file:'.length + 1 : 0);
  return canonicalSource(home.root.indexOf('//', scheme) >= 0 ? `${home.root}/${name}` : `${home.root}//${name}`);
}

/** How messages name the catalog. */
export function describeHome(home: CatalogHome): string {
  return home.kind === 'builtin' ? "this CLI's built-in catalog" : `the catalog ${home.shown} (${home.origin})`;
}

const configSchema = z.looseObject({ catalog: z.string().min(1).max(4096).optional() }).nullable();

/** The `catalog:` of the user's config file, relative to the file's folder; undefined when unset. */
export async function configuredCatalog(fs: Fs, env: NodeJS.ProcessEnv): Promise<CatalogHome | undefined> {
  const path = configPath(env);
  const bytes = await readInputFile(fs, path, { kind: 'config', what: 'Config', followLinks: true, hint: `Make ${path} a YAML file (catalog: SOURCE, trust: [...]) or remove it.` });
  if (!bytes) return undefined;
  const source = parseYamlSource(new TextDecoder().decode(bytes), path, 'Config');
  const config = validateSource(configSchema, source, path, 'Config');
  if (!config?.catalog) return undefined;
  const line = source.locate(['catalog'])?.line;
  return parseCatalogSpec(config.catalog, posix.dirname(path), `catalog: in ${path}${line !== undefined ? `:${line}` : ''}`);
}

/** Where a run's catalog is set, strongest first. */
export interface CatalogChoice {
  /** --catalog */
  flag?: string | undefined;
  /** A branded CLI's own catalog (the engine API), below the flag and PLATFORM_CATALOG. */
  branded?: CatalogHome | undefined;
  /** The catalog a repository's components came from (platform add), below everything set. */
  recorded?: CatalogHome | undefined;
}

/** --catalog, else PLATFORM_CATALOG, else a branded CLI's catalog, else the config file's, else the repository's, else built in. */
export async function chooseHome(fs: Fs, env: NodeJS.ProcessEnv, cwd: string, choice: CatalogChoice): Promise<{ home: CatalogHome; explicit: boolean }> {
  if (choice.flag !== undefined) return { home: parseCatalogSpec(choice.flag, cwd, '--catalog'), explicit: true };
  const fromEnv = env.PLATFORM_CATALOG;
  if (fromEnv !== undefined && fromEnv !== '') return { home: parseCatalogSpec(fromEnv, cwd, 'PLATFORM_CATALOG'), explicit: false };
  if (choice.branded) return { home: choice.branded, explicit: false };
  return { home: (await configuredCatalog(fs, env)) ?? choice.recorded ?? BUILTIN_HOME, explicit: false };
}
