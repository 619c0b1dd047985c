/**
 * The install step with a stand-in `npm` first on PATH (no registry needed):
 * what it is run with, a failing install (exit 1, files kept), and Ctrl-C while
 * it runs (exit 130, and the message must not claim that nothing was written).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, keys, ptySession, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** A folder holding an executable `npm` shell script; returns env with it first on PATH. */
function fakeNpm(root: string, body: string): { env: Record<string, string>; log: string } {
  const bin = join(root, 'fake-bin');
  mkdirSync(bin);
  const log = join(root, 'npm-calls.log');
  writeFileSync(join(bin, 'npm'), `#!/bin/sh\necho "$PWD|$*" >> '${log}'\n${body}\n`);
  chmodSync(join(bin, 'npm'), 0o755);
  return { env: { PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` }, log };
}

describe('install step', () => {
  it('runs `npm install` in the new folder, after the files are written', async () => {
    const cwd = tempDir();
    const npm = fakeNpm(cwd, 'test -f package.json || exit 9\nmkdir -p node_modules\nexit 0');
    const r = await cli('create-service', ['svc', '--yes', '--no-git', '--json'], { cwd, env: npm.env });
    expect(r.code, out(r)).toBe(0);
    const calls = readFileSync(npm.log, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(1);
    const [dir, args] = calls[0]!.split('|');
    expect(dir).toBe(join(cwd, 'svc'));
    expect(args).toMatch(/^install\b/);
    const doc = JSON.parse(r.stdout) as { steps: Array<{ name: string; status: string }> };
    expect(doc.steps).toContainEqual(expect.objectContaining({ name: 'install', status: 'done' }));
  });

  it('--no-install does not run npm', async () => {
    const cwd = tempDir();
    const npm = fakeNpm(cwd, 'exit 0');
    const r = await cli('create-service', ['svc', '--yes', '--no-git', '--no-install'], { cwd, env: npm.env });
    expect(r.code, out(r)).toBe(0);
    expect(existsSync(npm.log)).toBe(false);
  });

  it('a failing install: exit 1, the files are kept, and the message says what to run', async () => {
    const cwd = tempDir();
    const npm = fakeNpm(cwd, 'echo "npm error code E404 something-missing" >&2\nexit 1');
    const r = await cli('create-service', ['svc', '--yes', '--no-git', '--json'], { cwd, env: npm.env });
    expect(r.code, out(r)).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; exitCode: number; errors: Array<{ code: string; message: string; hint?: string }> };
    expect(doc).toMatchObject({ ok: false, exitCode: 1 });
    expect(doc.errors[0]!.message).toMatch(/install/i);
    expect(doc.errors[0]!.hint).toContain('npm install');
    expect(r.stderr).toContain('E404');
    expect(existsSync(join(cwd, 'svc', 'package.json'))).toBe(true);
    expect(existsSync(join(cwd, 'svc', '.platform.yaml'))).toBe(true);
  });

  it('Ctrl-C while installing: exit 130, the files stay, and the message does not say "nothing was written"', async () => {
    const cwd = tempDir();
    const npm = fakeNpm(cwd, 'sleep 30');
    const s = await ptySession('create-service', ['svc', '--yes', '--no-git'], { cwd, env: npm.env });
    await s.waitFor(/Installing dependencies/);
    s.write(keys.ctrlC);
    const exit = await s.exit();
    expect(exit, s.output()).toEqual({ code: 130, signal: null });
    expect(existsSync(join(cwd, 'svc', 'package.json'))).toBe(true);
    expect(s.output()).toMatch(/Cancelled/i);
    // the files were written before the install started; saying otherwise misleads the user
    expect(s.output()).not.toMatch(/nothing was written/i);
  });
});
