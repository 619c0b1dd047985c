import { createHash } from 'node:crypto';
import type { FleetReport } from './fleet-status.js';
import { plain, rowsOf, summaryLines, type Row } from './format-text.js';

/**
 * The HTML report: one self-contained file (no network: a Content-Security-Policy allows nothing
 * but the inline style and the one inline script, by its hash), three inline SVG charts and a
 * sortable table. Everything from a repository is escaped; the script holds no data (it sorts
 * the cells already in the page), so no repository name can end up in code.
 */

export function esc(text: string): string {
  return plain(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const SORT_SCRIPT = `
(function () {
  var table = document.getElementById('repos');
  var heads = table.tHead.rows[0].cells;
  function key(row, i) { var c = row.cells[i]; return c.getAttribute('data-sort') || c.textContent; }
  function sortBy(i) {
    var th = heads[i];
    var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
    for (var j = 0; j < heads.length; j++) heads[j].removeAttribute('aria-sort');
    th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = key(a, i), y = key(b, i);
      var nx = Number(x), ny = Number(y);
      var d = x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y);
      return d * dir;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  for (var i = 0; i < heads.length; i++) {
    (function (i) {
      var button = heads[i].querySelector('button');
      button.addEventListener('click', function () { sortBy(i); });
    })(i);
  }
})();
`;

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 2rem; color: #1f2328; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.summary { display: flex; gap: 1rem; flex-wrap: wrap; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem 1rem; min-width: 8rem; }
.card b { display: block; font-size: 1.5rem; }
.charts { display: flex; gap: 2rem; flex-wrap: wrap; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .3rem; }
svg text { font: 11px system-ui, sans-serif; fill: #57606a; }
.bar { fill: #0969da; } .bar.latest { fill: #1a7f37; } .lag-bar { fill: #bf8700; }
.line { fill: none; stroke-width: 2; } .point { stroke: #fff; stroke-width: 1; }
table { border-collapse: collapse; margin-top: .5rem; }
th, td { border-bottom: 1px solid #d0d7de; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; }
th[aria-sort=ascending] button::after { content: ' ▲'; } th[aria-sort=descending] button::after { content: ' ▼'; }
td.bad { color: #cf222e; font-weight: 600; } td.err { color: #cf222e; }
`;

const PALETTE = ['#0969da', '#1a7f37', '#8250df', '#bf8700', '#cf222e', '#1b7c83', '#9a6700', '#6e7781'];

export function formatHtml(report: FleetReport): string {
  const hash = createHash('sha256').update(SORT_SCRIPT).digest('base64');
  const t = report.totals;
  const cards: Array<[string, number | string]> = [
    ['repositories', t.repositories],
    ['components', t.components],
    ['up to date', t.upToDate],
    ['behind', t.behind],
    ['open conflicts', t.withConflicts],
    ['pending hooks', t.hooksPendingOrFailed],
    ['drifted owned', t.driftedOwned ?? 'not checked'],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${hash}'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Golden path: fleet status</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Golden path: fleet status</h1>
<p>Generated ${esc(report.generatedAt.slice(0, 16).replace('T', ' '))} UTC${report.adoption.since ? `; adoption counted from ${esc(report.adoption.since)}` : ''}.</p>
<div class="summary">${cards.map(([label, value]) => `<div class="card" data-card="${esc(label)}"><b>${esc(String(value))}</b>${esc(label)}</div>`).join('')}</div>
<h2>Charts</h2>
<div class="charts">
${versionsChart(report)}
${timelineChart(report)}
${lagChart(report)}
</div>
<h2>Adoption of each release</h2>
${releasesTable(report)}
<h2>Repositories</h2>
${reposTable(report)}
${report.warnings.length > 0 ? `<h2>Warnings</h2><ul>${report.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : ''}
<details><summary>Summary as text</summary><pre>${esc(summaryLines(report).join('\n'))}</pre></details>
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}

function versionsChart(report: FleetReport): string {
  const bars = report.adoption.versions.flatMap((v) => v.counts.map((c) => ({ component: v.component, version: c.version, repos: c.repos, latest: c.version === v.latest })));
  const max = Math.max(1, ...bars.map((b) => b.repos));
  const barW = 26;
  const gap = 6;
  const groupGap = 18;
  const h = 160;
  let x = 30;
  const parts: string[] = [];
  let previous: string | undefined;
  for (const b of bars) {
    if (previous !== undefined && previous !== b.component) x += groupGap;
    if (previous !== b.component) parts.push(`<text x="${x}" y="${h + 30}">${esc(b.component)}</text>`);
    previous = b.component;
    const bh = Math.round((b.repos / max) * (h - 20));
    parts.push(`<rect class="bar${b.latest ? ' latest' : ''}" data-component="${esc(b.component)}" data-version="${esc(b.version)}" data-count="${b.repos}" x="${x}" y="${h - bh}" width="${barW}" height="${bh}"><title>${esc(`${b.component}@${b.version}: ${b.repos} repositories`)}</title></rect>`);
    parts.push(`<text x="${x}" y="${h + 13}">${esc(b.version)}</text><text x="${x + 4}" y="${h - bh - 3}">${b.repos}</text>`);
    x += barW + gap;
  }
  const width = Math.max(240, x + 20);
  return `<figure id="chart-versions"><figcaption>Versions per component (repositories; green: latest)</figcaption><svg role="img" aria-label="Versions per component" width="${width}" height="${h + 40}" viewBox="0 0 ${width} ${h + 40}"><line x1="25" y1="${h}" x2="${width - 10}" y2="${h}" stroke="#d0d7de"/>${parts.join('')}</svg></figure>`;
}

function timelineChart(report: FleetReport): string {
  const points = report.adoption.timeline;
  const components = report.adoption.versions.map((v) => v.component);
  const series: Array<{ key: string; label: string; values: number[] }> = [
    { key: 'golden-path', label: 'on the golden path', values: points.map((p) => p.onGoldenPath) },
    ...components.map((c) => ({ key: `latest-${c}`, label: `${c} on latest`, values: points.map((p) => p.onLatest[c] ?? 0) })),
  ];
  const w = 460;
  const h = 200;
  const left = 34;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const times = points.map((p) => Date.parse(p.date));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const xOf = (i: number): number => (points.length <= 1 || t1 === t0 ? left + (w - left - 10) / 2 : left + ((times[i]! - t0) / (t1 - t0)) * (w - left - 20));
  const yOf = (v: number): number => h - 10 - (v / max) * (h - 30);
  const parts: string[] = [`<line x1="${left}" y1="${h - 10}" x2="${w - 5}" y2="${h - 10}" stroke="#d0d7de"/>`, `<text x="2" y="${yOf(max) + 4}">${max}</text><text x="2" y="${h - 6}">0</text>`];
  if (points.length > 0) parts.push(`<text x="${left}" y="${h + 8}">${esc(points[0]!.date)}</text><text x="${w - 80}" y="${h + 8}">${esc(points.at(-1)!.date)}</text>`);
  const legend: string[] = [];
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length]!;
    const coords = s.values.map((v, i) => `${xOf(i).toFixed(1)},${yOf(v).toFixed(1)}`);
    if (coords.length > 1) parts.push(`<polyline class="line" data-series="${esc(s.key)}" stroke="${color}" points="${coords.join(' ')}"/>`);
    s.values.forEach((v, i) => parts.push(`<circle class="point" data-series="${esc(s.key)}" data-date="${esc(points[i]!.date)}" data-value="${v}" cx="${xOf(i).toFixed(1)}" cy="${yOf(v).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(`${points[i]!.date}: ${v} ${s.label}`)}</title></circle>`));
    legend.push(`<text x="${w + 10}" y="${20 + k * 16}" style="fill:${color}">● ${esc(s.label)}</text>`);
  });
  return `<figure id="chart-adoption"><figcaption>Adoption over time</figcaption><svg role="img" aria-label="Adoption over time" width="${w + 170}" height="${h + 15}" viewBox="0 0 ${w + 170} ${h + 15}">${parts.join('')}${legend.join('')}</svg></figure>`;
}

function lagChart(report: FleetReport): string {
  const bins = report.adoption.lagDistribution;
  const max = Math.max(1, ...bins.map((b) => b.count));
  const h = 160;
  const barW = 50;
  const parts = bins.map((b, i) => {
    const x = 20 + i * (barW + 10);
    const bh = Math.round((b.count / max) * (h - 20));
    return `<rect class="lag-bar" data-bin="${esc(b.label)}" data-count="${b.count}" x="${x}" y="${h - bh}" width="${barW}" height="${bh}"><title>${esc(`${b.label}: ${b.count} adoptions`)}</title></rect><text x="${x}" y="${h + 13}">${esc(b.label)}</text><text x="${x + 18}" y="${h - bh - 3}">${b.count}</text>`;
  });
  const width = 30 + bins.length * (barW + 10);
  return `<figure id="chart-lag"><figcaption>Time from release to adoption</figcaption><svg role="img" aria-label="Lag distribution" width="${width}" height="${h + 25}" viewBox="0 0 ${width} ${h + 25}"><line x1="15" y1="${h}" x2="${width - 5}" y2="${h}" stroke="#d0d7de"/>${parts.join('')}</svg></figure>`;
}

function releasesTable(report: FleetReport): string {
  const rows = report.adoption.releases.map((r) => `<tr><td>${esc(`${r.component}@${r.version}`)}</td><td>${esc(r.released ?? '–')}${r.releasedFrom === 'first-adoption' ? ' (first adoption)' : ''}</td><td>${r.adopted}</td><td>${r.notYet}</td><td>${r.medianLagDays === undefined ? '–' : `${r.medianLagDays} d`}</td><td>${r.slowest ? esc(`${r.slowest.repo} (${r.slowest.days} d)`) : '–'}</td></tr>`);
  return `<table id="releases"><thead><tr><th>release</th><th>released</th><th>adopted</th><th>not yet</th><th>median lag</th><th>slowest</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['repo', 'repository'], ['component', 'component'], ['version', 'version'], ['latest', 'latest'], ['behind', 'behind'],
  ['drift', 'drifted owned'], ['conflicts', 'conflicts'], ['hooks', 'hooks'], ['cli', 'CLI'], ['changed', 'lockfile changed'],
];

function reposTable(report: FleetReport): string {
  const head = COLUMNS.map(([key, label]) => `<th data-key="${key}"><button type="button">${esc(label)}</button></th>`).join('');
  const body = rowsOf(report).map((row) => {
    const error = row.changed.startsWith('error: ');
    const cells = COLUMNS.map(([key]) => {
      const value = row[key];
      const bad = (key === 'behind' && /^[1-9]/.test(value)) || ((key === 'drift' || key === 'conflicts') && /^[1-9]/.test(value)) || (key === 'hooks' && value !== 'ok');
      const sort = key === 'behind' || key === 'drift' || key === 'conflicts' ? ` data-sort="${esc(/^\d+/.exec(value)?.[0] ?? '-1')}"` : '';
      return `<td${sort}${bad ? ' class="bad"' : error && key === 'changed' ? ' class="err"' : ''}>${esc(value)}</td>`;
    });
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<table id="repos"><thead><tr>${head}</tr></thead><tbody>${body.join('\n')}</tbody></table>`;
}
