/** The runners behind `platform catalog init` and `platform template bump` (loaded only when one runs). */
import { isAbsolute, posix, relative, resolve } from 'node:path';
import { ExitCode, UsageError } from '../core/errors.js';
import { statOrUndefined } from '../core/fs.js';
import type { CliContext } from '../cli/context.js';
import type { Reporter } from '../ui/report.js';
import { initCatalog } from '../catalog/init.js';
import { BUILTIN_ROOT } from '../template/builtin.js';
import { TEMPLATE_NAME } from '../template/schema.js';
import { bumpTemplate, type BumpLevel } from './bump.js';

function shown(ctx: CliContext, path: string): string {
  const rel = relative(ctx.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel;
}

export async function runCatalogInit(dir: string, ctx: CliContext, reporter: Reporter, builtinRoot = BUILTIN_ROOT): Promise<ExitCode> {
  if (dir.trim() === '') throw new UsageError('catalog-init-dir', 'platform catalog init was given an empty folder name.', { hint: 'Name a new folder: platform catalog init acme-catalog.' });
  const target = resolve(ctx.cwd, dir);
  const result = await initCatalog(ctx.fs, builtinRoot, target);
  const where = shown(ctx, target);
  reporter.set({ command: 'catalog init', dir: target, templates: result.templates, files: result.files.length });
  reporter.line(`Started the catalog ${reporter.color.bold(where)} from the built-in one (${result.files.length} files):`);
  for (const t of result.templates) reporter.line(`  ${t.name.padEnd(14)} ${t.versions.join(', ')}`);
  reporter.line('');
  reporter.line('Next:');
  reporter.line(`  cd ${where} && git init && git add -A && git commit -m "Our golden path"   (then tag releases: git tag v1.0.0)`);
  reporter.line(`  edit pins.yaml and the templates, release a change with \`platform template bump NAME\` (in ${where})`);
  reporter.line(`  create from it: create-service my-service --catalog ${where.startsWith('/') ? where : `./${where}`}   (or catalog: in your config file)`);
  return ExitCode.ok;
}

export interface BumpOptions {
  major?: boolean;
  minor?: boolean;
  patch?: boolean;
  to?: string;
}

export async function runTemplateBump(name: string, options: BumpOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const levels = (['major', 'minor', 'patch'] as const).filter((l) => options[l]);
  if (levels.length > 1 || (levels.length > 0 && options.to !== undefined)) {
    throw new UsageError('bump-level', 'Give one of --major, --minor, --patch or --to.', { hint: 'Without any, the minor version goes up (1.2.0 -> 1.3.0).' });
  }
  // NAME in the catalog here, or the path of a NAME/ folder.
  const looksLikePath = name.includes('/') || name === '.' || name === '..';
  if (!looksLikePath && !TEMPLATE_NAME.test(name)) {
    throw new UsageError('template-ref', `"${name}" is not a template name or a folder.`, { hint: 'Run it in the catalog with the template name (platform template bump service), or give ./path/to/NAME.' });
  }
  const versionsDir = resolve(ctx.cwd, name);
  if (!looksLikePath && !(await statOrUndefined(ctx.fs, versionsDir))) {
    throw new UsageError('template-unknown', `There is no template folder ${name}/ in ${ctx.cwd}.`, { hint: 'Run it in the catalog folder, or give the path of NAME/.' });
  }
  const result = await bumpTemplate(ctx.fs, versionsDir, { ...(levels[0] ? { level: levels[0] as BumpLevel } : {}), ...(options.to !== undefined ? { to: options.to } : {}) });
  const where = shown(ctx, result.dir);
  reporter.set({ command: 'template bump', name: result.name, from: result.from, to: result.to, dir: result.dir, files: result.files });
  reporter.line(`${reporter.color.bold(`${result.name} ${result.from} → ${result.to}`)}: copied into ${where} (${result.files.length} files).`);
  reporter.line(`Next: change ${where}, fill in its CHANGELOG.md entry, \`platform template test ${posix.dirname(where) || '.'}\`, and commit: the diff against ${result.from} is the release to review.`);
  return ExitCode.ok;
}
