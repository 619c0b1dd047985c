#!/usr/bin/env node
// node test/bench/input-scaling.mjs   (after npm run build)
//
// Issue 11 class 6: reading a lockfile or an answers file must be linear in its size. Times the
// built CLI on inputs of N and 8N keys and prints the ratio: about 8 when linear, about 64 when
// quadratic (as `uniqueKeys: true` made it). Not part of the suite: timings are not asserted.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin');
const SHA = 'a'.repeat(64);

function lockfile(files) {
  const lines = ['schemaVersion: 1', 'templates:', '  - name: service', '    version: 1.0.0', '    source: builtin', '    answers: {}', '    files:'];
  for (let i = 0; i < files; i++) lines.push(`      src/m-${i}/file-${i}.ts: { policy: merge, sha256: ${SHA} }`);
  return `${lines.join('\n')}\n`;
}

function answers(keys) {
  return `${Array.from({ length: keys }, (_, i) => `q${i}: v${i}`).join('\n')}\n`;
}

function time(args, cwd) {
  const start = process.hrtime.bigint();
  spawnSync(process.execPath, args, { cwd, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

const cases = [
  { label: 'platform status, lockfile files', n: 10_000, run: (dir, n) => (writeFileSync(join(dir, '.platform.yaml'), lockfile(n)), time([join(BIN, 'platform.js'), 'status'], dir)) },
  { label: 'create-service --answers, keys', n: 6_250, run: (dir, n) => (writeFileSync(join(dir, 'a.yaml'), answers(n)), time([join(BIN, 'create-service.js'), 'x', '--yes', '--no-install', '--no-git', '--answers', 'a.yaml'], dir)) },
];

const floor = median([0, 1, 2].map(() => time([join(BIN, 'platform.js'), '--version'], tmpdir())));
for (const c of cases) {
  const ms = [c.n, 8 * c.n].map((n) => {
    const dir = mkdtempSync(join(tmpdir(), 'scaling-'));
    try {
      return median([0, 1, 2].map(() => c.run(dir, n))) - floor;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  console.log(`${c.label}: ${c.n} -> ${Math.round(ms[0])} ms, ${8 * c.n} -> ${Math.round(ms[1])} ms, ratio ${(ms[1] / ms[0]).toFixed(1)} (8 = linear, 64 = quadratic)`);
}
