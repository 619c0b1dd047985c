#!/usr/bin/env node
// npm run bench [-- --json] [-- --runs N] [-- --quick] [-- --skip-100k] [-- --skip-fleet]
//
// Start-up, create and upgrade timings of the built CLI on the shared "svc" workload
// (../shared/bench/gen-workload.mjs: 40 and 400 files), each the median of several runs after
// a warm-up, every figure a ratio to a floor measured in the same run (timings on shared
// machines are noisy: compare ratios, not milliseconds); the scenarios of a group (start-up;
// the floors, hygen and create of one size) run in rounds, one run of each in turn. Peak memory
// from GNU time.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// ../shared beside the repository (a worktree one level deeper finds it one more level up).
// PLATFORM_BENCH_GENERATOR names it elsewhere (to bench an older checkout with this script).
const GENERATOR =
  process.env.PLATFORM_BENCH_GENERATOR ??
  [resolve(REPO, '../shared/bench/gen-workload.mjs'), resolve(REPO, '../../shared/bench/gen-workload.mjs')].find(existsSync) ??
  resolve(REPO, '../shared/bench/gen-workload.mjs');
const argv = process.argv.slice(2);
const JSON_OUT = argv.includes('--json');
const QUICK = argv.includes('--quick');
const RUNS = Number(argv[argv.indexOf('--runs') + 1]) || (QUICK ? 3 : 7);
const SKIP_100K = argv.includes('--skip-100k');
const CREATE = join(REPO, 'bin/create-service.js');
const PLATFORM = join(REPO, 'bin/platform.js');
const HYGEN = join(REPO, 'node_modules/hygen/dist/bin.js');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

const log = (line) => process.stderr.write(`${line}\n`);
if (!existsSync(GENERATOR)) {
  log(`error: the workload generator is missing: ${GENERATOR}\n  hint: the bench needs the shared/ folder beside the repository.`);
  process.exit(2);
}
if (!existsSync(join(REPO, 'dist/bundle/main.js'))) {
  log('error: the CLI is not built.\n  hint: run `npm run build` first.');
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), 'platform-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
// A CA bundle in the environment adds ~57 ms to every Node start (see the shared README).
const env = { ...process.env, NO_COLOR: '1', CI: 'true' };
delete env.NODE_EXTRA_CA_CERTS;
delete env.NODE_OPTIONS;

