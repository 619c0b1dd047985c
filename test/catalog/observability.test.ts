/**
 * The built-in `observability` template, versions 1.0.0 and 1.1.0, rendered under several answer
 * sets and checked the way a team would rely on it:
 *  - promtool (the real one, on PATH) checks the rules and runs the unit tests the template
 *    ships, plus burn-rate threshold tests generated here for each objective (and, from 1.1.0,
 *    for the minimum request rate);
 *  - the collector config, dashboard and OpenSLO document are parsed and cross-checked against
 *    the rules and the telemetry contract of templates/CONVENTIONS.md;
 *  - every alert has its labels, annotations and an existing runbook;
 *  - 1.1.0: every series is recorded per deployment environment and every alert reads prod only;
 *    the shipped low-traffic tests fail once the minimum rate is taken out of the alerts; every
 *    rendered file passes `prettier --check` with the generated service's prettier and settings;
 *    the service versions that emit the alerts' metrics are the ones it requires; a repository
 *    created at 1.0.0 and edited by its team upgrades to 1.1.0 with the edits kept.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { RenderedTree } from '../../src/render/render.js';
import { BUILTIN_ROOT } from '../../src/template/builtin.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { EMPTY_LOCKFILE, parseLockfile } from '../../src/lock/lockfile.js';
import { gitTextMerger } from '../../src/merge/git-merge-file.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { checkPlan } from '../../src/workflow/check-plan.js';
import { newComponent } from '../../src/workflow/change.js';
import { compareVersions } from '../../src/template/semver.js';
import { memoryFs } from '../helpers/memfs.js';
import { planCreate } from '../helpers/upgrade-repo.js';
import { builtinTemplate, renderBuiltin, writeTree } from '../helpers/builtin.js';

const VERSIONS = ['1.0.0', '1.1.0'] as const;
type Version = (typeof VERSIONS)[number];
const LATEST: Version = '1.1.0';

/** The raw series of the telemetry contract (CONVENTIONS.md, "Runtime contract / Telemetry"). */
const CONTRACT_METRICS = new Set([
  'http_server_request_duration_seconds_bucket',
  'http_server_request_duration_seconds_count',
  'http_server_request_duration_seconds_sum',
]);

type AlertSpec = { severity: 'page' | 'ticket'; slo?: 'availability' | 'latency' };

/** Every alert each version defines: its severity, and the SLO it guards (if any). */
const ALERTS_1_0: Record<string, AlertSpec> = {
  AvailabilitySLOFastBurn: { severity: 'page', slo: 'availability' },
  AvailabilitySLOSlowBurn: { severity: 'ticket', slo: 'availability' },
  LatencySLOFastBurn: { severity: 'page', slo: 'latency' },
  LatencySLOSlowBurn: { severity: 'ticket', slo: 'latency' },
  TelemetryAbsent: { severity: 'page' },
  NoTraffic: { severity: 'ticket' },
};
const ALERTS: Record<Version, Record<string, AlertSpec>> = {
  '1.0.0': ALERTS_1_0,
  '1.1.0': { ...ALERTS_1_0, TelemetryEnvironmentUnknown: { severity: 'ticket' } },
};

/** The environment label (1.1.0 on) and the one environment the alerts and SLOs read. */
const ENV_LABEL = 'deployment_environment_name';
const ALERT_ENV = 'prod';
/** Alerts that look at traffic in any environment but the golden path's (their selector is !~). */
const ANY_ENV_ALERTS = new Set(['TelemetryEnvironmentUnknown']);

/** Google SRE workbook multi-window multi-burn-rate table: [long window, short window, burn rate]. */
const BURN_CONDITIONS: Record<'fast' | 'slow', Array<[string, string, number]>> = {
  fast: [
    ['1h', '5m', 14.4],
    ['6h', '30m', 6],
  ],
  slow: [
    ['1d', '2h', 3],
    ['3d', '6h', 1],
  ],
};

const THRESHOLD_CHOICES = ['0.05', '0.1', '0.25', '0.3', '0.5', '0.75', '2.5'];

/** A kebab-case name of the longest length 1.1.0's `name` question accepts (CONVENTIONS.md: 44). */
const LONGEST_NAME = 'abcdefghij-abcdefghij-abcdefghij-abcdefgh-ab';

interface Case {
  version: Version;
  label: string;
  answers: Record<string, unknown>;
}

const LOOSEST = { sloAvailability: 90, latencyObjective: 90, latencyThresholdSeconds: '2.5' };
const TIGHTEST = {
  name: 'ledger',
  owner: 'finance-platform',
  repoUrl: 'https://gitlab.example.com/finance/ledger',
  sloAvailability: 99.999,
  latencyObjective: 99.99,
  latencyThresholdSeconds: '0.05',
};

const CASES: Case[] = [
  { version: '1.0.0', label: 'defaults', answers: {} },
  { version: '1.0.0', label: 'loosest SLOs allowed (90%), 2.5s threshold', answers: LOOSEST },
  { version: '1.0.0', label: 'tightest SLOs allowed, 0.05s threshold, a GitLab repository', answers: TIGHTEST },
  { version: '1.1.0', label: 'defaults', answers: {} },
  { version: '1.1.0', label: 'loosest SLOs allowed (90%), 2.5s threshold, the highest minimum rate (5/s)', answers: { ...LOOSEST, sloMinRequestRate: 5 } },
  { version: '1.1.0', label: 'tightest SLOs allowed, 0.05s threshold, a GitLab repository, the lowest minimum rate (0.01/s)', answers: { ...TIGHTEST, sloMinRequestRate: 0.01 } },
  {
    version: '1.1.0',
    label: 'the longest name, a long repository URL',
    answers: { name: LONGEST_NAME, owner: `${LONGEST_NAME}-team`, repoUrl: `https://gitlab.example.com/a-rather-long-group-name/and-a-subgroup/${LONGEST_NAME}`, sloMinRequestRate: 0.25 },
  },
];

const spec = (version: Version): string => `observability@${version}`;

// ---------------------------------------------------------------------------------------------
// Running validators

interface Run {
  code: number;
  output: string;
}

/** promtool's unit tests keep a TSDB in TMPDIR: a tmpfs makes them several times faster. */
const PROMTOOL_ENV = { ...process.env, ...(existsSync('/dev/shm') ? { TMPDIR: '/dev/shm' } : {}) };

let running = 0;
const waiting: Array<() => void> = [];
const SLOTS = Math.max(1, availableParallelism());

/** Runs promtool with at most one process per core; never rejects (the result says how it went). */
async function promtool(args: string[], cwd: string): Promise<Run> {
  if (running >= SLOTS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await new Promise<Run>((resolve) => {
      execFile('promtool', args, { cwd, env: PROMTOOL_ENV, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        const missing = error && error.code === 'ENOENT';
        resolve({
          code,
          output: missing
            ? 'promtool was not found on PATH. It is a required validator of this test: install it (Debian: apt-get install prometheus; or a Prometheus release tarball) and run again.'
            : `$ promtool ${args.join(' ')}\n${stdout}${stderr}`,
        });
      });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** Runs a command; never rejects. */
function exec(cmd: string, args: string[], cwd: string, timeout = 240_000): Promise<Run> {
  return new Promise<Run>((resolve) => {
    execFile(cmd, args, { cwd, timeout, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, output: `$ ${cmd} ${args.join(' ')}\n${stdout}${stderr}` });
    });
  });
}

/** The newest version folder of a built-in template. */
function latestVersion(name: string): string {
  const key = (v: string) => v.split('.').map(Number);
  return readdirSync(join(BUILTIN_ROOT, name))
    .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
    .sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      return x[0]! - y[0]! || x[1]! - y[1]! || x[2]! - y[2]!;
    })
    .at(-1)!;
}

/** The generated service's own prettier settings (its newest version), which `npm run lint` uses. */
const SERVICE_FILES = join(BUILTIN_ROOT, 'service', latestVersion('service'), 'files');

/**
 * The prettier a generated service installs (the range in its package.json), installed once into
 * node_modules/.cache (as .ci/run does for other tools) and reused by later runs.
 */
