/**
 * SECURITY.md promise (issue 11, classes 2, 5, 10): every path read from the repository (the
 * lockfile's files:, the recovery journal, renames) is checked like a rendered path; nothing is
 * read or written through a link, a FIFO or a device; a journal this CLI did not write for this
 * root is never replayed. Each test builds its hostile repository on memfs and checks that
 * nothing outside it changed.
 */
import { lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { markPending, runHookStep } from '../../src/hooks/hooks.js';
import { nodeFs } from '../../src/core/node-fs.js';
import { ExitCode } from '../../src/core/errors.js';
import { serializeLockfile, type Lockfile } from '../../src/lock/lockfile.js';
import type { Volume } from 'memfs';
import { checkedTarget } from '../../src/core/target.js';
import { parseLockfile } from '../../src/lock/lockfile.js';
import { readOurs } from '../../src/plan/read-ours.js';
import { applyWrites, recoverInterrupted } from '../../src/apply/apply.js';
import { inferAnswers } from '../../src/cli/infer.js';
import { EMPTY_LOCKFILE } from '../../src/lock/lockfile.js';
import { PlatformError } from '../../src/core/errors.js';
import type { Fs } from '../../src/core/fs.js';
import { memoryFs } from '../helpers/memfs.js';
import { OUTSIDE, ROOT, hostileRepo, lockText, platform, show, withSpecialFile } from '../helpers/hostile-repo.js';

/** Every file in the volume with its content: the whole world, before and after. */
function world(vol: InstanceType<typeof Volume>): Record<string, string | null> {
  return vol.toJSON();
}

async function refusal(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('checkedTarget: the one door from a relative path to a file', () => {
  const origin = { what: 'the test' };

  it.each([
    ['../outside/x', 'climbs out'],
    ['/etc/passwd', 'absolute'],
    ['.git/hooks/pre-commit', '.git'],
    ['.GIT/config', '.git'],
    ['.PLATFORM.YAML', 'belongs to the platform CLI'],
    ['.Platform-Staging/journal.json', 'belongs to the platform CLI'],
    ['.platform\u200b.yaml', 'belongs to the platform CLI'],
    ['a\0b', 'NUL'],
    ['a\\..\\b', 'backslash'],
  ])('refuses %j (%s) with exit 5 before touching the disk', async (path, reason) => {
    const { fs, vol } = hostileRepo();
    const before = world(vol);
    const error = await refusal(checkedTarget(fs, ROOT, path, origin));
    expect(error).toMatchObject({ code: 'unsafe-path', exitCode: 5 });
    expect(error.message).toContain(reason);
    expect(world(vol)).toEqual(before);
  });

  it('refuses a path whose parent folder is a link pointing outside', async () => {
    const { fs, vol } = hostileRepo();
    vol.symlinkSync(OUTSIDE, `${ROOT}/linked`);
    const error = await refusal(checkedTarget(fs, ROOT, 'linked/secret.txt', origin));
    expect(error).toMatchObject({ code: 'target-symlink', exitCode: 5 });
    expect(error.message).toContain('linked is a symbolic link');
  });

  it('refuses a link, a folder, a FIFO and a device at the path itself', async () => {
    const { fs, vol } = hostileRepo();
    vol.symlinkSync(`${OUTSIDE}/secret.txt`, `${ROOT}/link.txt`);
    expect(await refusal(checkedTarget(fs, ROOT, 'link.txt', origin))).toMatchObject({ code: 'target-symlink', exitCode: 5 });
    expect(await refusal(checkedTarget(fs, ROOT, 'src', origin))).toMatchObject({ code: 'path-in-the-way', exitCode: 5 });
    const fifo = await refusal(checkedTarget(withSpecialFile(fs, `${ROOT}/README.md`), ROOT, 'README.md', origin));
    expect(fifo.message).toContain('FIFO');
    const device = await refusal(checkedTarget(withSpecialFile(fs, `${ROOT}/README.md`, 0o020000), ROOT, 'README.md', origin));
    expect(device.message).toContain('device');
  });

  it('answers "nothing there" for a regular path under a missing folder, and the stat of a regular file', async () => {
    const { fs } = hostileRepo();
    expect((await checkedTarget(fs, ROOT, 'new/deep/file.txt', origin)).stat).toBeUndefined();
    expect((await checkedTarget(fs, ROOT, 'README.md', origin)).stat?.isFile()).toBe(true);
  });

  it('readOurs (every plan reads the disk through it) refuses a linked parent instead of reading outside', async () => {
    const { fs, vol } = hostileRepo();
    vol.symlinkSync(OUTSIDE, `${ROOT}/docs`);
    const error = await refusal(readOurs(fs, ROOT, ['docs/secret.txt']));
    expect(error).toMatchObject({ code: 'target-symlink', exitCode: 5 });
  });
});

describe('the lockfile is input: its files: keys are checked with their line', () => {
  it.each(['../outside', '/etc/x', '.git/hooks/pre-commit', '.PLATFORM.YAML', 'src/../../x'])('refuses %j with exit 5 and the line', (path) => {
    const text = lockText({ 'README.md': 'x', [path]: 'y' });
    const error = (() => {
      try {
        parseLockfile(text, '/repo/.platform.yaml');
      } catch (e) {
        return e as PlatformError;
      }
      return undefined;
    })();
    expect(error).toMatchObject({ code: 'unsafe-path', exitCode: 5 });
    const line = text.split('\n').findIndex((l) => l.includes(JSON.stringify(path).slice(1, -1)) || l.includes(path)) + 1;
    expect(error!.where).toMatchObject({ file: '/repo/.platform.yaml', line });
    expect(error!.message).toContain('the files of svc in the lockfile');
  });
});

describe('a lockfile the YAML reader cannot resolve', () => {
  it('an alias without its anchor is bad input (exit 2 with the file), not "unexpected error"', async () => {
    const { fs } = hostileRepo('*!');
    const result = await platform(fs, ['status']);
    expect(result.code, show(result)).toBe(2);
    expect(result.stderr).toContain('.platform.yaml uses YAML aliases');
    expect(result.stderr).not.toContain('bug');
  });
});

describe('platform status, diff and upgrade against hostile repositories (in-process, memfs)', () => {
  const commands = [['status'], ['diff'], ['upgrade', '--dry-run'], ['upgrade', '--yes', '--allow-dirty']];

  it('the clean repository works (the fixtures are right)', async () => {
    const { fs } = hostileRepo();
    const status = await platform(fs, ['status']);
    expect(status.code, show(status)).toBe(0);
    expect(status.stdout).toContain('1.1.0 available');
    const dry = await platform(fs, ['upgrade', '--dry-run']);
    expect(dry.code, show(dry)).toBe(0);
    expect(dry.stdout).toContain('src/main.txt');
  });

  for (const args of commands) {
    it(`${args.join(' ')}: a lockfile entry "../outside/x" is refused with exit 5 and its line`, async () => {
      const { fs, vol } = hostileRepo(lockText({ 'README.md': '# svc\n', '../outside/x': 'outside x\n' }));
      const before = world(vol);
      const result = await platform(fs, args);
      expect(result.code, show(result)).toBe(5);
      expect(result.stderr).toContain('../outside/x');
      expect(result.stderr).toMatch(/\.platform\.yaml:\d+/);
      expect(world(vol)).toEqual(before);
    });

    it(`${args.join(' ')}: a tracked file under a folder linked outside is refused`, async () => {
      const { fs, vol } = hostileRepo();
      vol.rmSync(`${ROOT}/src`, { recursive: true });
      vol.symlinkSync(OUTSIDE, `${ROOT}/src`);
      const before = world(vol);
      const result = await platform(fs, args);
      expect(result.code, show(result)).toBe(5);
      expect(result.stderr).toContain('src is a symbolic link');
      expect(world(vol)).toEqual(before);
    });

    it(`${args.join(' ')}: a FIFO at a tracked path is refused, never opened`, async () => {
      const { fs: inner, vol } = hostileRepo();
      const fs = withSpecialFile(inner, `${ROOT}/src/app.txt`);
      const before = world(vol);
      const result = await platform(fs, args);
      expect(result.code, show(result)).toBe(5);
      expect(result.stderr).toContain('FIFO');
      expect(world(vol)).toEqual(before);
    });
  }

  it('upgrade: a rename target that climbs out of the repository is refused', async () => {
    const { fs, vol } = hostileRepo();
    vol.writeFileSync('/tpl/1.1.0/template.yaml', 'name: svc\nversion: 1.1.0\nrenames:\n  - from: src/app.txt\n    to: ../outside/x\n');
    const before = world(vol);
    for (const args of [['upgrade', '--dry-run'], ['upgrade', '--yes', '--allow-dirty']]) {
      const result = await platform(fs, args);
      expect(result.code, show(result)).toBe(5);
      expect(result.stderr).toContain('the renames of svc@1.1.0');
    }
    expect(world(vol)).toEqual(before);
  });
});

describe('writes check every folder again right before each move', () => {
  /** An Fs that runs `swap` once, right after the journal is in place (between staging and renames). */
  function swapAfterJournal(inner: Fs, swap: () => void): Fs {
    let done = false;
    return new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
        if (prop !== 'rename') return value;
        return async (...args: unknown[]) => {
          const result = await value.apply(target, args);
          if (!done && String(args[1]).endsWith('/journal.json')) {
            done = true;
            swap();
          }
          return result;
        };
      },
    });
  }

  it('a folder swapped for a link to outside between staging and rename is not written through', async () => {
    const { fs, vol } = memoryFs({ '/work/repo/src/a.txt': 'old\n', '/work/outside/a.txt': 'outside\n' });
    const swapped = swapAfterJournal(fs, () => {
      vol.rmSync('/work/repo/src', { recursive: true });
      vol.symlinkSync('/work/outside', '/work/repo/src');
    });
    const outsideBefore = vol.toJSON('/work/outside');
    const error = await refusal(applyWrites(swapped, ROOT, [{ path: 'src/a.txt', bytes: new TextEncoder().encode('new\n'), executable: false }], { pid: 1 }));
    expect(error).toMatchObject({ code: 'target-symlink', exitCode: 5 });
    expect(vol.toJSON('/work/outside')).toEqual(outsideBefore);
  });

  it('a staging folder swapped for a link is not written through', async () => {
    const { fs, vol } = memoryFs({ '/work/repo/a.txt': 'old\n', '/work/outside/keep.txt': 'outside\n' });
    let swappedOnce = false;
    const swapping = new Proxy(fs, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
        if (prop !== 'writeFile') return value;
        return async (...args: unknown[]) => {
          const result = await value.apply(target, args);
          if (!swappedOnce && String(args[0]).includes('.platform-staging/new-')) {
            swappedOnce = true;
            vol.renameSync('/work/repo/.platform-staging', '/work/moved-staging');
            vol.symlinkSync('/work/outside', '/work/repo/.platform-staging');
          }
          return result;
        };
      },
    });
    const outsideBefore = vol.toJSON('/work/outside');
    const error = await refusal(
      applyWrites(swapping, ROOT, [
        { path: 'a.txt', bytes: new TextEncoder().encode('new\n'), executable: false },
        { path: 'b.txt', bytes: new TextEncoder().encode('b\n'), executable: false },
      ], { pid: 1 }),
    );
    expect(error).toMatchObject({ code: 'not-a-real-folder', exitCode: 5 });
    expect(vol.toJSON('/work/outside')).toEqual(outsideBefore);
    expect(vol.readFileSync('/work/repo/a.txt', 'utf8')).toBe('old\n');
  });
});

