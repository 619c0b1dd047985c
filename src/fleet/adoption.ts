import { compareVersions } from '../template/semver.js';
import type { RepoStatus } from './repo-status.js';

/** When a version was released, and how we know. */
export interface ReleaseDate {
  date: string;
  /** `changelog`: a date in the template's CHANGELOG heading; `first-adoption`: the first repository of the fleet that took it. */
  from: 'changelog' | 'first-adoption';
}

export interface VersionAdoption {
  component: string;
  version: string;
  released: string | undefined;
  releasedFrom: ReleaseDate['from'] | undefined;
  /** Repositories that reached this version (or a later one) inside the window. */
  adopted: number;
  /** Repositories with this component still below this version. */
  notYet: number;
  medianLagDays: number | undefined;
  slowest: { repo: string; days: number } | undefined;
}

export interface TimelinePoint {
  /** A day, YYYY-MM-DD. */
  date: string;
  /** Repositories with a lockfile by the end of that day. */
  onGoldenPath: number;
  /** Per component: repositories on its latest version by the end of that day. */
  onLatest: Record<string, number>;
}

export interface Adoption {
  since: string | undefined;
  /** Per repository: the day its lockfile first appeared (in git). */
  goldenPath: Array<{ repo: string; date: string }>;
  /** Per repository and component: the day each version first appeared in its lockfile (from --since on). */
  adoptions: Array<{ repo: string; component: string; version: string; date: string }>;
  /** The fleet today: per component, how many repositories are on each version. */
  versions: Array<{ component: string; latest: string | undefined; counts: Array<{ version: string; repos: number }> }>;
  releases: VersionAdoption[];
  timeline: TimelinePoint[];
  /** All lags of the window (days), in bins. */
  lagDistribution: Array<{ label: string; count: number }>;
}

const DAY = 86_400_000;
export const LAG_BINS: ReadonlyArray<{ label: string; max: number }> = [
  { label: '0–7 d', max: 7 },
  { label: '8–30 d', max: 30 },
  { label: '31–90 d', max: 90 },
  { label: '91–180 d', max: 180 },
  { label: '> 180 d', max: Number.POSITIVE_INFINITY },
];

/** A date in the heading of VERSION's CHANGELOG entry: `## 1.2.0 (2026-05-01)`, `## [1.2.0] - 2026-05-01`. */
export function changelogDate(changelog: string | undefined, version: string): string | undefined {
  if (!changelog) return undefined;
  for (const line of changelog.split('\n', 2000)) {
    if (!line.startsWith('#')) continue;
    const m = /^#{1,3}\s*\[?v?([0-9][0-9A-Za-z.+-]*)\]?\s*(?:[-–—(:]\s*)?(\d{4}-\d{2}-\d{2})/.exec(line);
    if (m && m[1] === version && !Number.isNaN(Date.parse(m[2]!))) return new Date(m[2]!).toISOString();
  }
  return undefined;
}

/**
 * Adoption across the fleet from each repository's lockfile history: a repository adopts a
 * component version at the first commit where the component is at that version or later (so
 * skipping a version adopts it too). Lag = adoption date - release date. Pure: data in, data out.
 */