async function servicePrettier(): Promise<string> {
  const range = /"prettier":\s*"([^"]+)"/.exec(readFileSync(join(SERVICE_FILES, 'package.json.hbs'), 'utf8'))?.[1];
  if (!range) throw new Error(`no prettier devDependency in ${join(SERVICE_FILES, 'package.json.hbs')}`);
  const root = join(dirname(BUILTIN_ROOT), 'node_modules', '.cache', 'observability-prettier', range.replace(/[^\w.-]/g, '_'));
  const bin = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  if (existsSync(bin)) return bin;
  const staging = `${root}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const install = await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--ignore-scripts', '--prefix', staging, `prettier@${range}`], staging);
  if (install.code !== 0) throw new Error(`could not install prettier@${range} (the generated service's) from the npm registry:\n${install.output}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(dirname(root), { recursive: true });
  try {
    renameSync(staging, root);
  } catch (error) {
    if (!existsSync(bin)) throw error; // another run installed it meanwhile
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

/**
 * `prettier --check` of the rendered files with the service's settings (.prettierrc.json,
 * .editorconfig). The service's .prettierignore leaves out *.md; these are checked all the same,
 * so that the runbooks and README stay clean if a team formats them.
 */
async function prettierCheck(bin: string, dir: string, paths: string[]): Promise<Run> {
  writeFileSync(join(dir, '.editorconfig'), readFileSync(join(SERVICE_FILES, '.editorconfig')));
  writeFileSync(join(dir, '.prettier-ignore-nothing'), '');
  const args = [bin, '--check', '--config', join(SERVICE_FILES, '.prettierrc.json'), '--ignore-path', '.prettier-ignore-nothing', ...paths];
  return exec(process.execPath, args, dir);
}

// ---------------------------------------------------------------------------------------------
// Helpers over the rendered tree

function text(tree: RenderedTree, path: string): string {
  const file = tree.get(path);
  if (!file) throw new Error(`the template did not render ${path} (rendered: ${[...tree.keys()].join(', ')})`);
  return Buffer.from(file.bytes).toString('utf8');
}

/** Alert name in kebab-case, as CONVENTIONS.md names runbook files (AvailabilitySLOFastBurn -> availability-slo-fast-burn). */
function kebab(alert: string): string {
  return alert
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

const PROMQL_KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);

/** Metric names a PromQL expression reads (labels, strings, ranges, functions and keywords removed). */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+\w+/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = stripped.slice(match.index + match[0].length);
    if (/^\s*\(/.test(after)) continue; // a function call
    if (PROMQL_KEYWORDS.has(match[0].toLowerCase())) continue;
    names.add(match[0]);
  }
  return [...names];
}

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleFile {
  groups: Array<{ name: string; rules: Rule[] }>;
}

// ---------------------------------------------------------------------------------------------
// Burn-rate threshold tests, generated for the objectives of each answer set

interface Phase {
  minutes: number;
  /** requests per sample step */
  requests: number;
  /** share of them that are bad (5xx, or slower than the threshold) */
  bad: number;
}

/** Cumulative good and total counters, one value per step, for promtool's input_series. */
function counters(phases: Phase[], stepMinutes: number): { good: string; bad: string; total: string } {
  const good = [0];
  const bad = [0];
  const total = [0];
  for (const phase of phases) {
    for (let i = 0; i < phase.minutes / stepMinutes; i++) {
      good.push(good.at(-1)! + phase.requests * (1 - phase.bad));
      bad.push(bad.at(-1)! + phase.requests * phase.bad);
      total.push(total.at(-1)! + phase.requests);
    }
  }
  return { good: good.join(' '), bad: bad.join(' '), total: total.join(' ') };
}

interface Scenario {
  name: string;
  phases: Phase[];
  evalMinutes: number;
  alert: string;
  fires: boolean;
}

/**
 * Scenarios that pin each burn-rate condition to its threshold for a budget b = 1 - objective:
 * just above the threshold the alert fires, just below it does not. Burn rates are ratios, so
 * an hour of data exercises a 3d window like three days would; heavy healthy traffic in the
 * past keeps a long window low where a condition has to be isolated from the other one.
 * `minutes` are sampled every 5m, except the day-long scenarios (every 30m, see burnTestFile).
 * Rule groups are evaluated independently, so an alert may see the recording rules one
 * evaluation late: every expectation leaves that margin.
 *
 * With a minimum request rate (1.1.0 on), the traffic is 200 times the minimum, so that even a
 * 3d window holding one hour of it averages well above the minimum; and two more scenarios pin
 * the minimum itself: a 15x burn at 1.2 times the minimum rate fires, at 0.8 times it does not.
 */
function burnScenarios(kind: 'Availability' | 'Latency', budget: number, minRate?: number): { short: Scenario[]; day: Scenario[]; skipped: string[] } {
  const R = minRate === undefined ? 1000 : 200 * minRate * 300;
  const short: Scenario[] = [];
  const day: Scenario[] = [];
  const skipped: string[] = [];
  const fast = `${kind}SLOFastBurn`;
  const slow = `${kind}SLOSlowBurn`;
  // 14.4x over 1h (and 5m). An hour of heavy healthy traffic before keeps the 6h ratio far
  // below 6x, so only this condition can fire.
  if (15 * budget <= 1) {
    for (const [rate, fires] of [[15, true], [13, false]] as const) {
      short.push({
        name: `${rate}x burn for 80m after heavy healthy traffic`,
        phases: [
          { minutes: 60, requests: 40 * R, bad: 0 },
          { minutes: 80, requests: R, bad: rate * budget },
        ],
        evalMinutes: 135,
        alert: fast,
        fires,
      });
    }
  } else {
    skipped.push(`14.4x page: a budget of ${budget} cannot burn at 14.4x (more than 100% bad)`);
  }
  // The minimum rate, on the 1h condition: 90 minutes of a 15x burn, at 1.2 or 0.8 times the
  // minimum (in requests per 5m sample). The 6h window averages at most 0.3 times the minimum,
  // so only the 1h condition can fire, and only when its hour is busy enough.
  if (minRate !== undefined && 15 * budget <= 1) {
    for (const [share, fires] of [[1.2, true], [0.8, false]] as const) {
      short.push({
        name: `15x burn for 90m at ${share} times the minimum request rate`,
        phases: [{ minutes: 90, requests: share * minRate * 300, bad: 15 * budget }],
        evalMinutes: 90,
        alert: fast,
        fires,
      });
    }
  }
  // 6x over 6h (and 30m): a steady burn, below 14.4x.
  for (const [rate, fires] of [[6.5, true], [5.5, false]] as const) {
    short.push({ name: `steady ${rate}x burn`, phases: [{ minutes: 60, requests: R, bad: rate * budget }], evalMinutes: 60, alert: fast, fires });
  }
  // 1x over 3d (and 6h): a steady burn, below 3x.
  for (const [rate, fires] of [[1.1, true], [0.9, false]] as const) {
    short.push({ name: `steady ${rate}x burn`, phases: [{ minutes: 60, requests: R, bad: rate * budget }], evalMinutes: 60, alert: slow, fires });
  }
  // 3x over 1d (and 2h): two hours of heavy healthy traffic more than a day ago keep the 3d
  // ratio below 1x, so only the 1d condition can fire.
  for (const [rate, fires] of [[3.1, true], [2.9, false]] as const) {
    day.push({
      name: `${rate}x burn for a day after heavy healthy traffic`,
      phases: [
        { minutes: 120, requests: 40 * R, bad: 0 },
        { minutes: 1560, requests: R, bad: rate * budget },
      ],
      // The 1d window holds only the burn from 1560m on: pending then, firing 30m later
      // (`for: 15m`, evaluations every 30m); 1650m leaves one more evaluation of margin.
      evalMinutes: 1650,
      alert: slow,
      fires,
    });
  }
  return { short, day, skipped };
}

/** A promtool test file for the scenarios, against copies of the rendered rules of one SLO. */
function burnTestFile(kind: 'Availability' | 'Latency', scenarios: Scenario[], stepMinutes: number, values: Record<string, unknown>, env?: string): string {
  const name = String(values.name);
  const threshold = String(values.latencyThresholdSeconds);
  const base = `service_name="${name}", ${env ? `${ENV_LABEL}="${env}", ` : ''}http_route="/v1/orders", http_request_method="GET"`;
  const slo = kind === 'Availability' ? 'availability' : 'latency';
  // From 1.1.0 the alerts also read the request rates of the -http group (the minimum rate).
  const recordingGroups = env ? [`${name}-http`, `${name}-slo-${slo}`] : [`${name}-slo-${slo}`];
  return stringify({
    rule_files: ['rules.yaml', 'alerts.yaml'],
    evaluation_interval: `${stepMinutes}m`,
    // Group order made deterministic. Every 5m: the worst case, where the alerts read the
    // recording rules one evaluation late (as Prometheus may). Every 30m a sample from the last
    // evaluation would be past the 5m lookback, so there the recording rules go first.
    group_eval_order: stepMinutes === 5 ? [`${name}-slo-alerts`, ...recordingGroups] : [...recordingGroups, `${name}-slo-alerts`],
    tests: scenarios.map((scenario) => {
      const { good, bad, total } = counters(scenario.phases, stepMinutes);
      const input_series =
        kind === 'Availability'
          ? [
              { series: `http_server_request_duration_seconds_count{${base}, http_response_status_code="200"}`, values: good },
              { series: `http_server_request_duration_seconds_count{${base}, http_response_status_code="500"}`, values: bad },
            ]
          : [
              { series: `http_server_request_duration_seconds_bucket{${base}, http_response_status_code="200", le="${threshold}"}`, values: good },
              { series: `http_server_request_duration_seconds_bucket{${base}, http_response_status_code="200", le="+Inf"}`, values: total },
              { series: `http_server_request_duration_seconds_count{${base}, http_response_status_code="200"}`, values: total },
            ];
      return {
        name: scenario.name,
        interval: `${stepMinutes}m`,
        input_series,
        alert_rule_test: [
          {
            eval_time: `${scenario.evalMinutes}m`,
            alertname: scenario.alert,
            exp_alerts: scenario.fires
              ? [{ exp_labels: { service_name: name, ...(env ? { [ENV_LABEL]: env } : {}), severity: ALERTS_1_0[scenario.alert]!.severity, team: String(values.owner), slo } }]
              : [],
          },
        ],
      };
    }),
  });
}

// ---------------------------------------------------------------------------------------------

interface Rendered {
  version: Version;
  tree: RenderedTree;
  values: Record<string, unknown>;
  dir: string;
  recording: RuleFile;
  alerts: RuleFile;
  checkRules: Promise<Run>;
  shippedTests: Promise<Run[]>;
  burnTests: Promise<Array<{ kind: string; run: Run; skipped: string[]; scenarios: number }>>;
  /** 1.1.0 on: the shipped SLO tests against alerts without the minimum request rate. */
  withoutMinimum?: Promise<Run[]>;
  /** 1.1.0 on: prettier --check of every rendered file. */
  prettier?: Promise<Run>;
}

const scratch = mkdtempSync(join(tmpdir(), 'observability-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The SLO alerts' minimum request rate condition, as 1.1.0 renders it (one per burn condition). */
const MINIMUM_RATE = /\n *and\n *service_name:http_server_requests:rate\w+\{[^}\n]*\} >= [\d.]+(?=\n)/g;

async function prepare(c: Case, index: number, prettierBin: Promise<string>): Promise<Rendered> {
  const { tree, values } = await renderBuiltin(spec(c.version), c.answers);
  const dir = writeTree(tree, join(scratch, `case-${index}`));
  const prom = join(dir, 'observability/prometheus');
  const recording = parse(text(tree, 'observability/prometheus/recording-rules.yaml')) as RuleFile;
  const alerts = parse(text(tree, 'observability/prometheus/alerts.yaml')) as RuleFile;
  const minRate = c.version === '1.0.0' ? undefined : Number(values.sloMinRequestRate);
  const env = c.version === '1.0.0' ? undefined : ALERT_ENV;

  const checkRules = promtool(['check', 'rules', 'recording-rules.yaml', 'alerts.yaml'], prom);
  const testFiles = [...tree.keys()].filter((p) => p.startsWith('observability/prometheus/tests/')).map((p) => p.slice('observability/prometheus/'.length));
  // One process per file, so that they spread over the cores.
  const shippedTests = Promise.all(testFiles.map((file) => promtool(['test', 'rules', file], prom)));

  const burnTests = Promise.all(
    (['Availability', 'Latency'] as const).map(async (kind) => {
      const objective = Number(kind === 'Availability' ? values.sloAvailability : values.latencyObjective);
      const { short, day, skipped } = burnScenarios(kind, 1 - objective / 100, minRate);
      const work = join(dir, `burn-${kind.toLowerCase()}`);
      mkdirSync(work);
      // The SLO's recording group (and from 1.1.0 the request rates of the -http group) and its
      // two alerts, exactly as rendered; annotations are left out (they hold $value, and the
      // shipped tests already check them).
      const group = kind === 'Availability' ? 'slo-availability' : 'slo-latency';
      const wanted = new Set([`${String(values.name)}-${group}`, ...(env ? [`${String(values.name)}-http`] : [])]);
      const rules = { groups: recording.groups.filter((g) => wanted.has(g.name)) };
      const alertGroups = alerts.groups
        .map((g) => ({ ...g, rules: g.rules.filter((r) => r.alert?.startsWith(kind)).map(({ annotations: _annotations, ...r }) => r) }))
        .filter((g) => g.rules.length > 0);
      writeFileSync(join(work, 'rules.yaml'), stringify(rules));
      writeFileSync(join(work, 'alerts.yaml'), stringify({ groups: alertGroups }));
      // Rules evaluated every 5m; the day-long scenarios every 30m (they only need the 2h and
      // longer windows), which keeps them cheap.
      writeFileSync(join(work, 'burn-5m.test.yaml'), burnTestFile(kind, short, 5, values, env));
      writeFileSync(join(work, 'burn-30m.test.yaml'), burnTestFile(kind, day, 30, values, env));
      const runs = await Promise.all(['burn-5m.test.yaml', 'burn-30m.test.yaml'].map((file) => promtool(['test', 'rules', file], work)));
      const run = { code: Math.max(...runs.map((r) => r.code)), output: runs.map((r) => r.output).join('\n') };
      return { kind, run, skipped, scenarios: short.length + day.length };
    }),
  );

  let withoutMinimum: Promise<Run[]> | undefined;
  let prettier: Promise<Run> | undefined;
  if (c.version !== '1.0.0') {
    // The same shipped SLO tests against alerts whose minimum rate was taken out: the quiet-service
    // scenarios must then fail, or they would not prove anything about the minimum.
    const mutant = join(dir, 'without-minimum');
    mkdirSync(join(mutant, 'tests'), { recursive: true });
    const alertsText = text(tree, 'observability/prometheus/alerts.yaml');
    writeFileSync(join(mutant, 'alerts.yaml'), alertsText.replace(MINIMUM_RATE, ''));
    writeFileSync(join(mutant, 'recording-rules.yaml'), text(tree, 'observability/prometheus/recording-rules.yaml'));
    const sloTests = ['tests/availability-slo.test.yaml', 'tests/latency-slo.test.yaml'];
    for (const file of sloTests) writeFileSync(join(mutant, file), text(tree, `observability/prometheus/${file}`));
    withoutMinimum = Promise.all(sloTests.map((file) => promtool(['test', 'rules', file], mutant)));
    prettier = prettierBin.then((bin) => prettierCheck(bin, dir, [...tree.keys()]));
  }
  return { version: c.version, tree, values, dir, recording, alerts, checkRules, shippedTests, burnTests, withoutMinimum, prettier };
}

const prepared = new Map<number, Promise<Rendered>>();
beforeAll(async () => {
  // Fail early and clearly when the validator is missing: it is required, not optional.
  const version = await promtool(['--version'], scratch);
  if (version.code !== 0) throw new Error(version.output);
  const prettierBin = servicePrettier();
  prettierBin.catch(() => undefined); // reported by the tests that need it
  CASES.forEach((c, i) => prepared.set(i, prepare(c, i, prettierBin)));
  // Surface render errors here rather than as unhandled rejections.
  await Promise.all([...prepared.values()].map((p) => p.then(() => undefined)));
}, 300_000);

function rendered(index: number): Promise<Rendered> {
  return prepared.get(index)!;
}

function recordedNames(file: RuleFile): Set<string> {
  return new Set(file.groups.flatMap((g) => g.rules.map((r) => r.record).filter((r): r is string => !!r)));
}

function allAlerts(file: RuleFile): Rule[] {
  return file.groups.flatMap((g) => g.rules.filter((r) => r.alert));
}

// ---------------------------------------------------------------------------------------------

describe.each(CASES.map((c, i) => [c.version, c.label, i] as const))('observability@%s (%s)', (version, _label, index) => {
  it('passes promtool check rules', async () => {
    const run = await (await rendered(index)).checkRules;
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/SUCCESS: \d+ rules found[\s\S]*SUCCESS: \d+ rules found/);
  });

  it('passes its own promtool unit tests, with a firing and a quiet case for every alert', async () => {
    const r = await rendered(index);
    const runs = await r.shippedTests;
    expect(runs.length).toBeGreaterThanOrEqual(3);
    for (const run of runs) {
      expect(run.code, run.output).toBe(0);
      expect(run.output).toContain('SUCCESS');
    }
    const tested = new Map<string, { fires: number; quiet: number }>();
    for (const [path] of r.tree) {
      if (!path.startsWith('observability/prometheus/tests/')) continue;
      const file = parse(text(r.tree, path)) as { tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts?: unknown[] }> }> };
      for (const t of file.tests.flatMap((test) => test.alert_rule_test ?? [])) {
        const entry = tested.get(t.alertname) ?? { fires: 0, quiet: 0 };
        if ((t.exp_alerts ?? []).length > 0) entry.fires++;
        else entry.quiet++;
        tested.set(t.alertname, entry);
      }
    }
    for (const alert of Object.keys(ALERTS[version])) {
      expect(tested.get(alert)?.fires ?? 0, `${alert} has a test where it fires`).toBeGreaterThan(0);
      expect(tested.get(alert)?.quiet ?? 0, `${alert} has a test where it stays quiet`).toBeGreaterThan(0);
    }
  });

  it('fires each burn-rate condition just above its threshold and not just below (generated promtool tests)', async () => {
    const r = await rendered(index);
    for (const { kind, run, skipped, scenarios } of await r.burnTests) {
      expect(run.code, `${kind}:\n${run.output}`).toBe(0);
      expect(run.output).toContain('SUCCESS');
      // Only the 14.4x page can be impossible (objectives under 93.34%); everything else runs,
      // and from 1.1.0 the minimum-rate pair runs wherever the 14.4x page can fire.
      const impossible = Number(r.values[kind === 'Availability' ? 'sloAvailability' : 'latencyObjective']) < 93.34;
      expect(skipped.length).toBe(impossible ? 1 : 0);
      expect(scenarios).toBe((impossible ? 6 : 8) + (version === '1.0.0' || impossible ? 0 : 2));
    }
  });

  it('gives every alert severity, team, summary, description and a runbook that exists', async () => {
    const { tree, values, alerts } = await rendered(index);
    const defined = allAlerts(alerts);
    expect(defined.map((a) => a.alert).sort()).toEqual(Object.keys(ALERTS[version]).sort());
    for (const alert of defined) {
      const name = alert.alert!;
      const expected = ALERTS[version][name]!;
      expect(alert.labels?.severity, name).toBe(expected.severity);
      expect(alert.labels?.team, name).toBe(values.owner);
      if (expected.slo) expect(alert.labels?.slo, name).toBe(expected.slo);
      expect(alert.annotations?.summary, name).toContain(String(values.name));
      expect((alert.annotations?.description ?? '').length, name).toBeGreaterThan(40);
      const runbook = `docs/runbooks/${kebab(name)}.md`;
      expect(alert.annotations?.runbook_url, name).toBe(`${String(values.repoUrl)}/blob/main/${runbook}`);
      expect(tree.has(runbook), `${runbook} is rendered`).toBe(true);
      const body = text(tree, runbook);
      expect(body.startsWith(`# ${name}\n`), `${runbook} is titled with the alert`).toBe(true);
      for (const section of ['## What it means', '## Impact', '## Diagnose', '## Mitigate', '## Escalation']) {
        expect(body, `${runbook}: ${section}`).toContain(section);
      }
      expect(body, `${runbook} links the deploy component's rollback runbook`).toContain('](rollback.md)');
      expect(body).toContain(String(values.owner));
      // Teams edit runbooks: 1.0.0 wrote them once; from 1.1.0 upgrades merge them like the rest.
      expect(tree.get(runbook)!.policy, runbook).toBe(version === '1.0.0' ? 'once' : 'merge');
    }
    // No runbook without an alert (rollback.md belongs to the deploy component, not here).
    const runbooks = [...tree.keys()].filter((p) => p.startsWith('docs/runbooks/'));
    expect(runbooks.sort()).toEqual(defined.map((a) => `docs/runbooks/${kebab(a.alert!)}.md`).sort());
  });

  it('alerts read only recorded series or the contract metrics, with the workbook burn-rate table', async () => {
    const { values, recording, alerts } = await rendered(index);
    const recorded = recordedNames(recording);
    for (const rule of [...allAlerts(alerts), ...recording.groups.flatMap((g) => g.rules)]) {
      for (const metric of metricNames(rule.expr)) {
        expect(recorded.has(metric) || CONTRACT_METRICS.has(metric), `${rule.alert ?? rule.record} reads ${metric}, which nothing defines`).toBe(true);
      }
      // Every selector is scoped to this service.
      for (const selector of rule.expr.match(/\{[^}]*\}/g) ?? []) expect(selector).toContain(`service_name="${String(values.name)}"`);
    }
    if (version !== '1.0.0') {
      // Every alert reads prod only (but the one that looks for traffic no environment claims).
      for (const alert of allAlerts(alerts)) {
        const selectors = alert.expr.match(/\{[^}]*\}/g) ?? [];
        expect(selectors.length, alert.alert).toBeGreaterThan(0);
        for (const selector of selectors) {
          expect(selector, alert.alert).toContain(ANY_ENV_ALERTS.has(alert.alert!) ? `${ENV_LABEL}!~"dev|staging|prod"` : `${ENV_LABEL}="${ALERT_ENV}"`);
        }
      }
      // Every aggregation of the recording rules keeps the environment (the objectives are constants).
      for (const rule of recording.groups.flatMap((g) => g.rules)) {
        const groupings = [...rule.expr.matchAll(/\b(?:sum|count|avg|min|max) by \(([^)]*)\)/g)].map((m) => m[1]!.split(',').map((l) => l.trim()));
        if (/^vector\(/.test(rule.expr.trim())) continue;
        if (!/sum_over_time|^\s*1 - /.test(rule.expr)) expect(groupings.length, rule.record).toBeGreaterThan(0);
        for (const labels of groupings) expect(labels, rule.record).toEqual(expect.arrayContaining(['service_name', ENV_LABEL]));
      }
    }
    for (const [kind, objective] of [
      ['Availability', values.sloAvailability],
      ['Latency', values.latencyObjective],
    ] as const) {
      for (const speed of ['fast', 'slow'] as const) {
        const alert = allAlerts(alerts).find((a) => a.alert === `${kind}SLO${speed === 'fast' ? 'Fast' : 'Slow'}Burn`)!;
        const conditions = [...alert.expr.matchAll(/ratio_rate(\w+)\{[^}]*\} > \(([\d.]+) \* \(1 - ([\d.]+) \/ 100\)\)/g)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
        const expected = BURN_CONDITIONS[speed].flatMap(([long, short, rate]) => [
          [long, rate, objective],
          [short, rate, objective],
        ]);
        expect(conditions, alert.alert).toEqual(expected);
        expect(alert.for).toBe(speed === 'fast' ? '2m' : '15m');
        if (version !== '1.0.0') {
          // Each condition (a parenthesised `and` of a long and a short window) also needs the
          // minimum request rate over its long window.
          const groups = alert.expr.split(/\n\s*or\n/);
          expect(groups.map((g) => [...g.matchAll(/http_server_requests:rate(\w+)\{[^}]*\} >= ([\d.]+)/g)].map((m) => [m[1], Number(m[2])])), alert.alert).toEqual(
            BURN_CONDITIONS[speed].map(([long]) => [[long, Number(values.sloMinRequestRate)]]),
          );
        }
      }
    }
    // The latency SLI counts the bucket of the chosen threshold, and the probes count for no SLI.
    const latency = recording.groups.find((g) => g.name.endsWith('-slo-latency'))!;
    for (const rule of latency.rules.filter((r) => r.expr.includes('_bucket'))) {
      expect(rule.expr).toContain(`le="${String(values.latencyThresholdSeconds)}"`);
    }
    for (const rule of recording.groups.flatMap((g) => g.rules)) {
      for (const selector of rule.expr.match(/http_server_request_duration_seconds_\w+\{[^}]*\}/g) ?? []) {
        expect(selector, rule.record).toContain('http_route!~"/livez|/readyz"');
      }
    }
  });

  it('has a collector config whose pipelines use only declared components, with the contract names', async () => {
    const { tree } = await rendered(index);
    const config = parse(text(tree, 'observability/otel-collector.yaml')) as Record<string, Record<string, any>>;
    // Unknown keys would stop the collector; the library cannot check them, so keep to this list.
    expect(Object.keys(config).sort()).toEqual(['exporters', 'extensions', 'processors', 'receivers', 'service']);
    expect(Object.keys(config.service!).sort()).toEqual(['extensions', 'pipelines', 'telemetry']);
    const pipelines = config.service!.pipelines as Record<string, { receivers: string[]; processors: string[]; exporters: string[] }>;
    expect(Object.keys(pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    const used = { receivers: new Set<string>(), processors: new Set<string>(), exporters: new Set<string>() };
    for (const [signal, pipeline] of Object.entries(pipelines)) {
      expect(Object.keys(pipeline).sort(), signal).toEqual(['exporters', 'processors', 'receivers']);
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        expect(pipeline[kind].length, `${signal} ${kind}`).toBeGreaterThan(0);
        for (const id of pipeline[kind]) {
          expect(Object.keys(config[kind] ?? {}), `${signal} uses ${kind.slice(0, -1)} ${id}`).toContain(id);
          used[kind].add(id);
        }
      }
      expect(pipeline.processors[0], `${signal}: memory_limiter comes first`).toBe('memory_limiter');
      expect(pipeline.processors, 'batching is done by the exporters').not.toContain('batch');
    }
    for (const kind of ['receivers', 'processors', 'exporters'] as const) {
      expect([...used[kind]].sort(), `every declared ${kind.slice(0, -1)} is used`).toEqual(Object.keys(config[kind]!).sort());
    }
    expect(config.service!.extensions).toEqual(Object.keys(config.extensions!));
    expect(config.extensions!.health_check.endpoint).toBe('${env:MY_POD_IP:-0.0.0.0}:13133');
    expect(config.receivers!.otlp.protocols.grpc.endpoint).toBe('${env:MY_POD_IP:-0.0.0.0}:4317');
    expect(config.receivers!.otlp.protocols.http.endpoint).toBe('${env:MY_POD_IP:-0.0.0.0}:4318');
    expect(Object.keys(config.processors!.memory_limiter).sort()).toEqual(['check_interval', 'limit_percentage', 'spike_limit_percentage']);
    expect(pipelines.metrics!.exporters).toEqual(['prometheus']);
    expect(pipelines.traces!.exporters).toEqual(['otlp_http']);
    expect(pipelines.logs!.exporters).toEqual(['otlp_http']);
    const prometheus = config.exporters!.prometheus;
    expect(Object.keys(prometheus).sort()).toEqual(['endpoint', 'metric_expiration', 'resource_constant_labels', 'translation_strategy']);
    expect(prometheus.translation_strategy).toBe('UnderscoreEscapingWithSuffixes');
    // service_name for every rule, rollouts_pod_template_hash for the deploy component's canary
    // analysis, and a per-pod label so that the pods' cumulative counters stay apart.
    expect(prometheus.resource_constant_labels.included).toEqual(expect.arrayContaining(['service.name', 'rollouts.pod_template_hash', 'host.name']));
    expect(prometheus.resource_constant_labels.included).not.toContain('*');
    const otlp = config.exporters!.otlp_http;
    expect(Object.keys(otlp).sort()).toEqual(['compression', 'endpoint', 'retry_on_failure', 'sending_queue', 'timeout']);
    expect(otlp.endpoint).toBe('${env:OTLP_BACKEND_ENDPOINT}');
    expect(Object.keys(otlp.sending_queue.batch).sort()).toEqual(['flush_timeout', 'max_size', 'min_size']);
    expect(otlp.sending_queue.batch.min_size).toBeLessThanOrEqual(otlp.sending_queue.batch.max_size);
  });

  it('has a Grafana dashboard on a ${datasource} variable whose queries read defined series', async () => {
    const { tree, values, recording } = await rendered(index);
    const dashboard = JSON.parse(text(tree, 'observability/grafana/dashboard.json')) as Record<string, any>;
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(41);
    expect(dashboard.title).toContain(String(values.name));
    const variables = dashboard.templating.list as Array<Record<string, unknown>>;
    expect(variables).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    const recorded = recordedNames(recording);
    const panels = dashboard.panels as Array<Record<string, any>>;
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size, 'panel ids are unique').toBe(ids.length);
    const queries: string[] = [];
    for (const panel of panels) {
      expect(panel.gridPos.x + panel.gridPos.w, panel.title).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      for (const target of panel.targets) {
        expect(target.datasource, panel.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
        queries.push(target.expr);
        const metrics = metricNames(target.expr);
        expect(metrics.length, target.expr).toBeGreaterThan(0);
        for (const metric of metrics) {
          expect(recorded.has(metric) || CONTRACT_METRICS.has(metric), `panel "${panel.title}" reads ${metric}, which nothing defines`).toBe(true);
        }
        // Grafana's legend templates survived Handlebars.
        if (/by \(http_route\)/.test(target.expr)) expect(target.legendFormat).toBe('{{http_route}}');
      }
    }
    for (const quantile of ['p50', 'p90', 'p99']) {
      expect(queries.some((q) => q.includes(`:${quantile}_rate5m`)), quantile).toBe(true);
    }
    for (const series of ['slo_availability_error_budget:remaining_ratio30d', 'slo_latency_error_budget:remaining_ratio30d', 'slo_availability_errors:ratio_rate1h', 'http_server_requests:rate5m']) {
      expect(queries.some((q) => q.includes(series)), series).toBe(true);
    }
    // The latency threshold line sits at the SLO threshold.
    const latency = panels.find((p) => p.title === 'Latency p50 / p90 / p99')!;
    expect(latency.fieldConfig.defaults.thresholds.steps.at(-1).value).toBe(Number(values.latencyThresholdSeconds));
    if (version !== '1.0.0') {
      // An Environment selector fed by the environments that report, prod by default; every
      // query reads the selected one.
      const environment = variables.find((v) => v.name === 'environment') as Record<string, any> | undefined;
      expect(environment, 'an environment variable').toBeDefined();
      expect(environment!.type).toBe('query');
      expect(environment!.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(environment!.query.query).toBe(`label_values(service_name:http_server_requests:rate5m{service_name="${String(values.name)}"}, ${ENV_LABEL})`);
      expect(environment!.definition).toBe(environment!.query.query);
      expect(environment!.current).toEqual({ text: ALERT_ENV, value: ALERT_ENV });
      expect(recorded.has('service_name:http_server_requests:rate5m')).toBe(true);
      for (const query of queries) {
        const selectors = query.match(/\{[^}]*\}/g) ?? [];
        expect(selectors.length, query).toBeGreaterThan(0);
        for (const selector of selectors) expect(selector, query).toContain(`service_name="${String(values.name)}", ${ENV_LABEL}="$environment"`);
      }
    }
  });

  it('describes the SLOs as OpenSLO v1 data consistent with the rules', async () => {
    const { tree, values, alerts } = await rendered(index);
    const docs = parseAllDocuments(text(tree, 'observability/slo.yaml')).map((d) => {
      expect(d.errors, 'valid YAML').toEqual([]);
      return d.toJS() as Record<string, any>;
    });
    for (const doc of docs) expect(doc.apiVersion).toBe('openslo/v1');
    const slos = docs.filter((d) => d.kind === 'SLO');
    const policies = new Map(docs.filter((d) => d.kind === 'AlertPolicy').map((d) => [d.metadata.name as string, d]));
    const targets = new Set(docs.filter((d) => d.kind === 'AlertNotificationTarget').map((d) => d.metadata.name as string));
    expect(docs.filter((d) => d.kind === 'Service').map((d) => d.metadata.name)).toEqual([values.name]);
    expect(slos.map((s) => s.metadata.name)).toEqual([`${String(values.name)}-availability`, `${String(values.name)}-latency`]);
    const [availability, latency] = slos;
    expect(availability!.spec.objectives).toEqual([expect.objectContaining({ targetPercent: values.sloAvailability })]);
    expect(latency!.spec.objectives).toEqual([expect.objectContaining({ targetPercent: values.latencyObjective })]);
    expect(latency!.spec.indicator.spec.ratioMetric.good.metricSource.spec.query).toContain(`le="${String(values.latencyThresholdSeconds)}"`);
    for (const slo of slos) {
      expect(slo.spec.service).toBe(values.name);
      expect(slo.spec.budgetingMethod).toBe('Occurrences');
      expect(slo.spec.timeWindow).toEqual([{ duration: '30d', isRolling: true }]);
      const ratio = slo.spec.indicator.spec.ratioMetric;
      expect(ratio.counter).toBe(true);
      for (const part of ['good', 'bad', 'total']) {
        if (!ratio[part]) continue;
        const query = ratio[part].metricSource.spec.query as string;
        expect(ratio[part].metricSource.type).toBe('Prometheus');
        for (const metric of metricNames(query)) expect(CONTRACT_METRICS.has(metric), query).toBe(true);
        const scope = version === '1.0.0' ? '' : `${ENV_LABEL}="${ALERT_ENV}", `;
        expect(query).toContain(`service_name="${String(values.name)}", ${scope}http_route!~"/livez|/readyz"`);
      }
      // The alert policy is the burn-rate table of alerts.yaml, severity and `for` included.
      const conditions = (slo.spec.alertPolicies as Array<{ alertPolicyRef: string }>).map(({ alertPolicyRef }) => {
        const policy = policies.get(alertPolicyRef);
        expect(policy, alertPolicyRef).toBeDefined();
        for (const { targetRef } of policy!.spec.notificationTargets) expect(targets.has(targetRef), targetRef).toBe(true);
        expect(policy!.spec.conditions).toHaveLength(1);
        const { severity, condition } = policy!.spec.conditions[0].spec;
        return [severity, condition.kind, condition.threshold, condition.lookbackWindow, condition.alertAfter];
      });
      const kind = slo.metadata.labels.slo === 'availability' ? 'Availability' : 'Latency';
      const expected = (['fast', 'slow'] as const).flatMap((speed) => {
        const alert = allAlerts(alerts).find((a) => a.alert === `${kind}SLO${speed === 'fast' ? 'Fast' : 'Slow'}Burn`)!;
        return BURN_CONDITIONS[speed].map(([long, , rate]) => [alert.labels!.severity, 'burnrate', rate, long, alert.for]);
      });
      expect(conditions).toEqual(expected);
    }
  });

  it('renders deterministically, with the right file policies and no secret values', async () => {
    const r = await rendered(index);
    const again = await renderBuiltin(spec(version), CASES[index]!.answers);
    expect([...again.tree.keys()]).toEqual([...r.tree.keys()]);
    for (const [path, file] of r.tree) {
      expect(Buffer.from(again.tree.get(path)!.bytes).equals(Buffer.from(file.bytes)), path).toBe(true);
      expect(path.startsWith('observability/') || path.startsWith('docs/runbooks/'), `${path} is inside observability's paths`).toBe(true);
      expect(file.policy, path).toBe(version === '1.0.0' && path.startsWith('docs/runbooks/') ? 'once' : 'merge');
      const body = text(r.tree, path);
      expect(body, `${path}: no Handlebars left over`).not.toMatch(/\\\{\{|\{\{\{\{/);
      expect(body, `${path}: no secret value`).not.toMatch(/(password|passwd|secret|token|api[_-]?key)\s*[:=]\s*["']?[A-Za-z0-9+/_-]{6,}/i);
      expect(body, `${path}: no placeholder value`).not.toMatch(/changeme|change-me|<your[- ]/i);
    }
  });

  if (version !== '1.0.0') it("passes prettier --check with the generated service's prettier and settings, markdown included", async () => {
    const run = await (await rendered(index)).prettier!;
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain('All matched files use Prettier code style!');
  });

  if (version !== '1.0.0') it('proves the minimum request rate: its quiet-service tests fail once the minimum is taken out of the alerts', async () => {
    const r = await rendered(index);
    // The minimum is found (and so removed) in each of the 8 burn-rate conditions.
    expect(text(r.tree, 'observability/prometheus/alerts.yaml').match(MINIMUM_RATE)).toHaveLength(8);
    const [availability, latency] = await r.withoutMinimum!;
    // One failure (or one slow request) out of 31 in an hour burns more than the 1x/3d budget
    // of any objective above 97.8%: without the minimum, the quiet service would be alerted.
    for (const [run, objective] of [
      [availability!, Number(r.values.sloAvailability)],
      [latency!, Number(r.values.latencyObjective)],
    ] as const) {
      if (objective >= 99) {
        expect(run.code, run.output).not.toBe(0);
        expect(run.output).toMatch(/FAILED[\s\S]*SLO(Fast|Slow)Burn/);
      }
    }
  });

  if (version !== '1.0.0') it('says in the runbooks that the SLO alerts read prod only and need the minimum rate; their queries read prod', async () => {
    const { tree, values } = await rendered(index);
    for (const alert of Object.keys(ALERTS[version])) {
      const body = text(tree, `docs/runbooks/${kebab(alert)}.md`);
      expect(body, alert).toContain('- **Environment:**');
      if (ALERTS[version][alert]!.slo) {
        expect(body, alert).toContain(`at least ${String(values.sloMinRequestRate)} requests per second in prod`);
        expect(body, alert).toContain('`observability/README.md`');
      }
      if (ANY_ENV_ALERTS.has(alert) || alert === 'TelemetryAbsent') continue; // they query across environments on purpose
      for (const block of body.match(/```promql\n[\s\S]*?```/g) ?? []) {
        for (const selector of block.match(/\{service_name=[^}]*\}/g) ?? []) expect(selector, `${alert}: ${block}`).toContain(`${ENV_LABEL}="${ALERT_ENV}"`);
      }
    }
    const readme = text(tree, 'observability/README.md');
    expect(readme).toContain(`**${String(values.sloMinRequestRate)} requests per second**`);
    expect(readme).toContain('### Environments');
  });
});

describe.each(VERSIONS)('observability@%s: latency thresholds', (version) => {
  it('offers only histogram bucket boundaries the README documents, each selected verbatim by the rules', async () => {
    const { tree } = await rendered(CASES.findIndex((c) => c.version === version));
    const readme = text(tree, 'observability/README.md');
    const boundaries = /0\.005, 0\.01, [\d., ]+, 10/.exec(readme)?.[0].split(', ') ?? [];
    expect(boundaries).toContain('0.3');
    for (const choice of THRESHOLD_CHOICES) {
      expect(boundaries, `${choice} is a documented boundary`).toContain(choice);
      expect(Number.isInteger(Number(choice)), `${choice}: integer le values differ between Prometheus 2 and 3`).toBe(false);
      const { tree: t } = await renderBuiltin(spec(version), { latencyThresholdSeconds: choice });
      const rules = text(t, 'observability/prometheus/recording-rules.yaml');
      expect(rules).toContain(`le="${choice}"`);
      expect(text(t, 'observability/prometheus/tests/latency-slo.test.yaml')).toContain(`le="${choice}"`);
      const dir = writeTree(t, join(scratch, `threshold-${version}-${choice}`));
      const run = await promtool(['check', 'rules', 'recording-rules.yaml', 'alerts.yaml'], join(dir, 'observability/prometheus'));
      expect(run.code, run.output).toBe(0);
    }
  });

  it('refuses a threshold that is not a bucket boundary', async () => {
    await expect(renderBuiltin(spec(version), { latencyThresholdSeconds: '0.4' })).rejects.toThrow(/0\.4|one of/);
  });
});

// ---------------------------------------------------------------------------------------------
// 1.1.0: what changed since 1.0.0, what it needs from the service, and the upgrade
// ---------------------------------------------------------------------------------------------

const ADDED_PATHS = ['docs/runbooks/telemetry-environment-unknown.md', 'observability/prometheus/tests/telemetry-environment-unknown.test.yaml'];

describe('observability@1.1.0: what changed since 1.0.0', () => {
  it('asks every 1.0.0 question as before, and one new question with a default', async () => {
    const [previous, next] = await Promise.all([builtinTemplate(spec('1.0.0')), builtinTemplate(spec('1.1.0'))]);
    // The shared `name` follows CONVENTIONS.md: at most 44 characters from 1.1.0 on (deploy's
    // derived Kubernetes names); every other question is asked exactly as before.
    for (const question of previous.manifest.questions) {
      const now = next.manifest.questions.find((q) => q.name === question.name);
      expect(now, question.name).toEqual(question.name === 'name' ? { ...question, maxLength: 44 } : question);
    }
    expect(readFileSync(join(BUILTIN_ROOT, 'CONVENTIONS.md'), 'utf8')).toMatch(/\| `name` \| string, `[^`]+`, maxLength 44 \|/);
    const added = next.manifest.questions.filter((q) => !previous.manifest.questions.some((p) => p.name === q.name));
    expect(added.map((q) => q.name)).toEqual(['sloMinRequestRate']);
    // The bounds are those the shipped promtool tests hold for (a quiet service at 1 request every
    // 2 minutes, busy ones at 50 requests per second or more).
    expect(added[0]).toMatchObject({ type: 'number', default: 0.1, min: 0.01, max: 5 });
    expect(added[0]!.when).toBeUndefined();
    for (const bad of [0, 0.001, 6]) await expect(renderBuiltin(spec('1.1.0'), { sloMinRequestRate: bad }), String(bad)).rejects.toThrow(/sloMinRequestRate/);
  });

  it.each(CASES.filter((c) => c.version === '1.0.0').map((c) => [c.label, c.answers] as const))('writes every path of 1.0.0 and two new ones (%s), all merged on upgrade', async (_, answers) => {
    const [previous, next] = await Promise.all([renderBuiltin(spec('1.0.0'), answers), renderBuiltin(spec('1.1.0'), answers)]);
    expect([...next.tree.keys()].sort()).toEqual([...previous.tree.keys(), ...ADDED_PATHS].sort());
    for (const [path, file] of next.tree) expect(file.policy, path).toBe('merge');
  });

  it('records its changes and the steps after an upgrade in CHANGELOG.md', async () => {
    const { changelog } = await builtinTemplate(spec('1.1.0'));
    expect(changelog).toMatch(/^# observability template\n\n## 1\.1\.0\n/);
    for (const must of ['deployment_environment_name', 'deployment.environment.name', 'sloMinRequestRate', 'TelemetryEnvironmentUnknown', 'prettier --check', 'service 1.1.0', '### After upgrading from 1.0.0', 'merged on upgrade']) {
      expect(changelog, must).toContain(must);
    }
    expect(changelog!.indexOf('## 1.1.0')).toBeLessThan(changelog!.indexOf('## 1.0.0'));
  });
});

describe('observability@1.1.0: what it needs from the service', () => {
  /** The service versions whose rendered code emits the histogram the alerts read. */
  async function emitting(): Promise<string[]> {
    const versions = readdirSync(join(BUILTIN_ROOT, 'service')).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
    const out: string[] = [];
    for (const v of versions) {
      const { tree } = await renderBuiltin(`service@${v}`, {});
      const telemetry = tree.get('src/telemetry.ts');
      if (telemetry && Buffer.from(telemetry.bytes).toString('utf8').includes('"http.server.request.duration"')) out.push(v);
    }
    return out;
  }

  it('reads only the metric service 1.1.0 and later emit (service 1.0.0 has no telemetry)', async () => {
    const versions = await emitting();
    expect(versions).not.toContain('1.0.0');
    expect(versions).toContain('1.1.0');
    // Every metric the alerts and recording rules read is the histogram service 1.1.0 emits.
    const { tree } = await renderBuiltin(spec('1.1.0'), {});
    const rules = [text(tree, 'observability/prometheus/recording-rules.yaml'), text(tree, 'observability/prometheus/alerts.yaml')]
      .flatMap((t) => (parse(t) as RuleFile).groups.flatMap((g) => g.rules))
      .flatMap((r) => metricNames(r.expr))
      .filter((m) => !m.includes(':'));
    expect(new Set(rules)).toEqual(new Set(['http_server_request_duration_seconds_count', 'http_server_request_duration_seconds_bucket']));
  });

  it('requires the first service version that emits them, and `platform add` refuses an older service (exit 2)', async () => {
    const first = (await emitting()).sort((a, b) => compareVersions(a, b))[0]!;
    const template = await builtinTemplate(spec('1.1.0'));
    expect(template.manifest.requires.components).toEqual([{ name: 'service', minVersion: first }]);
    expect((await builtinTemplate(spec('1.0.0'))).manifest.requires.components).toEqual([]);

    const { values } = await renderBuiltin(spec('1.1.0'), {}, 'repo');
    const add = async (serviceVersion: string | undefined) => {
      const lock = { ...EMPTY_LOCKFILE, templates: serviceVersion ? [{ name: 'service', version: serviceVersion, source: 'builtin', answers: {}, files: {} }] : [] };
      const { fs } = memoryFs({ '/repo/package.json': '{}\n' });
      const plan = await planChanges(fs, '/repo', lock, [newComponent(template, 'builtin', { values, secrets: new Set() })], { textMerger: await gitTextMerger(), conflictStyle: 'markers', force: false });
      return checkPlan(fs, plan, { command: 'add', allowDirty: false, uncommitted: async () => [] }).then(
        () => undefined,
        (error: unknown) => error as { code: string; exitCode: number; problems?: string[] },
      );
    };
    const refused = await add('1.0.0');
    expect(refused).toMatchObject({ code: 'requirements-missing', exitCode: 2 });
    expect(refused!.problems).toEqual([`service ${first} or newer (this repository has service@1.0.0: run \`platform upgrade service\` first)`]);
    expect(await add(first)).toBeUndefined();
    // A repository without the service component (a service written otherwise) is not refused:
    // observability/README.md says what such a service must emit.
    expect(await add(undefined)).toBeUndefined();
  });
});

describe('upgrading observability from 1.0.0 to 1.1.0', () => {
  type Vol = ReturnType<typeof memoryFs>['vol'];
  type MemFs = ReturnType<typeof memoryFs>['fs'];

  /** A repository created at observability@VERSION with these answers (defaults for the rest), on memfs. */
  async function createAt(version: Version, answers: Record<string, unknown>): Promise<{ fs: MemFs; vol: Vol }> {
    const { fs, vol } = memoryFs();
    const template = await builtinTemplate(spec(version));
    const { values } = await renderBuiltin(spec(version), answers, 'repo');
    await applyPlan(fs, await planCreate({ fs, root: '/repo', template, sourceLabel: 'builtin', answers: { values, secrets: new Set() }, lock: EMPTY_LOCKFILE }), { pid: 1 });
    return { fs, vol };
  }

  /** `platform upgrade observability --to 1.1.0`, as the CLI plans it (git merge-file for text). */
  async function upgrade(fs: MemFs) {
    const lock = parseLockfile(String(await fs.readFile('/repo/.platform.yaml')), '.platform.yaml');
    const locked = lock.templates.find((t) => t.name === 'observability')!;
    const target = await builtinTemplate(spec('1.1.0'));
    const rendered = await renderBuiltin(spec('1.1.0'), locked.answers, 'repo');
    const base = (await renderBuiltin(`observability@${locked.version}`, locked.answers, 'repo')).tree;
    return planChanges(fs, '/repo', lock, [{ target, source: 'builtin', locked, base, answers: { values: rendered.values, secrets: new Set() } }], {
      textMerger: await gitTextMerger(),
      conflictStyle: 'markers',
      force: false,
    });
  }

  const read = async (fs: MemFs, path: string): Promise<string> => String(await fs.readFile(`/repo/${path}`));
  const edit = async (fs: MemFs, path: string, change: (content: string) => string): Promise<string> => {
    const before = await read(fs, path);
    const edited = change(before);
    expect(edited, `the edit of ${path} changes it`).not.toBe(before);
    await fs.writeFile(`/repo/${path}`, edited);
    return edited;
  };

  /**
   * The team's own alert group, first in alerts.yaml. (Rule files do not round-trip through the
   * YAML printer, comments and folded text included, so they merge as text, like git would: an
   * edit merges cleanly where the template did not change the lines around it. Appended at the end
   * it would meet 1.1.0's new alert there and conflict.)
   */
  const TEAM_GROUP = `  - name: repo-team-alerts
    rules:
      - alert: PaymentQueueBacklog
        expr: sum(payment_queue_depth{service_name="repo"}) > 1000
        for: 10m
        labels:
          severity: ticket
          team: repo-team
        annotations:
          summary: "The payment queue of repo is backing up"
          runbook_url: "https://github.com/repo-team/repo/blob/main/docs/runbooks/payment-queue-backlog.md"
`;
  const TEAM_NOTES = '## Known causes\n\n- 2026-03: the payment provider rate-limited us; see incident INC-42.\n\n';

  it('keeps the team\'s edits (collector, alerts, dashboard, a runbook), brings the environment label and the minimum, and passes promtool', async () => {
    const repo = await createAt('1.0.0', { sloAvailability: 99.5 });
    await edit(repo.fs, 'observability/otel-collector.yaml', (t) => t.replace('    limit_percentage: 80\n', '    limit_percentage: 75\n'));
    // What git would make of it: 1.1.0's collector (its new comments) with the team's limit.
    const fresh11 = await renderBuiltin(spec('1.1.0'), { sloAvailability: 99.5 }, 'repo');
    const collector = new TextDecoder().decode(fresh11.tree.get('observability/otel-collector.yaml')!.bytes).replace('    limit_percentage: 80\n', '    limit_percentage: 75\n');
    await edit(repo.fs, 'observability/prometheus/alerts.yaml', (t) => t.replace('\ngroups:\n', `\ngroups:\n${TEAM_GROUP}`).replace(/(\n {6}- alert: NoTraffic\n[\s\S]*?\n {8}for: )15m\n/, '$120m\n'));
    await edit(repo.fs, 'observability/grafana/dashboard.json', (t) => t.replace('"refresh": "1m"', '"refresh": "5m"'));
    await edit(repo.fs, 'docs/runbooks/availability-slo-fast-burn.md', (t) => t.replace('\n## Escalation\n', `\n${TEAM_NOTES}## Escalation\n`));

    const plan = await upgrade(repo.fs);
    expect(plan.conflicts).toEqual([]);
    const kinds = Object.fromEntries(plan.operations.map((op) => [op.path, op.kind]));
    for (const path of ADDED_PATHS) expect(kinds[path], path).toBe('create');
    for (const path of ['observability/prometheus/alerts.yaml', 'observability/grafana/dashboard.json', 'docs/runbooks/availability-slo-fast-burn.md']) {
      expect(kinds[path], path).toBe('merge');
    }
    // 1.1.0 changed only comments in the collector config, away from the team's edit: merged by
    // lines as git would, so the template's comments land too.
    expect(kinds['observability/otel-collector.yaml']).toBe('merge');
    await applyPlan(repo.fs, plan, { pid: 2 });

    // The team's edits are there.
    expect(await read(repo.fs, 'observability/otel-collector.yaml')).toBe(collector);
    const alerts = await read(repo.fs, 'observability/prometheus/alerts.yaml');
    expect(alerts).toContain(`\ngroups:\n${TEAM_GROUP}`);
    const dashboard = JSON.parse(await read(repo.fs, 'observability/grafana/dashboard.json')) as Record<string, any>;
    expect(dashboard.refresh).toBe('5m');
    const runbook = await read(repo.fs, 'docs/runbooks/availability-slo-fast-burn.md');
    expect(runbook).toContain(`\n${TEAM_NOTES}## Escalation\n`);

    // And so are the template's changes, in the same files.
    const rules = parse(alerts) as RuleFile;
    expect(rules.groups.map((g) => g.name)).toEqual(['repo-team-alerts', 'repo-slo-alerts', 'repo-traffic-alerts']);
    expect(allAlerts(rules).map((a) => a.alert).sort()).toEqual([...Object.keys(ALERTS['1.1.0']), 'PaymentQueueBacklog'].sort());
    expect(allAlerts(rules).find((a) => a.alert === 'NoTraffic')!.for, "the team's tuning").toBe('20m');
    expect(allAlerts(rules).find((a) => a.alert === 'NoTraffic')!.expr, "1.1.0's expression").toContain('deployment_environment_name="prod"');
    expect(allAlerts(rules).find((a) => a.alert === 'AvailabilitySLOFastBurn')!.expr).toContain('service_name:http_server_requests:rate1h{service_name="repo", deployment_environment_name="prod"} >= 0.1');
    expect(dashboard.templating.list.map((v: { name: string }) => v.name)).toEqual(['datasource', 'environment']);
    expect(runbook).toContain('- **Environment:** prod');
    expect(runbook).toContain('deployment_environment_name="prod"');

    // Untouched files are exactly 1.1.0's, and the lockfile records 1.1.0 with the new answer.
    const fresh = await renderBuiltin(spec('1.1.0'), { sloAvailability: 99.5 }, 'repo');
    for (const path of ['observability/prometheus/recording-rules.yaml', 'observability/slo.yaml', 'observability/README.md', 'docs/runbooks/no-traffic.md', ...ADDED_PATHS]) {
      expect(await read(repo.fs, path), path).toBe(text(fresh.tree, path));
    }
    const lock = parseLockfile(await read(repo.fs, '.platform.yaml'), '.platform.yaml');
    const locked = lock.templates.find((t) => t.name === 'observability')!;
    expect(locked.version).toBe('1.1.0');
    expect(locked.answers).toMatchObject({ sloAvailability: 99.5, sloMinRequestRate: 0.1 });

    // The upgraded rules, the team's group included, pass promtool and their tests.
    const dir = join(scratch, 'upgraded');
    for (const [path, content] of Object.entries(repo.vol.toJSON('/repo'))) {
      if (content === null || !path.startsWith('/repo/observability/prometheus/')) continue;
      const target = join(dir, path.slice('/repo/'.length));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    }
    const prom = join(dir, 'observability/prometheus');
    const check = await promtool(['check', 'rules', 'recording-rules.yaml', 'alerts.yaml'], prom);
    expect(check.code, check.output).toBe(0);
    const tests = readdirSync(join(prom, 'tests')).map((f) => `tests/${f}`);
    const run = await promtool(['test', 'rules', ...tests], prom);
    expect(run.code, run.output).toBe(0);
  });
});
