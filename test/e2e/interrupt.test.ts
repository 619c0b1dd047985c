/**
 * Promise: nothing is lost when a run is stopped. Each of create, add and upgrade is stopped
 * by SIGINT, SIGTERM and SIGKILL before every single file-system change it makes in turn (a
 * preloaded script counts them: fixtures/kill-after.cjs); then the same command runs again and
 * the folder must end exactly as one uninterrupted run leaves it, local edits included.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installedBins, tempDir } from './harness.js';

const KILLER = join(import.meta.dirname, 'fixtures', 'kill-after.cjs');
let bins: { 'create-service': string; platform: string };
let home = '';

function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

function run(bin: 'create-service' | 'platform', args: string[], cwd: string, kill?: { after: number; signal: string }) {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), CI: 'true', NO_COLOR: '1', PLATFORM_NO_CACHE: '1' };
  delete env.NODE_OPTIONS;
  if (kill) Object.assign(env, { KILL_AFTER: String(kill.after), KILL_SIGNAL: kill.signal });
  else env.KILL_AFTER = '0';
  const r = spawnSync(process.execPath, ['--require', KILLER, bins[bin], ...args], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return { code: r.status, signal: r.signal, stderr: r.stderr, calls: Number(/fs-calls=(\d+)/.exec(r.stderr)?.[1] ?? NaN) };
}

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
  args: string[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'create-service',
    setup: (dir) => dir,
    bin: 'create-service',
    args: ['svc', '--template', '__V1__', '--yes', '--no-install', '--no-git'],
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
    args: ['add', '__V1__', '--yes'],
  },
  {
    name: 'platform upgrade (with a local edit)',
    setup: (dir) => {
      const created = run('create-service', ['svc', '--template', join(home, 'versions'), '--yes', '--no-install', '--no-git'], dir);
      expect(created.code, created.stderr).toBe(0);
      const project = join(dir, 'svc');
      writeFileSync(join(project, 'a.txt'), 'one (mine)\ntwo\nhello world\n');
      cpSync(join(home, 'next'), join(home, 'versions', '1.1.0'), { recursive: true });
      return project;
    },
    bin: 'platform',
    args: ['upgrade', '--yes'],
  },
];

describe.each(SCENARIOS)('$name, stopped before each file-system change', (scenario) => {
  it('ends, after running again, exactly as an uninterrupted run', () => {
    const args = scenario.args.map((a) => (a === '__V1__' ? join(home, 'v1') : a));
    const reset = (): void => spawnSync('rm', ['-rf', join(home, 'versions', '1.1.0')]);

    reset();
    const reference = tempDir('interrupt-ref-');
    const cwd = scenario.setup(reference);
    const clean = run(scenario.bin, args, cwd);
    expect(clean.code, clean.stderr).toBe(0);
    const expected = tree(reference);
    if (scenario.name.startsWith('platform upgrade')) expect(expected['svc/a.txt']).toBe('one (mine)\ntwo\nhello world!\n');
    const steps = clean.calls;
    expect(steps).toBeGreaterThan(5);

    for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL']) {
      for (let after = 1; after <= steps; after++) {
        reset();
        const dir = tempDir('interrupt-run-');
        const where = scenario.setup(dir);
        const stopped = run(scenario.bin, args, where, { after, signal });
        const again = run(scenario.bin, args, where);
        // The job was already complete (killed while cleaning up): a create or add then says so.
        const done = again.code === 2 && /already/.test(again.stderr);
        expect(again.code === 0 || done, `${signal} at ${after}: rerun exit ${again.code}\n${again.stderr}\n(first run: ${stopped.code ?? stopped.signal})`).toBe(true);
        expect(tree(dir), `${signal} before change ${after} of ${steps}`).toEqual(expected);
      }
    }
  }, 600_000);
});
