import { PlatformError, UsageError } from '../core/errors.js';
import { configPath } from '../hooks/hooks.js';
import { LOCKFILE_NAME } from '../render/paths.js';
import type { Catalog } from '../sources/catalog.js';
import { canonicalSource, resolveRelativeSource, sourceKind } from '../sources/canonical.js';
import { redact } from '../sources/spec.js';
import { describeHome, type CatalogHome } from './home.js';

export interface ComponentSource {
  /** Where the component's versions come from now (a lockfile spelling: may be relative). */
  source: string;
  /** Whether that is not the recorded source (--catalog, or the recorded one cannot be found). */
  moved: boolean;
  /** Why it moved, for a warning. */
  note?: string;
}

/**
 * Where upgrade and status look for a recorded component: `--catalog` given on the command line
 * moves every component its catalog holds there; otherwise the recorded source, and only when that
 * cannot be found, the configured catalog (PLATFORM_CATALOG, a branded CLI's, the config file's)
 * if it holds the template. Anything else is an error naming the source and the ways to fix it.
 */
export async function componentSource(catalog: Catalog, locked: { name: string; source: string }, explicit: boolean, env: NodeJS.ProcessEnv): Promise<ComponentSource> {
  const recorded = canonicalSource(locked.source);
  const inHome = async (): Promise<boolean> => (await catalog.list()).some((e) => e.name === locked.name);
  if (explicit && (await inHome())) {
    const source = catalog.homeSource(locked.name);
    return source === recorded ? { source, moved: false } : { source, moved: true, note: `${locked.name}: --catalog moves it from ${redact(recorded)} to ${redact(source)}.` };
  }
  let cause: string | undefined;
  try {
    if ((await catalog.versions(locked.name, recorded)).length > 0) return { source: recorded, moved: false };
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    cause = error.message;
  }
  if (catalog.home.kind !== 'builtin' && (await inHome().catch(() => false))) {
    const source = catalog.homeSource(locked.name);
    return { source, moved: true, note: `${locked.name}: its source ${redact(recorded)} cannot be found${cause ? ` (${cause})` : ''}; using ${describeHome(catalog.home)}: ${redact(source)}.` };
  }
  throw sourceNotFound(locked.name, recorded, cause, env);
}

/** The error for a recorded source that cannot be read: which one, and every way to fix it. */
export function sourceNotFound(name: string, source: string, cause: string | undefined, env: NodeJS.ProcessEnv): UsageError {
  const fixes = `pass --catalog SOURCE (a folder, git+URL or npm:PACKAGE holding ${name}/VERSION/), or set catalog: SOURCE in ${configPath(env)} (or PLATFORM_CATALOG)`;
  if (source === 'builtin') {
    return new UsageError('source-not-found', `${name} (in ${LOCKFILE_NAME}) is not a template of this CLI's built-in catalog.`, {
      hint: `Update the CLI (npx create-service@latest …); if it came from your organisation's catalog, ${fixes}; or remove the component from ${LOCKFILE_NAME}.`,
    });
  }
  return new UsageError('source-not-found', `${name}: its source ${redact(source)} (in ${LOCKFILE_NAME}) cannot be found${cause ? `: ${cause}` : ''}.`, {
    hint: `If the catalog moved or lives elsewhere on this machine, ${fixes}; if an earlier run fetched it into your cache, add --offline; or fix the source of ${name} in ${LOCKFILE_NAME}.`,
  });
}

/**
 * The catalog a repository's components were created from, when they all name one: `ROOT/NAME`
 * (a folder) or `ROOT//NAME` (git, npm) for every component NAME. `platform add` then takes new
 * components from it when no catalog is set, so a repository made from an organisation's catalog
 * grows from the same one.
 */
export function recordedCatalog(templates: ReadonlyArray<{ name: string; source: string }>, root: string): CatalogHome | undefined {
  const roots = new Set<string>();
  for (const t of templates) {
    const source = resolveRelativeSource(t.source, root);
    if (source === 'builtin' || !source.endsWith(`/${t.name}`)) return undefined;
    roots.add(source.slice(0, -t.name.length - 1).replace(/\/$/, ''));
  }
  if (roots.size !== 1) return undefined;
  const catalogRoot = [...roots][0]!;
  const kind = sourceKind(catalogRoot);
  if (kind === 'builtin') return undefined;
  return { kind, root: canonicalSource(catalogRoot), origin: `the catalog ${LOCKFILE_NAME} records`, shown: redact(catalogRoot) };
}