describe('recovery replays only a journal this CLI wrote for this root', () => {
  const STAGING = `${ROOT}/.platform-staging`;
  const journal = (over: Record<string, unknown> = {}, entries: unknown[] = [{ path: 'README.md', staged: 'new-0', backup: 'old-0' }]) =>
    JSON.stringify({ version: 2, root: ROOT, pid: 4242, createdRoot: false, createdDirs: [], entries, ...over });

  const forged: Array<[string, Record<string, string>]> = [
    ['a foreign root', { [`${STAGING}/journal.json`]: journal({ root: '/somewhere/else' }) }],
    ['an unknown version', { [`${STAGING}/journal.json`]: journal({ version: 1 }) }],
    ['a journal without a root (version 1 format)', { [`${STAGING}/journal.json`]: JSON.stringify({ version: 1, pid: 4242, createdRoot: false, createdDirs: [], entries: [] }) }],
    ['an entry climbing out', { [`${STAGING}/journal.json`]: journal({}, [{ path: '../outside/secret.txt', backup: 'old-0' }]), [`${STAGING}/old-0`]: 'pwned\n' }],
    ['an absolute entry', { [`${STAGING}/journal.json`]: journal({}, [{ path: `${OUTSIDE}/secret.txt`, backup: 'old-0' }]) }],
    ['an entry into .git', { [`${STAGING}/journal.json`]: journal({}, [{ path: '.git/hooks/pre-commit', backup: 'old-0' }]), [`${STAGING}/old-0`]: '#!/bin/sh\ntouch /tmp/pwned\n' }],
    ['a backup that is not ours', { [`${STAGING}/journal.json`]: journal({}, [{ path: 'README.md', backup: '../../outside/secret.txt' }]) }],
    ['a staged name that is not ours', { [`${STAGING}/journal.json`]: journal({}, [{ path: 'README.md', staged: '../README.md', backup: 'old-0' }]) }],
    ['a created folder outside', { [`${STAGING}/journal.json`]: journal({ createdDirs: ['../outside'] }) }],
    ['extra keys', { [`${STAGING}/journal.json`]: journal({ exec: 'rm -rf /' }) }],
    ['not JSON', { [`${STAGING}/journal.json`]: '{"version": 2,' }],
    ['a journal.json that is a folder', { [`${STAGING}/journal.json/x`]: '' }],
  ];

  for (const [what, files] of forged) {
    it(`refuses ${what} (exit 5), replays and deletes nothing`, async () => {
      const { fs, vol } = hostileRepo(undefined, files);
      const before = world(vol);
      const error = await refusal(recoverInterrupted(fs, ROOT, () => false));
      expect(error).toMatchObject({ code: 'journal-untrusted', exitCode: 5 });
      expect(error.hint).toContain('Inspect');
      expect(world(vol)).toEqual(before);
    });
  }

  it('refuses a symlinked staging folder without following it', async () => {
    const { fs, vol } = hostileRepo(undefined, { [`${OUTSIDE}/journal.json`]: journal() });
    vol.symlinkSync(OUTSIDE, STAGING);
    const before = world(vol);
    const error = await refusal(recoverInterrupted(fs, ROOT, () => false));
    expect(error).toMatchObject({ code: 'journal-untrusted', exitCode: 5 });
    expect(error.message).toContain('symbolic link');
    expect(world(vol)).toEqual(before);
  });

  it('refuses a journal bigger than any run writes, without reading it', async () => {
    const { fs: inner, vol } = hostileRepo(undefined, { [`${STAGING}/journal.json`]: journal() });
    const fs = new Proxy(inner, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
        if (prop === 'lstat') {
          return async (p: string) => {
            const stat = (await value.call(target, p)) as { size: number };
            return p.endsWith('journal.json') ? Object.assign(stat, { size: 1e9 }) : stat;
          };
        }
        if (prop === 'readFile') return async (p: string) => (p.endsWith('journal.json') ? new Promise(() => undefined) : value.call(target, p));
        return value;
      },
    });
    const before = world(vol);
    const error = await refusal(recoverInterrupted(fs, ROOT, () => false));
    expect(error.message).toContain('more than any run writes');
    expect(world(vol)).toEqual(before);
  });

  it('refuses a backup planted as a link, before moving anything', async () => {
    const { fs, vol } = hostileRepo(undefined, { [`${STAGING}/journal.json`]: journal({}, [{ path: 'README.md', backup: 'old-0' }]) });
    vol.symlinkSync(`${OUTSIDE}/secret.txt`, `${STAGING}/old-0`);
    const before = world(vol);
    const error = await refusal(recoverInterrupted(fs, ROOT, () => false));
    expect(error).toMatchObject({ code: 'journal-untrusted', exitCode: 5 });
    expect(world(vol)).toEqual(before);
  });

  it('status, diff and upgrade --dry-run refuse a forged journal too (they never replay)', async () => {
    const { fs, vol } = hostileRepo(undefined, { [`${STAGING}/journal.json`]: journal({ root: '/somewhere/else' }) });
    const before = world(vol);
    for (const args of [['status'], ['diff'], ['upgrade', '--dry-run'], ['upgrade', '--yes', '--allow-dirty']]) {
      const result = await platform(fs, args);
      expect(result.code, show(result)).toBe(5);
      expect(result.stderr).toContain('did not write for');
    }
    expect(world(vol)).toEqual(before);
  });

  it('still replays its own journal (written by applyWrites for this root)', async () => {
    const { fs, vol } = memoryFs({ '/work/repo/a.txt': 'old\n' });
    // Freeze after the journal is in place and the first file moved aside.
    let renames = 0;
    const frozen = new Proxy(fs, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
        if (prop !== 'rename') return value;
        return async (...args: unknown[]) => (++renames > 2 ? new Promise(() => undefined) : value.apply(target, args));
      },
    });
    void applyWrites(frozen, ROOT, [{ path: 'a.txt', bytes: new TextEncoder().encode('new\n'), executable: false }], { pid: 4242 });
    while (renames <= 2) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(JSON.parse(vol.readFileSync(`${STAGING}/journal.json`, 'utf8') as string)).toMatchObject({ version: 2, root: ROOT });
    expect(await recoverInterrupted(fs, ROOT, () => false)).toContain('put back');
    expect(vol.toJSON('/work/repo')).toEqual({ '/work/repo/a.txt': 'old\n' });
  });
});

