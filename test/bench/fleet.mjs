#!/usr/bin/env node
// node test/bench/fleet.mjs [--json] [--runs N] [--repos N]
//
// `platform fleet status` over a generated fleet: N git repositories (default 1,000) of the
// golden path (~75 files each, every file in the lockfile), each with three commits of its
// lockfile (created, then upgraded twice, on spread-out days). Timed for 100 repositories and
// for N, so the figure to read is the ratio (linear is N/100); peak memory from GNU time shows
// whether reading the fleet stays bounded. Also without history, and with --check-drift.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const argv = process.argv.slice(2);
const JSON_OUT = argv.includes('--json');
const RUNS = Number(argv[argv.indexOf('--runs') + 1]) || 3;
const COUNT = Number(argv[argv.indexOf('--repos') + 1]) || 1000;
const PLATFORM = join(REPO, 'bin/platform.js');
const CREATE = join(REPO, 'bin/create-service.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const log = (line) => process.stderr.write(`${line}\n`);

if (!existsSync(join(REPO, 'dist/bundle/main.js'))) {
  log('error: the CLI is not built.\n  hint: run `npm run build` first.');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'platform-fleet-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const env = { ...process.env, NO_COLOR: '1', CI: 'true', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', PLATFORM_CACHE_DIR: join(work, 'cache') };
delete env.NODE_OPTIONS;
delete env.NODE_EXTRA_CA_CERTS;

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  return r;
}

// One repository made by the CLI, copied N times; its history written by one `git fast-import` each.
const proto = join(work, 'proto');
run(process.execPath, [CREATE, proto, '--yes', '--no-install', '--no-git']);
const lock = readFileSync(join(proto, '.platform.yaml'), 'utf8');
const versions = (text, to) => text.replace(/(- name: (\w+)\n\s+version: )(\S+)/g, (_, head, name) => `${head}${to(name)}`);
const revisions = [versions(lock, () => '1.0.0'), versions(lock, (n) => (n === 'service' || n === 'ci' ? '1.1.0' : '1.0.0')), lock];

function fastImport(i) {
  const day = (k) => Date.UTC(2026, 0, 1) / 1000 + ((i * 7 + k * 40) % 300) * 86_400;
  const blob = (text) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  let stream = '';
  revisions.forEach((text, k) => {
    stream += `commit refs/heads/main\ncommitter Bench <bench@example.com> ${day(k)} +0000\n${blob(`lockfile ${k}`)}M 100644 inline .platform.yaml\n${blob(text)}`;
  });
  return stream;
}

function makeFleet(count) {
  const root = join(work, `fleet-${count}`);
  mkdirSync(root);
  for (let i = 0; i < count; i++) {
    const dir = join(root, `team-${String(i % 20).padStart(2, '0')}`, `svc-${String(i).padStart(4, '0')}`);
    cpSync(proto, dir, { recursive: true });
    run('git', ['init', '-q', '-b', 'main', dir]);
    run('git', ['fast-import', '--quiet'], { cwd: dir, input: fastImport(i) });
  }
  return root;
}

function once(args) {
  const withTime = TIME ? [TIME, ['-f', '%M %U %S', process.execPath, PLATFORM, ...args]] : [process.execPath, [PLATFORM, ...args]];
  const start = process.hrtime.bigint();
  const r = spawnSync(withTime[0], withTime[1], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`platform ${args.join(' ')} exited ${r.status}\n${r.stderr}`);
  const [kb, user, sys] = TIME ? r.stderr.trim().split('\n').at(-1).split(' ').map(Number) : [NaN, NaN, NaN];
  return { ms, mb: kb / 1024, cpu: (user + sys) * 1000, stdout: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = [];
function measure(name, size, args, against) {
  const first = once(args);
  const runs = [first, ...Array.from({ length: RUNS - 1 }, () => once(args))];
  const result = { name, size, ms: median(runs.map((r) => r.ms)), cpuMs: median(runs.map((r) => r.cpu)), mb: Math.max(...runs.map((r) => r.mb)) };
  if (against) {
    result.ratio = result.ms / against.ms;
    result.floor = `${against.name} (${against.size})`;
  }
  results.push(result);
  log(`  ${`${name} (${size})`.padEnd(52)} ${result.ms.toFixed(0).padStart(7)} ms ${Number.isNaN(result.mb) ? '' : `${result.mb.toFixed(0).padStart(5)} MB, CPU ${result.cpuMs.toFixed(0)} ms`}`);
  return { result, stdout: first.stdout };
}

log(`generating fleets of 100 and ${COUNT} repositories (${readdirSync(proto, { recursive: true }).length} entries each)…`);
const small = makeFleet(100);
const large = makeFleet(COUNT);
const base = measure('platform fleet status --json', '100 repos', ['fleet', 'status', small, '--json']).result;
const { result: full, stdout } = measure('platform fleet status --json', `${COUNT} repos`, ['fleet', 'status', large, '--json'], base);
// Check the report before trusting its timing.
const report = JSON.parse(stdout);
if (report.totals.repositories !== COUNT || report.totals.unreadable !== 0 || report.repos[0].history.length !== 3) throw new Error(`unexpected report: ${JSON.stringify(report.totals)}`);
// Bounded memory: the same report with V8's heap capped at 96 MB must still finish.
const capped = spawnSync(process.execPath, ['--max-old-space-size=96', PLATFORM, 'fleet', 'status', large, '--json'], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
if (capped.status !== 0) throw new Error(`with a 96 MB heap: exit ${capped.status}\n${capped.stderr.slice(-2000)}`);
log('  the same with a 96 MB heap cap: finished');
measure('platform fleet status --no-history --json', `${COUNT} repos`, ['fleet', 'status', large, '--no-history', '--json'], full);
measure('platform fleet status --check-drift --json', `${COUNT} repos`, ['fleet', 'status', large, '--check-drift', '--json'], full);
measure('platform fleet status --html', `${COUNT} repos`, ['fleet', 'status', large, '--html', join(work, 'fleet.html')], full);

if (JSON_OUT) process.stdout.write(`${JSON.stringify({ node: process.version, runs: RUNS, results }, null, 2)}\n`);
else {
  const lines = ['| scenario | size | median | ratio | against | CPU (user+sys) | peak memory |', '|---|---|---:|---:|---|---:|---:|'];
  for (const r of results) lines.push(`| ${r.name} | ${r.size} | ${r.ms.toFixed(0)} ms | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`} | ${r.floor ?? ''} | ${Number.isNaN(r.cpuMs) ? '' : `${(r.cpuMs / 1000).toFixed(1)} s`} | ${Number.isNaN(r.mb) ? '' : `${r.mb.toFixed(0)} MB`} |`);
  process.stdout.write(`${lines.join('\n')}\n`);
}
