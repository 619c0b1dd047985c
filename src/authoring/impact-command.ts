/** `platform template test DIR --against PATH... [--json | --markdown]`: the release-impact report. */
import { posix } from 'node:path';
import { ExitCode, UsageError } from '../core/errors.js';
import type { CliContext } from '../cli/context.js';
import type { Reporter } from '../ui/report.js';
import { startProgress, type Progress } from '../ui/progress.js';
import { readTargets, releaseImpact, type ImpactReport, type RepositoryImpact } from './impact.js';
import { findTemplateDirs } from './template-dir.js';
import { counted } from '../ui/count.js';

export interface ImpactOptions {
  against: string[];
  markdown?: boolean;
}

export async function runTemplateImpact(dir: string | undefined, options: ImpactOptions, ctx: CliContext, reporter: Reporter): Promise<ExitCode> {
  const templateDir = await oneTemplate(ctx, dir ?? '.');
  const targets = await readTargets(ctx.fs, ctx.cwd, options.against);
  // A fleet takes a while: a spinner on a terminal, nothing in CI or a pipe.
  let progress: Progress | undefined;
  const report = await releaseImpact(ctx, templateDir, targets, (index, entry) => {
    progress?.stop();
    progress = startProgress(ctx.stderr, `Dry-running the upgrade in ${entry.shown} (${index + 1}/${targets.length})…`, true);
  }).finally(() => progress?.stop());
  reporter.set({ command: 'template test --against', ...report });
  if (!reporter.json) for (const line of options.markdown ? markdown(report) : human(report, reporter)) reporter.line(line);
  return report.totals.conflicts > 0 || report.totals.failed > 0 ? ExitCode.checkFailed : ExitCode.ok;
}

/** The version to release: the folder itself, or the newest VERSION/ of a template's folder. */
async function oneTemplate(ctx: CliContext, given: string): Promise<string> {
  const dirs = await findTemplateDirs(ctx.fs, posix.resolve(ctx.cwd, given), given);
  const parents = new Set(dirs.map((d) => posix.dirname(d)));
  if (dirs.length > 1 && parents.size > 1) {
    throw new UsageError('against-one-template', `${given} holds several templates; --against reports on one version of one template.`, {
      hint: 'Name the version to release: platform template test NAME/VERSION --against …',
    });
  }
  return dirs.at(-1)!;
}

const ACTIONS: Record<string, string> = { create: 'created', update: 'updated', merge: 'merged', conflict: 'in conflict', delete: 'deleted' };

function fileSummary(repo: RepositoryImpact): string {
  const parts = Object.entries(repo.files).map(([action, n]) => `${n} ${ACTIONS[action] ?? action}`);
  return parts.length > 0 ? parts.join(', ') : 'no file changes';
}

function statusText(repo: RepositoryImpact): string {
  switch (repo.status) {
    case 'clean':
      return `clean (${fileSummary(repo)})`;
    case 'conflicts':
      return `${counted(repo.conflicts.length, 'conflict')} (${fileSummary(repo)})`;
    case 'up-to-date':
      return `already at ${repo.from}`;
    case 'not-using':
      return 'does not use this template';
    default:
      return `failed: ${repo.error?.message ?? 'unknown error'}`;
  }
}

function totalsText(report: ImpactReport): string {
  const t = report.totals;
  return `${counted(t.repositories, 'repository', 'repositories')}: ${t.clean} clean, ${t.conflicts} with conflicts (${counted(t.conflictedFiles, 'file')}), ${t.failed} failed, ${t['up-to-date']} up to date, ${t['not-using']} not using ${report.template}`;
}

function human(report: ImpactReport, reporter: Reporter): string[] {
  const c = reporter.color;
  const lines = [`Release impact of ${c.bold(`${report.template}@${report.version}`)} (a dry run of \`platform upgrade --yes\` in each repository):`];
  for (const repo of report.repositories) {
    const mark = repo.status === 'clean' || repo.status === 'up-to-date' ? c.green('✓') : repo.status === 'not-using' ? c.dim('-') : c.red('✗');
    const move = repo.from && repo.status !== 'up-to-date' ? ` ${repo.from} → ${repo.to}` : '';
    lines.push(`  ${mark} ${repo.repository}${move}: ${statusText(repo)}`);
    for (const conflict of repo.conflicts) lines.push(`      ${conflict.path}: ${conflict.reason}`);
    if (repo.error?.hint) lines.push(`      ${c.dim('hint:')} ${repo.error.hint}`);
    if (repo.twoWay.length > 0) lines.push(`      ${c.dim(`merged without a base (recorded version not renderable): ${repo.twoWay.join(', ')}`)}`);
    if (repo.newQuestions.length > 0) lines.push(`      ${c.dim(`new answers: ${repo.newQuestions.map((q) => `${q.key}=${JSON.stringify(q.value)}`).join(', ')}`)}`);
  }
  if (report.newQuestions.length > 0) {
    lines.push(`New questions in ${report.version}: ${report.newQuestions.map((q) => `${q.key} (default ${JSON.stringify(q.default)})`).join(', ')}`);
  }
  lines.push(totalsText(report));
  return lines;
}

/** A summary for a pull request: one table row per repository, the conflicts below. */
export function markdown(report: ImpactReport): string[] {
  const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const lines = [
    `### Release impact of \`${report.template}@${report.version}\``,
    '',
    totalsText(report) + '.',
    '',
    '| repository | from | result | files |',
    '|---|---|---|---|',
  ];
  for (const repo of report.repositories) {
    const result = repo.status === 'failed' ? `failed: ${repo.error?.message ?? ''}` : repo.status === 'conflicts' ? counted(repo.conflicts.length, 'conflict') : repo.status;
    lines.push(`| ${cell(repo.repository)} | ${repo.from ?? ''} | ${cell(result)} | ${repo.status === 'clean' || repo.status === 'conflicts' ? cell(fileSummary(repo)) : ''} |`);
  }
  const conflicted = report.repositories.filter((r) => r.conflicts.length > 0);
  if (conflicted.length > 0) {
    lines.push('', '#### Conflicts', '');
    for (const repo of conflicted) for (const conflict of repo.conflicts) lines.push(`- \`${cell(repo.repository)}\`: \`${cell(conflict.path)}\` — ${cell(conflict.reason)}`);
  }
  if (report.newQuestions.length > 0) {
    lines.push('', '#### New questions', '');
    for (const question of report.newQuestions) lines.push(`- \`${question.key}\` (default \`${cell(JSON.stringify(question.default))}\`)`);
  }
  return lines;
}
