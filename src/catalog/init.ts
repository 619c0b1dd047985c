import type { Fs } from '../core/fs.js';
import { listCatalog } from '../template/builtin.js';
import { copyTree, requireNewFolder } from './copy.js';

export interface CatalogInitResult {
  dir: string;
  templates: Array<{ name: string; versions: string[] }>;
  files: string[];
}

/**
 * `platform catalog init DIR`: an organisation's catalog, started as a copy of the built-in one.
 * Everything at its top level is copied generically (templates, pins.yaml, presets/, schemas/,
 * CONVENTIONS.md, README.md, shared questions…), so what the built-in catalog gains, a new
 * catalog starts with.
 */
export async function initCatalog(fs: Fs, builtinRoot: string, dir: string): Promise<CatalogInitResult> {
  await requireNewFolder(fs, dir, 'a catalog');
  const templates = await listCatalog(fs, builtinRoot);
  await fs.mkdir(dir, { recursive: true });
  const files = await copyTree(fs, builtinRoot, dir);
  return { dir, templates, files };
}
