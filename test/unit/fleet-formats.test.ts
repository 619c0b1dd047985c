/** The report's formats: what a repository's name can and cannot do in a terminal, in Markdown and in HTML. */
import { describe, expect, it } from 'vitest';
import { computeAdoption } from '../../src/fleet/adoption.js';
import type { FleetReport } from '../../src/fleet/fleet-status.js';
import { formatHtml } from '../../src/fleet/format-html.js';
import { formatMarkdown, formatTable } from '../../src/fleet/format-text.js';
import type { RepoStatus } from '../../src/fleet/repo-status.js';

function report(name: string): FleetReport {
  const repo: RepoStatus = {
    repo: name,
    path: '/x',
    cli: '0.1.0',
    lockfileChanged: '2026-01-01T00:00:00.000Z',
    components: [{ name: 'service', version: '1.0.0', source: 'builtin', latest: '1.2.0', behind: 2, driftedOwned: ['Dockerfile'], conflicts: [], hooks: 'pending' }],
    conflicts: [],
    interrupted: false,
    history: [{ commit: 'c', date: '2026-01-01T00:00:00.000Z', versions: { service: '1.0.0' } }],
    error: undefined,
  };
  const broken: RepoStatus = { ...repo, repo: 'broken', components: [], history: [], error: { code: 'target-symlink', message: 'Refusing .platform.yaml: it is a symbolic link.' } };
  const repos = [repo, broken];
  return {
    generatedAt: '2026-12-03T00:00:00.000Z',
    totals: { repositories: 2, unreadable: 1, components: 1, upToDate: 0, behind: 1, driftedOwned: 1, withConflicts: 0, hooksPendingOrFailed: 1 },
    repos,
    adoption: computeAdoption(repos, new Map(), undefined),
    warnings: [],
  };
}

const HOSTILE = '<script>alert(1)</script>|*x*`[l](http://e)`\u001b[2J';

describe('fleet report formats', () => {
  it('the table: one row per component, an unreadable repository says why, no control characters reach the terminal', () => {
    const lines = formatTable(report(HOSTILE));
    expect(lines[0]).toMatch(/^REPOSITORY\s+COMPONENT\s+VERSION\s+LATEST\s+BEHIND/);
    expect(lines.join('\n')).not.toContain('\u001b');
    expect(lines.find((l) => l.startsWith('broken'))).toContain('error: Refusing .platform.yaml');
    expect(lines).toContain('2 repositories (1 unreadable), 1 component: 0 up to date, 1 behind.');
  });

  it('the summary counts one repository and one component in the singular, in text and Markdown', () => {
    const one = report('orders-api');
    one.totals = { ...one.totals, repositories: 1, unreadable: 0 };
    expect(formatTable(one)).toContain('1 repository, 1 component: 0 up to date, 1 behind.');
    expect(formatMarkdown(one)).toContain('**1** repository · **1** component ·');
  });

  it('Markdown: a name cannot open HTML, break the table, link or emphasise', () => {
    const md = formatMarkdown(report(HOSTILE));
    const row = md.split('\n').find((l) => l.startsWith('| &lt;script'))!;
    expect(row).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\|\\*x\\*\\`\\[l\\](http://e)\\`?\\[2J');
    expect(row.split(/(?<!\\)\|/).length).toBe(12);
    expect(md).not.toContain('<script>');
  });

  it('HTML: everything escaped, no network, the script allowed by its hash only, charts and rows present', () => {
    const html = formatHtml(report(HOSTILE));
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toMatch(/Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[A-Za-z0-9+/=]+'/);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(html.match(/<script>/g)).toHaveLength(1);
    expect(html.match(/class="bar/g)).toHaveLength(1);
    expect(html.match(/<tr><td/g)!.length).toBeGreaterThanOrEqual(2);
  });
});
