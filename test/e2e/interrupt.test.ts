/**
 * Promise: nothing is lost when a run is stopped, checked on a real disk with the packed binary.
 * Each of create, add and upgrade is killed (SIGKILL) half way through the file-system changes
 * it makes (a preloaded script counts them: fixtures/kill-after.cjs), and the upgrade is also
 * stopped there by Ctrl-C (SIGINT: the CLI's handler, its message and exit code); then the same
 * command runs again and the folder must end exactly as one uninterrupted run leaves it, local
 * edits included.
 *
 * The same promise at every single kill point, for each command, is test/unit/interrupt-sweep
 * (in-process on memfs: a spawn per kill point made this file take minutes).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedBins, tempDir } from './harness.js';

const KILLER = join(import.meta.dirname, 'fixtures', 'kill-after.cjs');
const STAGING = '.platform-staging';
let bins: { 'create-service': string; platform: string };
let home = '';

/** Every file (with its content) and every folder under dir: an empty folder left behind counts. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) {
        out[`${relative(dir, full)}/`] = '';
        walk(full);
      } else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  calls: number;
}

function run(bin: 'create-service' | 'platform', args: string[], cwd: string, kill?: { after: number; signal: string }): Run {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), CI: 'true', NO_COLOR: '1', PLATFORM_NO_CACHE: '1' };
  delete env.NODE_OPTIONS;
  if (kill) Object.assign(env, { KILL_AFTER: String(kill.after), KILL_SIGNAL: kill.signal });
  else env.KILL_AFTER = '0';
  // A bound on a hang only (a loaded CI machine is slow, never this slow); not a speed check.
  const r = spawnSync(process.execPath, ['--require', KILLER, bins[bin], ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, calls: Number(/fs-calls=(\d+)/.exec(r.stderr)?.[1] ?? NaN) };
}

const show = (r: Run): string => `exit ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

function template(dir: string, version: string, files: Record<string, string>): void {
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), `name: small\nversion: ${version}\nquestions:\n  - { name: who, type: string, default: world }\n`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, 'files', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'files', path), text);
  }
}

beforeAll(async () => {
  bins = await installedBins();
  home = tempDir('interrupt-');
  template(join(home, 'v1'), '1.0.0', { 'a.txt.hbs': 'one\ntwo\nhello {{who}}\n', 'sub/b.txt': 'b\n', 'gone.txt': 'retired in 1.1.0\n' });
  template(join(home, 'versions', '1.0.0'), '1.0.0', { 'a.txt.hbs': 'one\ntwo\nhello {{who}}\n', 'sub/b.txt': 'b\n', 'gone.txt': 'retired in 1.1.0\n' });
  template(join(home, 'next'), '1.1.0', { 'a.txt.hbs': 'one\ntwo\nhello {{who}}!\n', 'sub/b.txt': 'b\n', 'new/c.txt': 'c\n' });
});

interface Scenario {
  name: string;
  /** Makes the folder the command runs in; returns it. */
  setup(dir: string): string;
  bin: 'create-service' | 'platform';
  args: () => string[];
  signals: Array<'SIGKILL' | 'SIGINT'>;
}

const SCENARIOS: Scenario[] = [
  {
    name: 'create-service',
    setup: (dir) => dir,
    bin: 'create-service',
    args: () => ['svc', '--template', join(home, 'v1'), '--yes', '--no-install', '--no-git'],
    signals: ['SIGKILL'],
  },
  {
    name: 'platform add (into a project with its own files)',
    setup: (dir) => {
      const project = join(dir, 'svc');
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, 'package.json'), '{\n  "name": "svc"\n}\n');
      writeFileSync(join(project, 'a.txt'), 'one\ntwo\nhello world\n');
      return project;
    },
    bin: 'platform',
    args: () => ['add', join(home, 'v1'), '--yes'],
    signals: ['SIGKILL'],
  },
  {
    name: 'platform upgrade (with a local edit)',
    setup: (dir) => {
      rmSync(join(home, 'versions', '1.1.0'), { recursive: true, force: true });
      const created = run('create-service', ['svc', '--template', join(home, 'versions'), '--yes', '--no-install', '--no-git'], dir);
      expect(created.code, show(created)).toBe(0);
      const project = join(dir, 'svc');
      writeFileSync(join(project, 'a.txt'), 'one (mine)\ntwo\nhello world\n');
      cpSync(join(home, 'next'), join(home, 'versions', '1.1.0'), { recursive: true });
      return project;
    },
    bin: 'platform',
    args: () => ['upgrade', '--yes'],
    signals: ['SIGKILL', 'SIGINT'],
  },
];

describe.each(SCENARIOS)('$name, stopped half way through its file-system changes', (scenario) => {
  let expected: Record<string, string> = {};
  let steps = 0;

  beforeAll(() => {
    const reference = tempDir('interrupt-ref-');
    const cwd = scenario.setup(reference);
    const clean = run(scenario.bin, scenario.args(), cwd);
    expect(clean.code, show(clean)).toBe(0);
    expected = tree(reference);
    if (scenario.name.startsWith('platform upgrade')) expect(expected['svc/a.txt']).toBe('one (mine)\ntwo\nhello world!\n');
    steps = clean.calls;
    expect(steps).toBeGreaterThan(5);
  });

  it.each(scenario.signals)('%s, then run again: exactly as an uninterrupted run', (signal) => {
    const after = Math.ceil(steps / 2);
    const dir = tempDir('interrupt-run-');
    const where = scenario.setup(dir);
    const stopped = run(scenario.bin, scenario.args(), where, { after, signal });
    if (signal === 'SIGKILL') expect(stopped.signal, show(stopped)).toBe('SIGKILL');
    else {
      // Ctrl-C: the CLI's handler says so and exits 130, without a stack trace.
      expect(stopped.code, show(stopped)).toBe(130);
      expect(stopped.stderr).toMatch(/Cancelled/);
      expect(stopped.stderr).not.toMatch(/\n\s+at /);
    }
    // Half way: the run had begun to write and had not finished, so the next run has work to undo.
    const left = tree(dir);
    expect(Object.keys(left).some((path) => path.split('/').includes(STAGING)), `${STAGING} after a stop before change ${after} of ${steps}`).toBe(true);
    expect(left).not.toEqual(expected);

    const again = run(scenario.bin, scenario.args(), where);
    expect(again.code, `${signal} before change ${after} of ${steps}, then:\n${show(again)}\n(stopped run: ${show(stopped)})`).toBe(0);
    expect(again.stderr).toMatch(/earlier run/);
    expect(tree(dir), `${signal} before change ${after} of ${steps}, then run again`).toEqual(expected);
  });
});
