/**
 * The engine's API, for an organisation's branded CLI: a small npm package (`@acme/create-service`)
 * holding its catalog (NAME/VERSION/ templates, pins.yaml, presets/) and a bin that calls
 * `runBrandedCli`. Everything else (prompts, flags, the lockfile, upgrades, exit codes) is this
 * CLI's. See README "A branded CLI".
 *
 *   #!/usr/bin/env node
 *   import { runBrandedCli } from 'create-service';
 *   runBrandedCli({ bin: 'create-service', packageJson: new URL('../package.json', import.meta.url), catalog: new URL('../templates/', import.meta.url) });
 */
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalSource, sourceKind } from './sources/canonical.js';
import type { BrandedCatalog } from './cli/context.js';

export interface BrandedCliOptions {
  /** `create-service` (creates, like `npm create`) or `platform` (every command: upgrade, status, add…). */
  bin: 'create-service' | 'platform';
  /** Your package.json (path or file URL): its name and version are what generated repositories pin. */
  packageJson: string | URL;
  /** The catalog folder inside your package (path or file URL). */
  catalog: string | URL;
  /**
   * Where that catalog is published, as lockfiles record it (default `npm:NAME//FOLDER`, the
   * folder inside your package): any machine resolves it, and upgrades find newer releases there.
   * A `git:URL[//SUB]` works too when the catalog is published as a git repository.
   */
  source?: string;
}

/** Runs the CLI for process.argv with your catalog as its default; sets process.exitCode. */
export async function runBrandedCli(options: BrandedCliOptions): Promise<void> {
  const { main } = await import('./cli/main.js');
  const { name, version, catalog } = brandedCatalog(options);
  await main(options.bin, version, name, { catalog });
}

/** What runBrandedCli hands the engine: your package's identity and its catalog (exported for tests). */
export function brandedCatalog(options: BrandedCliOptions): { name: string; version: string; catalog: BrandedCatalog } {
  const pkgPath = toPath(options.packageJson);
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { name?: unknown; version?: unknown };
  if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') throw new Error(`${pkgPath} has no name or version.`);
  const dir = toPath(options.catalog).replace(/\/+$/, '');
  const inside = relative(dirname(pkgPath), dir).split('\\').join('/');
  if (inside.startsWith('..') || inside === '') throw new Error(`The catalog ${dir} must be a folder inside the package (${dirname(pkgPath)}).`);
  const source = canonicalSource(options.source ?? `npm:${pkg.name}//${inside}`);
  const kind = sourceKind(source);
  if (kind !== 'npm' && kind !== 'git') throw new Error(`source must be an npm: or git: source, not ${source}.`);
  return {
    name: pkg.name,
    version: pkg.version,
    catalog: { home: { kind, root: source, origin: `the ${pkg.name} CLI`, shown: source }, mirror: { source, dir } },
  };
}

function toPath(value: string | URL): string {
  return value instanceof URL || value.startsWith('file:') ? fileURLToPath(value) : resolve(value);
}
