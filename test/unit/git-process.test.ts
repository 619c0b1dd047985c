/**
 * runGit against real git: every setting that makes git run a command is armed with a payload
 * that appends to a canary file. Each case first proves the payload fires with plain git (same
 * repository, same config, same command), then that it does not fire through runGit.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { overridesFor, runGit } from '../../src/core/git-process.js';
import { PlatformError } from '../../src/core/errors.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Scene {
  repo: string;
  canary: string;
  env: Record<string, string>;
  /** A shell command that records `label` in the canary (and passes stdin through, for filters). */
  payload(label: string): string;
  /** Plain git, as the user's own git would run it. */
  plain(args: string[], extraEnv?: Record<string, string>): { status: number | null; stderr: string };
  fired(): string[];
  reset(): void;
}

/** A committed repository (a.txt, b.txt) with its own global config file; nothing armed yet. */
function scene(): Scene {
  const home = realpathSync(mkdtempSync(join(tmpdir(), 'git-process-')));
  made.push(home);
  const repo = join(home, 'repo');
  mkdirSync(repo);
  const canary = join(home, 'canary');
  const env = { ...stringEnv(), HOME: home, GIT_CONFIG_GLOBAL: join(home, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  writeFileSync(env.GIT_CONFIG_GLOBAL, '[user]\n\tname = T\n\temail = t@example.com\n[init]\n\tdefaultBranch = main\n');
  const plain = (args: string[], extraEnv: Record<string, string> = {}) => {
    const r = spawnSync('git', args, { cwd: repo, env: { ...env, ...extraEnv }, encoding: 'utf8' });
    return { status: r.status, stderr: r.stderr };
  };
  const must = (args: string[]) => expect(plain(args).status, args.join(' ')).toBe(0);
  must(['init', '-q']);
  writeFileSync(join(repo, 'a.txt'), 'one\n');
  writeFileSync(join(repo, 'b.txt'), 'two\n');
  must(['add', '-A']);
  must(['commit', '-q', '-m', 'first']);
  return {
    repo,
    canary,
    env,
    payload: (label) => `sh -c 'echo ${label} >> "${canary}"; cat' --`,
    plain,
    fired: () => (existsSync(canary) ? readFileSync(canary, 'utf8').split('\n').filter(Boolean) : []),
    reset: () => {
      if (existsSync(canary)) unlinkSync(canary);
    },
  };
}

function stringEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  return env;
}

const config = (s: Scene, scope: '--global' | '--local', key: string, value: string) =>
  expect(s.plain(['config', scope, key, value]).status).toBe(0);

/** Runs `args` with plain git (the payload must fire), restores, then through runGit (it must not). */
async function armedThenSafe(s: Scene, label: string, args: string[], prepare: () => void = () => undefined, extraEnv: Record<string, string> = {}) {
  prepare();
  s.plain(args, extraEnv);
  expect(s.fired(), `control: plain git ${args.join(' ')} should run the ${label} payload`).toContain(label);
  s.reset();
  prepare();
  const result = await runGit(args, { cwd: s.repo, env: { ...s.env, ...extraEnv } });
  expect(s.fired(), `runGit ${args.join(' ')}: ${result.stderr}`).toEqual([]);
  return result;
}

describe('runGit runs no command git could be configured to run', () => {
  it('hooks: a relative core.hooksPath in the global config, pointing into the work tree', async () => {
    const s = scene();
    config(s, '--global', 'core.hooksPath', '.githooks');
    mkdirSync(join(s.repo, '.githooks'));
    for (const hook of ['pre-commit', 'commit-msg', 'post-commit']) {
      writeFileSync(join(s.repo, '.githooks', hook), `#!/bin/sh\necho ${hook} >> "${s.canary}"\n`);
      chmodSync(join(s.repo, '.githooks', hook), 0o755);
    }
    let n = 0;
    const result = await armedThenSafe(s, 'post-commit', ['commit', '-q', '--no-verify', '--allow-empty', '-m', 'x'], () => writeFileSync(join(s.repo, 'a.txt'), `edit ${n++}\n`));
    expect(result.exitCode).toBe(0);
  });

  it('core.fsmonitor of the repository (runs on status)', async () => {
    const s = scene();
    const script = join(s.repo, '..', 'fsmonitor.sh');
    writeFileSync(script, `#!/bin/sh\necho fsmonitor >> "${s.canary}"\nexit 1\n`);
    chmodSync(script, 0o755);
    config(s, '--local', 'core.fsmonitor', script);
    const result = await armedThenSafe(s, 'fsmonitor', ['status', '--porcelain']);
    expect(result.exitCode).toBe(0);
  });

  it('filter clean, required, from the global config, used by a .gitattributes (add, status)', async () => {
    const s = scene();
    config(s, '--global', 'filter.evil.clean', s.payload('clean'));
    config(s, '--global', 'filter.evil.required', 'true');
    writeFileSync(join(s.repo, '.gitattributes'), '* filter=evil\n');
    let n = 0;
    const touch = () => writeFileSync(join(s.repo, 'a.txt'), `changed ${n++}\n`);
    expect((await armedThenSafe(s, 'clean', ['add', '-A'], touch)).exitCode).toBe(0);
    expect((await armedThenSafe(s, 'clean', ['hash-object', 'a.txt'], touch)).exitCode).toBe(0);
  });

  it('filter process and smudge from the repository config (add, checkout)', async () => {
    const s = scene();
    config(s, '--local', 'filter.long.process', s.payload('process'));
    config(s, '--local', 'filter.Mixed.Case.smudge', s.payload('smudge'));
    writeFileSync(join(s.repo, '.gitattributes'), 'a.txt filter=long\nb.txt filter=Mixed.Case\n');
    let n = 0;
    expect((await armedThenSafe(s, 'process', ['add', 'a.txt'], () => writeFileSync(join(s.repo, 'a.txt'), `p ${n++}\n`))).exitCode).toBe(0);
    expect((await armedThenSafe(s, 'smudge', ['checkout', '--', 'b.txt'], () => rmSync(join(s.repo, 'b.txt'), { force: true }))).exitCode).toBe(0);
  });

  it('diff drivers: textconv and command from config, diff.external, GIT_EXTERNAL_DIFF', async () => {
    const s = scene();
    config(s, '--local', 'diff.tc.textconv', s.payload('textconv'));
    config(s, '--global', 'diff.cmd.command', s.payload('command'));
    writeFileSync(join(s.repo, '.gitattributes'), 'a.txt diff=tc\nb.txt diff=cmd\n');
    writeFileSync(join(s.repo, 'a.txt'), 'changed\n');
    writeFileSync(join(s.repo, 'b.txt'), 'changed\n');
    await armedThenSafe(s, 'textconv', ['diff', '--', 'a.txt']);
    await armedThenSafe(s, 'command', ['diff', '--', 'b.txt']);
    writeFileSync(join(s.repo, '..', 'ext.sh'), `#!/bin/sh\necho external >> "${s.canary}"\n`);
    chmodSync(join(s.repo, '..', 'ext.sh'), 0o755);
    await armedThenSafe(s, 'external', ['diff', '--', 'a.txt'], () => undefined, { GIT_EXTERNAL_DIFF: join(s.repo, '..', 'ext.sh') });
    config(s, '--global', 'diff.external', join(s.repo, '..', 'ext.sh'));
    await armedThenSafe(s, 'external', ['diff', '--', 'a.txt']);
  });

  it('a merge driver from the repository config, used by a .gitattributes', async () => {
    const s = scene();
    config(s, '--local', 'merge.evil.driver', `sh -c 'echo driver >> "${s.canary}"; exit 0'`);
    writeFileSync(join(s.repo, '.gitattributes'), '*.txt merge=evil\n');
    expect(s.plain(['add', '-A']).status).toBe(0);
    expect(s.plain(['commit', '-q', '-m', 'attributes']).status).toBe(0);
    expect(s.plain(['checkout', '-q', '-b', 'side']).status).toBe(0);
    writeFileSync(join(s.repo, 'a.txt'), 'side\n');
    expect(s.plain(['commit', '-q', '-am', 'side']).status).toBe(0);
    expect(s.plain(['checkout', '-q', 'main']).status).toBe(0);
    writeFileSync(join(s.repo, 'a.txt'), 'main\n');
    expect(s.plain(['commit', '-q', '-am', 'main']).status).toBe(0);
    const undo = () => {
      s.plain(['merge', '--abort']);
      s.plain(['reset', '-q', '--hard', 'main']);
    };
    // The CLI never merges with git; what matters is that the driver's command does not run.
    await armedThenSafe(s, 'driver', ['merge', '-q', '--no-edit', 'side'], undo);
  });

  it('a folder laid out as a bare repository (rendered HEAD, config, objects, refs) is not taken for one', async () => {
    const s = scene();
    const fake = join(s.repo, '..', 'fake');
    mkdirSync(join(fake, 'objects'), { recursive: true });
    mkdirSync(join(fake, 'refs'));
    writeFileSync(join(fake, 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(fake, 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = true\n');
    expect(spawnSync('git', ['rev-parse', '--git-dir'], { cwd: fake, env: s.env, encoding: 'utf8' }).stdout.trim()).toBe('.');
    const result = await runGit(['rev-parse', '--git-dir'], { cwd: fake, env: s.env });
    expect(result.exitCode).not.toBe(0);
  });
});

describe('runGit errors', () => {
  it('git missing from PATH: a PlatformError git-missing with a hint, not a crash', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'git-missing-')));
    made.push(dir);
    const error = await runGit(['status'], { cwd: dir, env: { PATH: join(dir, 'nothing-here') } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect((error as PlatformError).code).toBe('git-missing');
    expect((error as PlatformError).exitCode).toBe(1);
    expect((error as PlatformError).message).toMatch(/git is not installed/);
    expect((error as PlatformError).hint).toMatch(/PATH/);
  });
});

describe('overridesFor', () => {
  it('empties every command of each filter, diff and merge driver; ignores settings that are not drivers', () => {
    expect(overridesFor(['filter.lfs.clean', 'filter.lfs.smudge', 'diff.a.b.textconv', 'merge.x.driver', 'diff.renames', 'merge.conflictstyle', 'core.fsmonitor'])).toEqual([
      'filter.lfs.clean=', 'filter.lfs.smudge=', 'filter.lfs.process=', 'filter.lfs.required=false',
      'diff.a.b.command=', 'diff.a.b.textconv=',
      'merge.x.driver=',
    ]);
  });

  it('refuses a driver name git could not take back on a command line', () => {
    expect(() => overridesFor(['filter.a=b.clean'])).toThrow(/cannot override/);
  });

  it('refuses an absurd number of drivers', () => {
    expect(() => overridesFor(Array.from({ length: 501 }, (_, i) => `filter.f${i}.clean`))).toThrow(/at most 500/);
  });
});
