/** The runners behind `platform template init | lint | test` (loaded only when one runs). */
import { isAbsolute, posix, relative, resolve } from 'node:path';
import { Chalk, type ChalkInstance } from 'chalk';
import { ExitCode, formatLocation, type PlatformError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import { unifiedDiff } from '../ui/diff.js';
import { errorRecord, type ErrorRecord, type Reporter } from '../ui/report.js';
import { initTemplate } from './init.js';
import { lintTemplate, type LintProblem } from './lint.js';
import { releasedVersionProblems } from './released.js';
import { parse as parseYaml } from 'yaml';
import { findTemplateDirs } from './template-dir.js';
import { testTemplate, type FileDifference, type TemplateTestResult } from './test-template.js';
import { counted } from '../ui/count.js';

const plain = new Chalk({ level: 0 });

function displayPath(ctx: CliContext, path: string): string {
  const rel = relative(ctx.cwd, path);
  return rel === '' ? '.' : rel.startsWith('..') || isAbsolute(rel) ? path : rel.split('\\').join('/');
}

// ----------------------------------------------------------------------------- init

export async function runTemplateInit(dir: string | undefined, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const target = resolve(ctx.cwd, dir ?? '.');
  const result = await initTemplate(ctx.fs, target, ctx.version);
  const shown = displayPath(ctx, target);
  reporter.set({ command: 'template init', dir: target, name: result.name, version: result.version, files: result.files });
  reporter.line(`Created the template ${reporter.color.bold(`${result.name}@${result.version}`)} in ${shown}:`);
  for (const file of result.files) reporter.line(`  ${file}`);
  reporter.line('');
  reporter.line(`Next: edit template.yaml and files/, then \`platform template lint ${shown}\` and \`platform template test ${shown}\`.`);
  return ExitCode.ok;
}

// ----------------------------------------------------------------------------- lint

export interface LintOptions {
  strict?: boolean;
}

export async function runTemplateLint(dir: string | undefined, options: LintOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const dirs = await findTemplateDirs(ctx.fs, resolve(ctx.cwd, dir ?? '.'), dir ?? '.');
  const problems: Array<LintProblem & { template: string }> = [];
  for (const templateDir of dirs) {
    const found = await lintTemplate(ctx.fs, templateDir);
    const identity = await templateIdentity(ctx, templateDir);
    if (identity && !found.some((p) => p.severity === 'error')) found.push(...(await releasedVersionProblems(templateDir, identity.name, identity.version)));
    for (const problem of found) {
      problems.push({ ...problem, file: displayPath(ctx, posix.join(templateDir, problem.file)), template: displayPath(ctx, templateDir) });
    }
  }
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  const failed = errors > 0 || (Boolean(options.strict) && warnings > 0);
  reporter.set({
    command: 'template lint',
    templates: dirs.map((d) => displayPath(ctx, d)),
    problems: problems.map((p) => ({
      severity: p.severity,
      code: p.code,
      message: p.message,
      file: p.file,
      line: p.line ?? null,
      ...(p.column !== undefined ? { column: p.column } : {}),
    })),
    summary: { errors, warnings, strict: Boolean(options.strict), passed: !failed },
  });

  const c = reporter.color;
  for (const p of problems) {
    const where = formatLocation({ file: p.file, ...(p.line !== undefined ? { line: p.line } : {}), ...(p.column !== undefined ? { column: p.column } : {}) });
    reporter.line(`${where}  ${p.severity === 'error' ? c.red('error') : c.yellow('warning')}  ${p.message}  ${c.dim(p.code)}`);
  }
  const scope = dirs.length === 1 ? displayPath(ctx, dirs[0]!) : `${dirs.length} templates`;
  if (problems.length === 0) reporter.line(c.green(`✓ ${scope}: no problems`));
  else reporter.line(`${scope}: ${counted(errors, 'error')}, ${counted(warnings, 'warning')}${failed && errors === 0 ? ' (--strict: warnings fail)' : ''}`);
  return failed ? ExitCode.usage : ExitCode.ok;
}

// ----------------------------------------------------------------------------- test

export interface TestOptions {
  update?: boolean;
}

export async function runTemplateTest(dir: string | undefined, options: TestOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const dirs = await findTemplateDirs(ctx.fs, resolve(ctx.cwd, dir ?? '.'), dir ?? '.');
  const results: TemplateTestResult[] = [];
  for (const templateDir of dirs) results.push(await testTemplate(ctx.fs, templateDir, { update: Boolean(options.update) }));

  reporter.set({ command: 'template test', update: Boolean(options.update), templates: results.map((r) => testJson(ctx, r)) });
  for (const result of results) printTest(ctx, reporter, result, Boolean(options.update));

  const exitCode = results.some((r) => r.exitCode === 2) ? ExitCode.usage : results.some((r) => r.exitCode === 6) ? ExitCode.checkFailed : ExitCode.ok;
  const c = reporter.color;
  if (exitCode === ExitCode.ok) reporter.line(c.green(`✓ ${results.length === 1 ? results[0]!.id : `${results.length} templates`}: passed`));
  else if (exitCode === ExitCode.checkFailed) {
    const shown = dir ?? '.';
    reporter.line(c.red('Template test failed.') + (results.some((r) => r.cases.some((k) => k.snapshot === 'differs')) ? ` If the new output is right, accept it with \`platform template test ${shown} --update\`.` : ''));
  } else reporter.line(c.red('Template test failed: a case could not be rendered (see above).'));
  return exitCode;
}

function caseLabel(testCase: { name: string; fixture: string | undefined }): string {
  return testCase.fixture ?? `${testCase.name} (default answers)`;
}

function printTest(ctx: CliContext, reporter: Reporter, result: TemplateTestResult, update: boolean): void {
  const c = reporter.color;
  const shown = (file: string): string => displayPath(ctx, posix.isAbsolute(file) ? file : posix.join(result.dir, file));
  reporter.line(`${c.bold(result.id)}  ${c.dim(displayPath(ctx, result.dir))}`);
  for (const testCase of result.cases) {
    const label = caseLabel(testCase);
    if (testCase.error) {
      reporter.line(`  ${c.red('✗')} ${label}: ${testCase.error.message}`);
      if (testCase.error.where?.line !== undefined) reporter.line(`      at ${formatLocation({ ...testCase.error.where, file: shown(testCase.error.where.file) })}`);
      for (const problem of testCase.error.problems) reporter.line(`      - ${problem}`);
      if (testCase.error.hint) reporter.line(`      ${c.dim('hint:')} ${testCase.error.hint}`);
      continue;
    }
    const snapshot = shown(testCase.snapshotDir);
    const files = counted(testCase.files, 'file');
    if (testCase.snapshot === 'matched') reporter.line(`  ${c.green('✓')} ${label}: ${files}, as in ${snapshot}`);
    else if (testCase.snapshot === 'created') reporter.line(`  ${c.yellow('+')} ${label}: ${files}; snapshot created in ${snapshot} (review and commit it)`);
    else if (testCase.snapshot === 'updated') {
      reporter.line(`  ${c.yellow('~')} ${label}: snapshot updated in ${snapshot} (${counted(testCase.differences.length, 'file')} changed)`);
      for (const d of testCase.differences) reporter.line(`      ${d.change.padEnd(8)} ${d.path}`);
    } else {
      reporter.line(`  ${c.red('✗')} ${label}: ${counted(testCase.differences.length, 'file')} differ from ${snapshot}`);
      for (const d of testCase.differences) reporter.line(indent(diffText(d, c, { before: 'snapshot', after: 'rendered' })));
    }
    for (const invalid of testCase.invalid) {
      reporter.line(`  ${c.red('✗')} ${label}: ${invalid.path}${invalid.line !== undefined ? `:${invalid.line}` : ''} is ${invalid.message}`);
    }
  }
  for (const stale of result.staleSnapshots) {
    reporter.warn(`${shown(stale)} belongs to no fixture${update ? '; removed' : ' (`--update` removes it)'}.`);
  }
  for (const upgrade of result.upgrades) {
    const what = `upgrade ${result.previous ?? '?'} → ${result.id.split('@')[1]}${upgrade.case === '*' ? '' : ` (${caseLabel(result.cases.find((k) => k.name === upgrade.case) ?? { name: upgrade.case, fixture: undefined })})`}`;
    if (upgrade.status === 'equal') reporter.line(`  ${c.green('✓')} ${what}: an untouched repository equals a fresh render`);
    else if (upgrade.status === 'skipped') reporter.line(`  ${c.yellow('-')} ${what}: skipped; ${upgrade.reason}`);
    else if (upgrade.status === 'failed') reporter.line(`  ${c.red('✗')} ${what}: ${upgrade.reason}`);
    else {
      const parts = [
        ...(upgrade.conflicts.length > 0 ? [`conflicts in ${upgrade.conflicts.join(', ')}`] : []),
        ...(upgrade.differences.length > 0 ? [`${counted(upgrade.differences.length, 'file')} differ from a fresh render`] : []),
      ];
      reporter.line(`  ${c.red('✗')} ${what}: ${parts.join('; ')}`);
      for (const d of upgrade.differences) reporter.line(indent(diffText(d, c, { before: 'fresh', after: 'upgraded' })));
    }
  }
}

function indent(text: string): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n');
}