/** Runs a command once: wall time in ms (hrtime) and peak RSS in MB (GNU time), or throws. */
function once(cmd, args, { cwd = work, before, extraEnv } = {}) {
  if (before) before();
  const withTime = TIME ? [TIME, ['-f', '%M %U %S', cmd, ...args]] : [cmd, args];
  const start = process.hrtime.bigint();
  const result = spawnSync(withTime[0], withTime[1], { cwd, env: { ...env, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const code = result.status;
  if (code !== 0 && code !== 3) throw new Error(`${cmd} ${args.join(' ')} exited ${code}\n${result.stderr}`);
  const [rssKb, user, system] = TIME ? result.stderr.trim().split('\n').at(-1).split(' ').map(Number) : [NaN, NaN, NaN];
  return { ms, cpu: (user + system) * 1000, mb: rssKb / 1024 };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Warm-up, then RUNS timed runs; `before` resets state outside the timing. */
function measure(name, cmd, args, options = {}) {
  return measureRounds([{ name, cmd, args, options }])[0];
}

/**
 * Scenarios compared with each other, run in rounds: a warm-up of each, then RUNS rounds of one
 * run each, in turn. A shared machine's load drifts over seconds; measured one block after
 * another, a ratio also measured that drift (one scenario's block in a busy spell, the other's
 * in a quiet one), in rounds both see the same spells.
 */
function measureRounds(scenarios) {
  for (const { cmd, args, options = {} } of scenarios) once(cmd, args, options);
  const runs = scenarios.map(() => []);
  for (let round = 0; round < RUNS; round++) scenarios.forEach(({ cmd, args, options = {} }, i) => runs[i].push(once(cmd, args, options)));
  return scenarios.map(({ name }, i) => {
    const result = { name, ms: median(runs[i].map((r) => r.ms)), cpu: median(runs[i].map((r) => r.cpu)), mb: Math.max(...runs[i].map((r) => r.mb)) };
    log(`  ${name.padEnd(44)} ${result.ms.toFixed(0).padStart(6)} ms ${Number.isNaN(result.cpu) ? '' : `${result.cpu.toFixed(0).padStart(6)} ms CPU`} ${Number.isNaN(result.mb) ? '' : `${result.mb.toFixed(0).padStart(5)} MB`}`);
    return result;
  });
}

// ---------------------------------------------------------------- workloads

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

/** The workload's Handlebars tree as one of our templates (template.yaml + files/*.hbs). */
function asTemplate(workload, dir, version, change) {
  const answers = JSON.parse(readFileSync(join(workload, 'hbs/answers.json'), 'utf8'));
  const questions = Object.entries(answers).map(([name, value]) =>
    Array.isArray(value)
      ? `  - { name: ${name}, type: multiselect, choices: [${value.join(', ')}] }`
      : `  - { name: ${name}, type: ${typeof value === 'boolean' ? 'boolean' : 'string'} }`,
  );
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), `name: svc-bench\nversion: ${version}\nquestions:\n${questions.join('\n')}\n`);
  const source = join(workload, 'hbs/template');
  [...walk(source)].sort().forEach((file, index) => {
    const out = join(dir, 'files', `${relative(source, file)}.hbs`);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, change(readFileSync(file, 'utf8'), index));
  });
}

function prepare(copies) {
  const out = join(work, `gen-${copies}`);
  const run = spawnSync(process.execPath, [GENERATOR, '--out', out, '--copies', String(copies)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  const name = copies === 1 ? 'svc40' : `svc${40 * copies}`;
  const workload = join(out, name);
  const versions = join(work, `${name}-versions`);
  asTemplate(workload, join(versions, '1.0.0'), '1.0.0', (text) => text);
  // The next version changes a tenth of the files (a line at the end).
  const next = join(work, `${name}-next`);
  asTemplate(workload, next, '2.0.0', (text, i) => (i % 10 === 0 ? `${text}# changed in 2.0.0\n` : text));
  return { name, workload, versions, next, answers: join(workload, 'hbs/answers.json'), files: [...walk(join(workload, 'hbs/template'))].length };
}

// ---------------------------------------------------------------- scenarios

const results = [];
// Wall-clock ratios, and CPU-time ratios (user + system, GNU time's 10 ms resolution), which a
// machine busy with other work disturbs much less.
const row = (group, size, r, floor) =>
  results.push({ group, size, name: r.name, ms: r.ms, cpu: r.cpu, mb: r.mb, floor: floor?.name, ratio: floor ? r.ms / floor.ms : undefined, cpuRatio: floor && floor.cpu > 0 ? r.cpu / floor.cpu : undefined });

log(`bench: ${RUNS} runs each after a warm-up, medians; ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
log('start-up');
log(`  (CPU time has a 10 ms resolution: start-up ratios are wall-clock only)`);
const [nodeFloor, ...starts] = measureRounds([
  { name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'] },
  { name: 'platform --version', cmd: process.execPath, args: [PLATFORM, '--version'] },
  { name: 'platform --help', cmd: process.execPath, args: [PLATFORM, '--help'] },
  { name: 'platform upgrade --help', cmd: process.execPath, args: [PLATFORM, 'upgrade', '--help'] },
]);
row('start-up', '', nodeFloor);
for (const start of starts) row('start-up', '', start, nodeFloor);

for (const copies of [1, 10]) {
  const w = prepare(copies);
  log(`${w.name} (${w.files} files)`);
  const target = join(work, 'out');
  const reset = () => rmSync(target, { recursive: true, force: true });
  // hygen (the fastest peer) renders the same workload from its own format into cwd/orders-api.
  const hygenCwd = join(work, 'hygen-out');
  const hygenArgs = JSON.parse(readFileSync(join(w.workload, 'cli-args.json'), 'utf8')).dashdash;
  const createArgs = [CREATE, target, '--template', w.versions, '--answers', w.answers, '--yes', '--no-install', '--no-git'];
  // Cold: the compiled-template cache is empty at every run (first use of the template; the
  // CLI's own code cache stays, as on any machine that ran it before); warm: it holds what the
  // warm-up compiled.
  const coldCache = join(work, 'cache-cold');
  const [floor, copy, hygen, create, warm] = measureRounds([
    { name: `handlebars floor script (${w.name})`, cmd: process.execPath, args: [join(REPO, 'test/bench/floor.mjs'), join(w.workload, 'hbs/template'), w.answers, target], options: { before: reset } },
    { name: `cp -r of the output (${w.name})`, cmd: 'cp', args: ['-r', join(w.workload, 'expected'), target], options: { before: reset } },
    {
      name: `hygen 6 (${w.name})`,
      cmd: process.execPath,
      args: [HYGEN, 'svc', 'new', ...hygenArgs],
      options: {
        cwd: hygenCwd,
        before: () => {
          rmSync(hygenCwd, { recursive: true, force: true });
          mkdirSync(hygenCwd);
        },
        extraEnv: { HYGEN_TMPLS: join(w.workload, 'hygen') },
      },
    },
    {
      name: `create-service, cold cache (${w.name})`,
      cmd: process.execPath,
      args: createArgs,
      options: {
        before: () => {
          reset();
          rmSync(join(coldCache, 'platform', 'compiled'), { recursive: true, force: true });
        },
        extraEnv: { XDG_CACHE_HOME: coldCache },
      },
    },
    { name: `create-service, warm cache (${w.name})`, cmd: process.execPath, args: createArgs, options: { before: reset, extraEnv: { XDG_CACHE_HOME: join(work, 'cache-warm') } } },
  ]);
  row('create', w.name, floor);
  row('create', w.name, copy, floor);
  row('create', w.name, hygen, floor);
  row('create', w.name, create, floor);
  row('create', w.name, warm, floor);
  row('create', w.name, { ...create, name: `create-service, cold cache ÷ hygen (${w.name})` }, hygen);
  row('create', w.name, { ...warm, name: `create-service, warm cache ÷ hygen (${w.name})` }, hygen);

  // Check both outputs against the workload's expected tree before trusting any timing.
  const serviceName = readdirSync(join(w.workload, 'expected'))[0];
  const expectedRoot = join(w.workload, 'expected', serviceName);
  for (const [tool, root] of [['create-service', target], ['hygen', join(hygenCwd, serviceName)]]) {
    for (const file of walk(expectedRoot)) {
      const out = join(root, relative(expectedRoot, file));
      if (!existsSync(out) || readFileSync(out, 'utf8') !== readFileSync(file, 'utf8')) throw new Error(`${tool} output differs from the expected ${relative(expectedRoot, file)}`);
    }
  }

  // Upgrade: a repo created at 1.0.0 with local edits in a tenth of the files (at the top, so
  // the ones the template also changes merge cleanly), moved to 2.0.0 (a tenth changed).
  const repo = join(work, `${w.name}-repo`);
  rmSync(repo, { recursive: true, force: true });
  const warmEnv = { extraEnv: { XDG_CACHE_HOME: join(work, 'cache-warm') } };
  once(process.execPath, [CREATE, repo, '--template', w.versions, '--answers', w.answers, '--yes', '--no-install', '--no-git'], warmEnv);
  const tracked = [...walk(repo)].sort();
  tracked.forEach((file, i) => {
    if (i % 10 === 5 || i % 20 === 0) writeFileSync(file, `# local edit\n${readFileSync(file, 'utf8')}`);
  });
  cpSync(w.next, join(w.versions, '2.0.0'), { recursive: true });
  const pristine = join(work, `${w.name}-pristine`);
  rmSync(pristine, { recursive: true, force: true });
  cpSync(repo, pristine, { recursive: true });
  const restore = () => {
    for (const file of tracked) cpSync(join(pristine, relative(repo, file)), file);
  };
  const upgrade = measure(`platform upgrade (${w.name})`, process.execPath, [PLATFORM, 'upgrade', '--yes'], { cwd: repo, before: restore, ...warmEnv });
  row('upgrade', w.name, upgrade, warm);

  if (!SKIP_100K) {
    // The same upgrade in a repository that also holds 100,000 unrelated files.
    const unrelated = join(repo, 'unrelated');
    for (let d = 0; d < 100; d++) {
      mkdirSync(join(unrelated, `d${d}`), { recursive: true });
      for (let f = 0; f < 1000; f++) writeFileSync(join(unrelated, `d${d}`, `f${f}.txt`), 'x\n');
    }
    const big = measure(`platform upgrade (${w.name} + 100,000 files)`, process.execPath, [PLATFORM, 'upgrade', '--yes'], { cwd: repo, before: restore, ...warmEnv });
    row('scale', w.name, big, upgrade);
    rmSync(unrelated, { recursive: true, force: true });
  }
  rmSync(join(w.versions, '2.0.0'), { recursive: true, force: true });
}

// The fleet report over 1,000 generated repositories: its own script (test/bench/fleet.mjs), rows added here.
if (!argv.includes('--skip-fleet')) {
  const fleet = spawnSync(process.execPath, [join(REPO, 'test/bench/fleet.mjs'), '--json', '--runs', String(Math.min(RUNS, 3))], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (fleet.status !== 0) throw new Error(`test/bench/fleet.mjs exited ${fleet.status}`);
  for (const r of JSON.parse(fleet.stdout).results) results.push({ group: 'fleet', size: r.size, name: r.name, ms: r.ms, mb: r.mb, floor: r.floor, ratio: r.ratio });
}

if (JSON_OUT) {
  process.stdout.write(`${JSON.stringify({ node: process.version, cores: cpus().length, runs: RUNS, results }, null, 2)}\n`);
} else {
  const lines = ['| scenario | median | ratio | CPU | CPU ratio | against | peak memory |', '|---|---:|---:|---:|---:|---|---:|'];
  const x = (v) => (v === undefined || Number.isNaN(v) ? '' : `${v.toFixed(2)}x`);
  for (const r of results) {
    lines.push(`| ${r.name} | ${r.ms.toFixed(0)} ms | ${x(r.ratio)} | ${r.cpu === undefined || Number.isNaN(r.cpu) ? '' : `${r.cpu.toFixed(0)} ms`} | ${x(r.cpuRatio)} | ${r.floor ?? ''} | ${Number.isNaN(r.mb) ? '' : `${r.mb.toFixed(0)} MB`} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
