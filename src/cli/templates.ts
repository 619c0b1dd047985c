import { posix } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { BUILTIN_ROOT, listCatalog } from '../template/builtin.js';
import { loadTemplate } from '../template/load.js';
import { DEFAULT_PRESET, loadPreset } from '../template/preset.js';
import type { Reporter } from '../ui/report.js';
import type { CliContext } from './context.js';

/** platform templates: the built-in catalog, newest version first in the description. */
export async function runTemplates(ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const catalog = await listCatalog(ctx.fs, BUILTIN_ROOT);
  const templates = [];
  for (const entry of catalog) {
    const latest = entry.versions[entry.versions.length - 1]!;
    const template = await loadTemplate(ctx.fs, posix.join(BUILTIN_ROOT, entry.name, latest), { kind: 'builtin' });
    templates.push({ name: entry.name, latest, versions: entry.versions, description: template.manifest.description ?? '' });
  }
  const preset = await loadPreset(ctx.fs, BUILTIN_ROOT, DEFAULT_PRESET);
  const presets = preset ? [{ name: preset.name, components: preset.components.map((c) => c.template), default: true }] : [];
  reporter.set({ templates, presets });
  // With --json the document is the whole answer: the listing below would only repeat it on stderr.
  if (reporter.json) return ExitCode.ok;
  const width = Math.max(8, ...templates.map((t) => t.name.length));
  for (const t of templates) {
    reporter.line(`${reporter.color.bold(t.name.padEnd(width))}  ${t.latest.padEnd(8)}  ${t.description}`);
    if (t.versions.length > 1) reporter.line(`${' '.repeat(width)}  ${reporter.color.dim(`versions: ${t.versions.join(', ')}`)}`);
  }
  for (const p of presets) {
    reporter.line();
    reporter.line(`${reporter.color.bold(p.name)} (what create-service applies without --template): ${p.components.join(', ')}`);
  }
  return ExitCode.ok;
}