export function computeAdoption(repos: readonly RepoStatus[], changelogDates: ReadonlyMap<string, string>, since: Date | undefined): Adoption {
  const sinceMs = since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const readable = repos.filter((r) => !r.error);
  const goldenPath = readable.flatMap((r) => {
    const first = r.history.find((rev) => Object.keys(rev.versions).length > 0);
    return first ? [{ repo: r.repo, date: first.date.slice(0, 10) }] : [];
  });

  const adoptions: Adoption['adoptions'] = [];
  for (const repo of readable) {
    const seenHere = new Set<string>();
    for (const rev of repo.history) {
      for (const [component, version] of Object.entries(rev.versions)) {
        const key = `${component}@${version}`;
        if (seenHere.has(key)) continue;
        seenHere.add(key);
        if (Date.parse(rev.date) >= sinceMs) adoptions.push({ repo: repo.repo, component, version, date: rev.date.slice(0, 10) });
      }
    }
  }

  // Today: versions per component.
  const current = new Map<string, { latest: string | undefined; counts: Map<string, number> }>();
  for (const repo of readable) {
    for (const c of repo.components) {
      let entry = current.get(c.name);
      if (!entry) current.set(c.name, (entry = { latest: c.latest, counts: new Map() }));
      if (c.latest && (!entry.latest || compareVersions(c.latest, entry.latest) > 0)) entry.latest = c.latest;
      entry.counts.set(c.version, (entry.counts.get(c.version) ?? 0) + 1);
    }
  }
  const versions = [...current].sort(([a], [b]) => a.localeCompare(b)).map(([component, e]) => ({
    component,
    latest: e.latest,
    counts: [...e.counts].sort(([a], [b]) => compareVersions(a, b)).map(([version, n]) => ({ version, repos: n })),
  }));

  // Every version the fleet has seen, per component.
  const seen = new Map<string, Set<string>>();
  const add = (name: string, version: string): void => {
    let set = seen.get(name);
    if (!set) seen.set(name, (set = new Set()));
    set.add(version);
  };
  for (const repo of readable) {
    for (const c of repo.components) add(c.name, c.version);
    for (const rev of repo.history) for (const [name, version] of Object.entries(rev.versions)) add(name, version);
  }

  const releases: VersionAdoption[] = [];
  const allLags: number[] = [];
  for (const [component, set] of [...seen].sort(([a], [b]) => a.localeCompare(b))) {
    for (const version of [...set].sort(compareVersions)) {
      const events: Array<{ repo: string; at: number }> = [];
      let notYet = 0;
      for (const repo of readable) {
        const now = repo.components.find((c) => c.name === component);
        if (now && compareVersions(now.version, version) < 0) notYet++;
        const rev = repo.history.find((r) => r.versions[component] !== undefined && compareVersions(r.versions[component]!, version) >= 0);
        if (rev) events.push({ repo: repo.repo, at: Date.parse(rev.date) });
      }
      const fromLog = changelogDates.get(`${component}@${version}`);
      const firstSeen = events.length > 0 ? Math.min(...events.map((e) => e.at)) : undefined;
      const released = fromLog !== undefined ? Date.parse(fromLog) : firstSeen;
      const inWindow = events.filter((e) => e.at >= sinceMs);
      const lags = released === undefined ? [] : inWindow.map((e) => ({ repo: e.repo, days: Math.max(0, Math.floor((e.at - released) / DAY)) }));
      allLags.push(...lags.map((l) => l.days));
      const slowest = lags.reduce<{ repo: string; days: number } | undefined>((worst, l) => (!worst || l.days > worst.days ? l : worst), undefined);
      releases.push({
        component,
        version,
        released: released === undefined ? undefined : new Date(released).toISOString().slice(0, 10),
        releasedFrom: fromLog !== undefined ? 'changelog' : released === undefined ? undefined : 'first-adoption',
        adopted: inWindow.length,
        notYet,
        medianLagDays: median(lags.map((l) => l.days)),
        slowest,
      });
    }
  }

  return {
    since: since?.toISOString().slice(0, 10),
    goldenPath,
    adoptions,
    versions,
    releases,
    timeline: timeline(readable, versions, sinceMs),
    lagDistribution: LAG_BINS.map((bin, i) => ({ label: bin.label, count: allLags.filter((d) => d <= bin.max && (i === 0 || d > LAG_BINS[i - 1]!.max)).length })),
  };
}

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One point per day on which some lockfile changed (from --since on): the state at the end of that day. */
function timeline(repos: readonly RepoStatus[], versions: Adoption['versions'], sinceMs: number): TimelinePoint[] {
  const events = repos.flatMap((repo) => repo.history.map((rev) => ({ repo: repo.repo, day: rev.date.slice(0, 10), at: Date.parse(rev.date), versions: rev.versions })));
  events.sort((a, b) => a.at - b.at);
  // Counts kept up to date as each repository's state changes: linear in the events.
  const state = new Map<string, Record<string, string>>();
  const onLatest: Record<string, number> = Object.fromEntries(versions.map((v) => [v.component, 0]));
  let onGoldenPath = 0;
  const count = (s: Record<string, string> | undefined, sign: number): void => {
    if (!s) return;
    if (Object.keys(s).length > 0) onGoldenPath += sign;
    for (const v of versions) {
      const at = s[v.component];
      if (at !== undefined && v.latest !== undefined && compareVersions(at, v.latest) >= 0) onLatest[v.component]! += sign;
    }
  };
  const points: TimelinePoint[] = [];
  const sinceDay = Number.isFinite(sinceMs) ? new Date(sinceMs).toISOString().slice(0, 10) : undefined;
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    count(state.get(event.repo), -1);
    state.set(event.repo, event.versions);
    count(event.versions, +1);
    if (events[i + 1]?.day === event.day) continue;
    if (sinceDay !== undefined && event.day < sinceDay) continue;
    points.push({ date: event.day, onGoldenPath, onLatest: { ...onLatest } });
  }
  return points;
}