describe('platform add guesses answers only from regular files', () => {
  it('skips a package.json linked outside and a FIFO .env.example (no read outside, no hang)', async () => {
    const { fs: inner, vol } = memoryFs({ '/work/outside/package.json': '{"name":"leaked-secret"}', '/work/repo/.keep': '' });
    vol.symlinkSync('/work/outside/package.json', '/work/repo/package.json');
    vol.writeFileSync('/work/repo/.env.example', 'PORT=1\n');
    const fs = withSpecialFile(inner, '/work/repo/.env.example');
    const inferred = await inferAnswers(fs, ROOT, EMPTY_LOCKFILE);
    expect(inferred.has('name')).toBe(false);
    expect(inferred.has('port')).toBe(false);
  });

  it('still guesses from regular files', async () => {
    const { fs } = memoryFs({ '/work/repo/package.json': '{"name":"@acme/billing"}', '/work/repo/.env.example': 'PORT=8080\n' });
    const inferred = await inferAnswers(fs, ROOT, EMPTY_LOCKFILE);
    expect(Object.fromEntries(inferred)).toMatchObject({ name: 'billing', port: 8080 });
  });
});

describe('the lockfile rewrite after hooks goes through the same writer', () => {
  it('never writes through a planted .platform.yaml.PID.tmp link (it used to)', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hostile-hooks-'));
    try {
      const repo = join(scratch, 'repo');
      const victim = join(scratch, 'victim.txt');
      writeFileSync(victim, 'precious\n');
      const components = [{ name: 'hooked', version: '1.0.0', source: 'dir:/t', hooks: [{ description: 'nothing', argv: [process.execPath, '-e', ''] }] }];
      const lock: Lockfile = markPending({ schemaVersion: 1, templates: [{ name: 'hooked', version: '1.0.0', source: 'dir:/t', answers: {}, files: {} }] }, components);
      await nodeFs.mkdir(repo, { recursive: true });
      writeFileSync(join(repo, '.platform.yaml'), serializeLockfile(lock));
      symlinkSync(victim, join(repo, `.platform.yaml.${process.pid}.tmp`));
      const out = { line: () => undefined, note: () => undefined, warn: () => undefined, fail: () => ExitCode.unexpected, set: () => undefined };
      const code = await runHookStep({ fs: nodeFs, root: repo, components, lockfile: lock, trust: true, trustList: [], configFile: '/c.yaml', ask: undefined, conflicts: false, out });
      expect(code).toBe(ExitCode.ok);
      expect(readFileSync(victim, 'utf8')).toBe('precious\n');
      expect(lstatSync(join(repo, '.platform.yaml')).isFile()).toBe(true);
      expect(readFileSync(join(repo, '.platform.yaml'), 'utf8')).not.toContain('pending');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