function diffText(d: FileDifference, color: ChalkInstance, labels: { before: string; after: string }): string {
  if (d.change === 'mode') return `${d.path}: only the executable bit differs between ${labels.before} and ${labels.after}`;
  return unifiedDiff(d.path, d.expected, d.actual, color, labels);
}

function errorJson(error: PlatformError | undefined): ErrorRecord | undefined {
  return error ? errorRecord(error) : undefined;
}

function testJson(ctx: CliContext, result: TemplateTestResult): Record<string, unknown> {
  const differences = (list: FileDifference[], labels: { before: string; after: string }) =>
    list.map((d) => ({ path: d.path, change: d.change, diff: diffText(d, plain, labels) }));
  return {
    dir: displayPath(ctx, result.dir),
    template: result.id,
    exitCode: result.exitCode,
    cases: result.cases.map((k) => ({
      name: k.name,
      fixture: k.fixture ?? null,
      files: k.files,
      snapshot: k.snapshot,
      snapshotDir: k.snapshotDir,
      differences: differences(k.differences, { before: 'snapshot', after: 'rendered' }),
      invalid: k.invalid,
      ...(k.error ? { error: errorJson(k.error) } : {}),
    })),
    previous: result.previous ?? null,
    upgrades: result.upgrades.map((u) => ({ case: u.case, status: u.status, ...(u.reason ? { reason: u.reason } : {}), conflicts: u.conflicts, differences: differences(u.differences, { before: 'fresh', after: 'upgraded' }) })),
    staleSnapshots: result.staleSnapshots,
  };
}

/** name and version from template.yaml, when it parses (lint reports it otherwise). */
async function templateIdentity(ctx: CliContext, dir: string): Promise<{ name: string; version: string } | undefined> {
  try {
    const manifest = parseYaml(new TextDecoder().decode(await ctx.fs.readFile(posix.join(dir, 'template.yaml')))) as { name?: unknown; version?: unknown };
    return typeof manifest.name === 'string' && typeof manifest.version === 'string' ? { name: manifest.name, version: manifest.version } : undefined;
  } catch {
    return undefined;
  }
}
