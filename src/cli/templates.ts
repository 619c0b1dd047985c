import { posix } from 'node:path';
import { ExitCode } from '../core/errors.js';
import { describeHome } from '../catalog/home.js';
import { loadTemplate } from '../template/load.js';
import { DEFAULT_PRESET } from '../template/preset.js';
import type { Reporter } from '../ui/report.js';
import { openCatalog, type CliContext } from './context.js';

/** platform templates: the run's catalog (built in, or --catalog / PLATFORM_CATALOG / config), newest version first in the description. */
export async function runTemplates(options: { catalog?: string }, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const { catalog } = await openCatalog(ctx, options.catalog);
  const folder = await catalog.folder();
  const fs = catalog.homeFs();
  const templates = [];
  for (const entry of await catalog.list()) {
    const latest = entry.versions[entry.versions.length - 1]!;
    const template = await loadTemplate(fs, posix.join(folder, entry.name, latest), { kind: 'builtin' });
    templates.push({ name: entry.name, latest, versions: entry.versions, description: template.manifest.description ?? '' });
  }
  const preset = await catalog.preset(DEFAULT_PRESET);
  const presets = preset ? [{ name: preset.name, components: preset.components.map((c) => c.template), default: true }] : [];
  const source = catalog.home.kind === 'builtin' ? 'builtin' : catalog.home.root;
  reporter.set({ catalog: source, templates, presets });
  if (catalog.home.kind !== 'builtin') reporter.line(reporter.color.dim(`From ${describeHome(catalog.home)}.`));
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
