import { fileURLToPath } from 'node:url';
import { posix } from 'node:path';
import type { Fs } from '../core/fs.js';
import { UsageError, didYouMean } from '../core/errors.js';
import { compareVersions, isVersion } from './semver.js';
import { TEMPLATE_NAME } from './schema.js';

/** templates/ shipped inside the package, beside dist/. */
export const BUILTIN_ROOT = fileURLToPath(new URL('../../templates/', import.meta.url)).replace(/\/$/, '');

export interface CatalogEntry {
  name: string;
  /** Ascending. */
  versions: string[];
}

/** The templates in a catalog folder laid out as NAME/VERSION/template.yaml. */
export async function listCatalog(fs: Fs, root: string): Promise<CatalogEntry[]> {
  const entries: CatalogEntry[] = [];
  for (const nameEntry of await fs.readdir(root, { withFileTypes: true })) {
    if (!nameEntry.isDirectory() || !TEMPLATE_NAME.test(nameEntry.name)) continue;
    const versions = (await fs.readdir(posix.join(root, nameEntry.name), { withFileTypes: true }))
      .filter((v) => v.isDirectory() && isVersion(v.name))
      .map((v) => v.name)
      .sort(compareVersions);
    if (versions.length > 0) entries.push({ name: nameEntry.name, versions });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

export interface TemplateRef {
  name: string;
  version: string | undefined;
}

export function parseTemplateRef(spec: string): TemplateRef {
  const at = spec.lastIndexOf('@');
  const [name, version] = at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : [spec, undefined];
  if (!TEMPLATE_NAME.test(name) || (version !== undefined && !isVersion(version))) {
    throw new UsageError('template-ref', `"${spec}" is not a template name: expected NAME or NAME@VERSION, such as service@1.0.0.`, {
      hint: 'Run `platform templates` to list the built-in templates.',
    });
  }
  return { name, version };
}

/** The folder of NAME@VERSION (latest if no version) in the catalog, or an error listing what exists. */
export function resolveInCatalog(catalog: CatalogEntry[], ref: TemplateRef, root: string): { dir: string; version: string } {
  const entry = catalog.find((e) => e.name === ref.name);
  const available = catalog.map((e) => `${e.name} (${e.versions.join(', ')})`).join('; ');
  if (!entry) {
    throw new UsageError('template-unknown', `There is no template "${ref.name}".${didYouMean(ref.name, catalog.map((e) => e.name))}`, {
      hint: `Available: ${available || 'none'}.`,
    });
  }
  const version = ref.version ?? entry.versions[entry.versions.length - 1]!;
  if (!entry.versions.includes(version)) {
    throw new UsageError('template-version-unknown', `Template "${ref.name}" has no version ${version}.`, {
      hint: `Available versions of ${ref.name}: ${entry.versions.join(', ')}.`,
    });
  }
  return { dir: posix.join(root, ref.name, version), version };
}
