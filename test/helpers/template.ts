import { memoryFs } from './memfs.js';
import { loadTemplate } from '../../src/template/load.js';
import type { Template } from '../../src/template/template.js';

/** Builds a template in memory: template.yaml text plus files/ (and partials/) contents. */
export async function makeTemplate(manifest: string, files: Record<string, string | Uint8Array>, extra: Record<string, string> = {}): Promise<Template> {
  const seed: Record<string, string | Uint8Array> = { '/tpl/template.yaml': manifest };
  for (const [path, content] of Object.entries(files)) seed[`/tpl/files/${path}`] = content;
  for (const [path, content] of Object.entries(extra)) seed[`/tpl/${path}`] = content;
  const { fs } = memoryFs(seed);
  return loadTemplate(fs, '/tpl', { kind: 'builtin' });
}
