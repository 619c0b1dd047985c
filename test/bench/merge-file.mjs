#!/usr/bin/env node
// node test/bench/merge-file.mjs [--runs N] [--against DIR]
//
// A merge of three small files, against its floor: a bare `node -e 0` plus git's own
// `git merge-file -p` on the same files. Two ways: the merge driver as git runs it (the line
// `platform merge-driver install` writes into git config, its placeholders filled in as git
// fills them, run by sh as git runs it), and `platform merge-file -p` run directly.
// Medians of N runs after a warm-up; the ratio is what counts (the machine is shared).
// Three cases: YAML that git merges cleanly, YAML where lines conflict and structure resolves
// it, and JSON that git merges cleanly. --against DIR: another built checkout (the previous
// build, say; its own driver line) timed in the same loop, alternating, against the same floor:
// a change of a few percent only shows that way on a shared machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PLATFORM = join(REPO, 'bin/platform.js');
const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1]) || 15;
const AGAINST = argv.includes('--against') ? resolve(argv[argv.indexOf('--against') + 1] ?? '') : undefined;
if (AGAINST && !existsSync(join(AGAINST, 'dist/bundle/merge-file.cjs'))) {
  process.stderr.write(`error: --against ${AGAINST}: no built CLI there (dist/bundle/merge-file.cjs).\n  hint: give a checkout where \`npm run build\` ran.\n`);
  process.exit(2);
}
if (!existsSync(join(REPO, 'dist/bundle/merge-file-entry.js'))) {
  process.stderr.write('error: the CLI is not built.\n  hint: run `npm run build` first.\n');
  process.exit(2);
}
const env = { ...process.env, NO_COLOR: '1' };
delete env.NODE_OPTIONS;
delete env.NODE_EXTRA_CA_CERTS;

const work = mkdtempSync(join(tmpdir(), 'platform-merge-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const jobs = (extra) => `name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4 # v4\n      - name: test\n        run: npm test\n${extra}`;
const cases = {
  'yaml, git clean': ['x.yml', jobs(''), jobs('').replace('ubuntu-latest', 'ubuntu-24.04'), jobs('  lint:\n    runs-on: ubuntu-latest\n')],
  'yaml, lines conflict': ['x.yml', jobs(''), jobs('  e2e:\n    runs-on: ubuntu-latest\n'), jobs('  lint:\n    runs-on: ubuntu-latest\n')],
  'json, git clean': ['package.json', '{\n  "name": "a",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "vitest"\n  }\n}\n', '{\n  "name": "a",\n  "version": "1.1.0",\n  "scripts": {\n    "test": "vitest"\n  }\n}\n', '{\n  "name": "a",\n  "version": "1.0.0",\n  "scripts": {\n    "test": "vitest run"\n  }\n}\n'],
};

function time(command, args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { env, cwd: work, encoding: 'utf8' });
  if (result.status === null || result.status > 127) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The driver line `merge-driver install` of the build at `repo` writes, read back from git config. */
function driverLine(repo) {
  const dir = mkdtempSync(join(work, 'driver-'));
  const gitEnv = { ...env, GIT_CONFIG_GLOBAL: join(dir, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  writeFileSync(gitEnv.GIT_CONFIG_GLOBAL, '');
  const repoDir = join(dir, 'repo');
  mkdirSync(repoDir);
  const sh = (command, args) => spawnSync(command, args, { cwd: repoDir, env: gitEnv, encoding: 'utf8' });
  sh('git', ['init', '-q']);
  const installed = sh(process.execPath, [join(repo, 'bin/platform.js'), 'merge-driver', 'install']);
  if (installed.status !== 0) throw new Error(`merge-driver install (${repo}): ${installed.stderr}`);
  return sh('git', ['config', 'merge.platform.driver']).stdout.trim();
}
/** As git's ll-merge fills a driver's placeholders: %O %A %B temporary files, %P the path quoted for sh, %L the marker size. */
const fill = (line, { ours, base, theirs, path }) =>
  line.replace(/%([OABPL])/g, (_, c) => ({ O: base, A: ours, B: theirs, P: `'${path.replace(/'/g, `'\\''`)}'`, L: '7' })[c]);

const builds = [{ label: 'this build', repo: REPO }, ...(AGAINST ? [{ label: '--against', repo: AGAINST }] : [])].map((b) => ({ ...b, driver: driverLine(b.repo) }));
const rows = [];
for (const [label, [name, base, ours, theirs]] of Object.entries(cases)) {
  const dir = mkdtempSync(join(work, 'case-'));
  const [o, b, t] = [['ours', ours], ['base', base], ['theirs', theirs]].map(([n, text]) => {
    const path = join(dir, `${n}-${name}`);
    writeFileSync(path, text);
    return path;
  });
  // The driver writes its result into %A: a copy of ours, put back before each run (not timed).
  const current = join(dir, `current-${name}`);
  const runs = builds.flatMap((build) => {
    const line = fill(build.driver, { ours: current, base: b, theirs: t, path: name });
    return [
      { build, how: 'driver', run: () => (writeFileSync(current, ours), time('sh', ['-c', line])) },
      { build, how: 'merge-file -p', run: () => time(process.execPath, [join(build.repo, 'bin/platform.js'), 'merge-file', '-p', '--path', name, o, b, t]) },
    ];
  });
  const floor = () => time(process.execPath, ['-e', '0']) + time('git', ['merge-file', '-p', o, b, t]);
  for (const r of runs) r.run();
  floor();
  // What is timed must be the merge: each build's driver leaves in %A what its merge-file -p prints.
  for (const build of builds) {
    writeFileSync(current, ours);
    spawnSync('sh', ['-c', fill(build.driver, { ours: current, base: b, theirs: t, path: name })], { env, cwd: work });
    const printed = spawnSync(process.execPath, [join(build.repo, 'bin/platform.js'), 'merge-file', '-p', '--path', name, o, b, t], { env, cwd: work, encoding: 'utf8' }).stdout;
    if (readFileSync(current, 'utf8') !== printed) throw new Error(`${label} (${build.label}): the driver's result differs from merge-file -p's`);
  }
  const times = runs.map(() => []);
  const f = [];
  for (let i = 0; i < RUNS; i++) {
    runs.forEach((r, k) => times[k].push(r.run()));
    f.push(floor());
  }
  runs.forEach((r, k) => rows.push({ case: label, how: r.how, build: r.build.label, ms: Math.round(median(times[k])), floorMs: Math.round(median(f)), ratio: Number((median(times[k]) / median(f)).toFixed(2)) }));
}
for (const row of rows) {
  const build = builds.length > 1 ? `${row.build.padEnd(11)} ` : '';
  process.stdout.write(`${row.case.padEnd(22)} ${build}${row.how.padEnd(14)} ${String(row.ms).padStart(4)} ms   node -e 0 + git merge-file ${String(row.floorMs).padStart(4)} ms   ratio ${row.ratio}\n`);
}
