/**
 * The upgrade's dirty check against real git: it names the files with uncommitted changes, and
 * when git cannot answer inside a repository it stops the upgrade (fails closed) instead of
 * reporting "nothing uncommitted".
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { uncommittedPaths } from '../../src/steps/git-index.js';
import { ExitCode, PlatformError } from '../../src/core/errors.js';

const made: string[] = [];
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function committedRepo(): string {
  const repo = realpathSync(mkdtempSync(join(tmpdir(), 'git-index-')));
  made.push(repo);
  const git = (...args: string[]) => spawnSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '--quiet');
  writeFileSync(join(repo, 'a.txt'), 'a\n');
  writeFileSync(join(repo, 'b.txt'), 'b\n');
  git('add', '--all');
  expect(git('commit', '--quiet', '--no-verify', '-m', 'first').status).toBe(0);
  return repo;
}

it('names the files with uncommitted changes, and none outside git', async () => {
  const repo = committedRepo();
  writeFileSync(join(repo, 'b.txt'), 'changed\n');
  expect(await uncommittedPaths(repo, ['a.txt', 'b.txt'])).toEqual(['b.txt']);
  const outside = realpathSync(mkdtempSync(join(tmpdir(), 'git-index-outside-')));
  made.push(outside);
  expect(await uncommittedPaths(outside, ['a.txt'])).toEqual([]);
});

it('fails closed when git cannot read the repository (a corrupt index): exit 5 with the hint, never "clean"', async () => {
  const repo = committedRepo();
  writeFileSync(join(repo, '.git', 'index'), 'not an index');
  const error = await uncommittedPaths(repo, ['a.txt']).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  expect((error as PlatformError).code).toBe('dirty-check-failed');
  expect((error as PlatformError).exitCode).toBe(ExitCode.unsafe);
  expect((error as PlatformError).hint).toContain('--allow-dirty');
});
