import type { FleetReport } from './fleet-status.js';
import type { ComponentStatus, RepoStatus } from './repo-status.js';
import { counted } from '../ui/count.js';

/**
 * The terminal table and the Markdown report (for an issue or a pull request). Both show the
 * same rows: one per component of each repository, then adoption per released version.
 */

export interface Row {
  repo: string;
  component: string;
  version: string;
  latest: string;
  behind: string;
  drift: string;
  conflicts: string;
  hooks: string;
  cli: string;
  changed: string;
}

export function rowsOf(report: FleetReport): Row[] {
  const rows: Row[] = [];
  for (const repo of report.repos) {
    if (repo.error) {
      rows.push({ repo: repo.repo, component: '—', version: '—', latest: '—', behind: '—', drift: '—', conflicts: '—', hooks: '—', cli: '—', changed: `error: ${repo.error.message}` });
      continue;
    }
    const repoLevel = repo.conflicts.filter((p) => !repo.components.some((c) => c.conflicts.includes(p)));
    for (const [i, c] of repo.components.entries()) rows.push(rowOf(repo, c, i === 0 ? repoLevel : []));
  }
  return rows;
}

function rowOf(repo: RepoStatus, c: ComponentStatus, extra: string[]): Row {
  const conflicts = [...c.conflicts, ...extra];
  return {
    repo: repo.repo,
    component: c.name,
    version: c.version,
    latest: c.latest ?? '?',
    behind: c.latest === undefined ? '?' : String(c.behind),
    drift: c.driftedOwned === undefined ? '–' : c.driftedOwned.length === 0 ? '0' : `${c.driftedOwned.length}: ${c.driftedOwned.join(', ')}`,
    conflicts: conflicts.length === 0 ? '0' : `${conflicts.length}: ${conflicts.join(', ')}`,
    hooks: c.hooks ?? (repo.interrupted ? 'interrupted' : 'ok'),
    cli: repo.cli ?? '–',
    changed: repo.lockfileChanged?.slice(0, 10) ?? '–',
  };
}

const HEADERS: Record<keyof Row, string> = { repo: 'REPOSITORY', component: 'COMPONENT', version: 'VERSION', latest: 'LATEST', behind: 'BEHIND', drift: 'DRIFTED OWNED', conflicts: 'CONFLICTS', hooks: 'HOOKS', cli: 'CLI', changed: 'LOCKFILE CHANGED' };

/** Control characters from a repository never reach the terminal (they could rewrite the screen). */
export function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '?');
}

export function formatTable(report: FleetReport): string[] {
  const rows = rowsOf(report).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, plain(v)])) as unknown as Row);
  const keys = Object.keys(HEADERS) as Array<keyof Row>;
  const width = Object.fromEntries(keys.map((k) => [k, Math.min(60, Math.max(HEADERS[k].length, ...rows.map((r) => r[k].length)))])) as Record<keyof Row, number>;
  const line = (r: Record<keyof Row, string>): string => keys.map((k) => (r[k].length > width[k] ? `${r[k].slice(0, width[k] - 1)}…` : r[k].padEnd(width[k]))).join('  ').trimEnd();
  return [line(HEADERS), ...rows.map(line), '', ...summaryLines(report).map(plain)];
}

export function summaryLines(report: FleetReport): string[] {
  const t = report.totals;
  const lines = [
    `${counted(t.repositories, 'repository', 'repositories')}${t.unreadable ? ` (${t.unreadable} unreadable)` : ''}, ${counted(t.components, 'component')}: ${t.upToDate} up to date, ${t.behind} behind.`,
    `${t.withConflicts} with open conflicts, ${t.hooksPendingOrFailed} with pending or failed hooks, ${t.driftedOwned === undefined ? 'drift not checked (--check-drift)' : `${t.driftedOwned} with drifted owned files`}.`,
  ];
  for (const r of report.adoption.releases.filter((r) => r.medianLagDays !== undefined)) {
    lines.push(`${r.component}@${r.version}: released ${r.released} (${r.releasedFrom}), adopted by ${r.adopted}, ${r.notYet} not yet; median lag ${r.medianLagDays} d, slowest ${r.slowest ? `${r.slowest.repo} (${r.slowest.days} d)` : '–'}.`);
  }
  return lines;
}

/** Markdown-safe text: no raw HTML, no table breaks, no emphasis or links from a repository's name. */
export function md(text: string): string {
  return plain(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#!~])/g, '\\$1');
}

export function formatMarkdown(report: FleetReport): string {
  const t = report.totals;
  const out: string[] = [];
  out.push('## Golden path: fleet status', '');
  out.push(`**${t.repositories}** ${t.repositories === 1 ? 'repository' : 'repositories'} · **${t.components}** ${t.components === 1 ? 'component' : 'components'} · **${t.upToDate}** up to date · **${t.behind}** behind · **${t.withConflicts}** with open conflicts · **${t.hooksPendingOrFailed}** with pending hooks${t.driftedOwned === undefined ? '' : ` · **${t.driftedOwned}** with drifted owned files`}${t.unreadable ? ` · **${t.unreadable}** unreadable` : ''}`, '');
  out.push('### Versions in use', '');
  out.push('| component | latest | versions (repositories) |', '|---|---|---|');
  for (const v of report.adoption.versions) {
    out.push(`| ${md(v.component)} | ${md(v.latest ?? '?')} | ${v.counts.map((c) => `${md(c.version)}${c.version === v.latest ? ' ✅' : ''} (${c.repos})`).join(', ')} |`);
  }
  out.push('', '### Adoption of each release', '');
  out.push('| release | released | adopted | not yet | median lag | slowest |', '|---|---|---:|---:|---:|---|');
  for (const r of report.adoption.releases) {
    out.push(`| ${md(`${r.component}@${r.version}`)} | ${r.released ?? '–'}${r.releasedFrom === 'first-adoption' ? '¹' : ''} | ${r.adopted} | ${r.notYet} | ${r.medianLagDays === undefined ? '–' : `${r.medianLagDays} d`} | ${r.slowest ? `${md(r.slowest.repo)} (${r.slowest.days} d)` : '–'} |`);
  }
  out.push('', `¹ no date in the template's changelog: the day the first repository of the fleet took it.${report.adoption.since ? ` Adoptions counted from ${report.adoption.since}.` : ''}`, '');
  out.push('### Repositories', '');
  const rows = rowsOf(report);
  out.push('| repository | component | version | latest | behind | drifted owned | conflicts | hooks | CLI | lockfile changed |', '|---|---|---|---|---:|---|---|---|---|---|');
  for (const r of rows) {
    const flag = r.behind !== '0' && r.behind !== '?' && r.behind !== '—' ? ' ⬆️' : '';
    out.push(`| ${md(r.repo)} | ${md(r.component)} | ${md(r.version)}${flag} | ${md(r.latest)} | ${md(r.behind)} | ${md(r.drift)} | ${md(r.conflicts)} | ${md(r.hooks)} | ${md(r.cli)} | ${md(r.changed)} |`);
  }
  if (report.warnings.length > 0) out.push('', '### Warnings', '', ...report.warnings.map((w) => `- ${md(w)}`));
  return `${out.join('\n')}\n`;
}
