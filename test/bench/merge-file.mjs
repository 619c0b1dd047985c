#!/usr/bin/env node
// node test/bench/merge-file.mjs [--runs N] [--against DIR]
//
// `platform merge-file -p` as git runs it (a merge driver, once per file) on three small files,
// against its floor: a bare `node -e 0` plus git's own `git merge-file -p` on the same files.
// Medians of N runs after a warm-up; the ratio is what counts (the machine is shared).
// Three cases: YAML that git merges cleanly, YAML where lines conflict and structure resolves
// it, and JSON that git merges cleanly. --against DIR: another built checkout (the previous
// build, say) timed in the same loop, alternating, against the same floor: a change of a few
// percent only shows that way on a shared machine.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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

const rows = [];
for (const [label, [name, base, ours, theirs]] of Object.entries(cases)) {
  const dir = mkdtempSync(join(work, 'case-'));
  const [o, b, t] = [['ours', ours], ['base', base], ['theirs', theirs]].map(([n, text]) => {
    const path = join(dir, `${n}-${name}`);
    writeFileSync(path, text);
    return path;
  });
  const run = (bin) => () => time(process.execPath, [bin, 'merge-file', '-p', '--path', name, o, b, t]);
  const platform = run(PLATFORM);
  const other = AGAINST ? run(join(AGAINST, 'bin/platform.js')) : undefined;
  const floor = () => time(process.execPath, ['-e', '0']) + time('git', ['merge-file', '-p', o, b, t]);
  platform();
  other?.();
  floor();
  const p = [];
  const a = [];
  const f = [];
  for (let i = 0; i < RUNS; i++) {
    p.push(platform());
    if (other) a.push(other());
    f.push(floor());
  }
  const ratio = (xs) => Number((median(xs) / median(f)).toFixed(2));
  rows.push({ case: label, platformMs: Math.round(median(p)), floorMs: Math.round(median(f)), ratio: ratio(p), ...(other ? { againstMs: Math.round(median(a)), againstRatio: ratio(a) } : {}) });
}
for (const row of rows) {
  const against = row.againstMs === undefined ? '' : `   --against ${String(row.againstMs).padStart(4)} ms ratio ${row.againstRatio}`;
  process.stdout.write(`${row.case.padEnd(22)} platform merge-file ${String(row.platformMs).padStart(4)} ms   node -e 0 + git merge-file ${String(row.floorMs).padStart(4)} ms   ratio ${row.ratio}${against}\n`);
}
