/**
 * SECURITY.md promise (issue 11, classes 2 and 10): the repository the CLI runs in is input.
 * Each test builds a hostile repository itself on the real disk (a lockfile whose files: climb
 * out or into .git/ or name the lockfile in another case, a folder linked outside, a FIFO at a
 * tracked path, a forged recovery journal, a linked staging folder) and runs `platform status`,
 * `platform diff`, `platform upgrade --dry-run` and `platform upgrade` against it: each exits 5
 * with a message naming the problem, never hangs, and nothing in the scratch folder (the
 * repository, its templates and the "outside" folder beside it) changed.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}${r.timedOut ? ' (TIMED OUT)' : ''}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

const WRITTEN: Record<string, string> = { 'README.md': '# svc\n', 'src/app.txt': 'app v1\n' };

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** The lockfile the CLI would have written, with whatever files: keys the attacker chose. */
function lockText(tpl: string, files: Record<string, string>): string {
  const lines = ['schemaVersion: 1', 'templates:', '  - name: svc', '    version: 1.0.0', `    source: ${JSON.stringify(`dir:${tpl}`)}`, '    answers: {}', '    files:'];
  for (const [path, text] of Object.entries(files)) lines.push(`      ${JSON.stringify(path)}:`, '        policy: merge', `        sha256: ${sha(text)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * scratch/tpl (the template in two versions), scratch/outside (must never change) and
 * scratch/repo (made at 1.0.0), all built here; returns the paths.
 */
function scratchRepo(files: Record<string, string> = WRITTEN) {
  const scratch = tempDir('hostile-repo-');
  const tpl = join(scratch, 'tpl');
  const outside = join(scratch, 'outside');
  const repo = join(scratch, 'repo');
  write(join(tpl, '1.0.0/template.yaml'), 'name: svc\nversion: 1.0.0\n');
  for (const [path, text] of Object.entries(WRITTEN)) write(join(tpl, '1.0.0/files', path), text);
  write(join(tpl, '1.1.0/template.yaml'), 'name: svc\nversion: 1.1.0\n');
  write(join(tpl, '1.1.0/files/README.md'), '# svc\n\nv1.1\n');
  write(join(tpl, '1.1.0/files/src/app.txt'), 'app v2\n');
  write(join(outside, 'secret.txt'), 'outside secret\n');
  write(join(outside, 'app.txt'), 'app v1\n');
  for (const [path, text] of Object.entries(WRITTEN)) write(join(repo, path), text);
  write(join(repo, '.platform.yaml'), lockText(tpl, files));
  return { scratch, tpl, outside, repo };
}

/** Every entry under dir, without following links: type, mode, content or link target. */
function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (path: string) => {
    const stat = lstatSync(path);
    const key = path.slice(dir.length) || '/';
    if (stat.isSymbolicLink()) result[key] = `link -> ${readlinkSync(path)}`;
    else if (stat.isDirectory()) {
      result[key] = `dir ${stat.mode.toString(8)}`;
      for (const name of readdirSync(path).sort()) walk(join(path, name));
    } else if (stat.isFile()) result[key] = `file ${stat.mode.toString(8)} ${readFileSync(path, 'utf8')}`;
    else result[key] = `special ${stat.mode.toString(8)}`;
  };
  walk(dir);
  return result;
}

const COMMANDS = [['status'], ['diff'], ['upgrade', '--dry-run'], ['upgrade', '--yes', '--allow-dirty']];

/** Runs every command in repo; each must exit 5 within the timeout, saying `expected`, changing nothing. */
async function expectRefusedEverywhere(scratch: string, repo: string, expected: RegExp): Promise<void> {
  const before = snapshot(scratch);
  for (const args of COMMANDS) {
    const result = await cli('platform', args, { cwd: repo, timeoutMs: 30_000 });
    expect(result.timedOut, `${args.join(' ')}\n${out(result)}`).toBe(false);
    expect(result.code, `${args.join(' ')}\n${out(result)}`).toBe(5);
    expect(result.stderr, `${args.join(' ')}\n${out(result)}`).toMatch(expected);
    expect(result.stderr).not.toMatch(/This is a bug/);
    expect(snapshot(scratch), `${args.join(' ')} changed the scratch folder`).toEqual(before);
  }
}

describe('a clean scratch repository (the fixture itself) works', () => {
  it('status exits 0 and upgrade --dry-run shows the upgrade', async () => {
    const { repo } = scratchRepo();
    const status = await cli('platform', ['status'], { cwd: repo });
    expect(status.code, out(status)).toBe(0);
    expect(status.stdout).toContain('1.1.0 available');
    const dry = await cli('platform', ['upgrade', '--dry-run'], { cwd: repo });
    expect(dry.code, out(dry)).toBe(0);
  });
});

describe('lockfile files: entries are checked like rendered paths (exit 5, with the line)', () => {
  const cases: Array<[string, (outside: string) => string, RegExp]> = [
    ['climbing out with ..', () => '../outside/secret.txt', /climbs out of the target/],
    ['absolute', (outside) => join(outside, 'secret.txt'), /it is absolute/],
    ['/etc/x', () => '/etc/x', /it is absolute/],
    ['into .git/', () => '.git/hooks/pre-commit', /lands inside \.git/],
    ['the lockfile in another case', () => '.PLATFORM.YAML', /belongs to the platform CLI/],
  ];
  for (const [label, path, reason] of cases) {
    it(`${label}: refused by status, diff, upgrade --dry-run and upgrade`, async () => {
      const probe = scratchRepo();
      const hostile = path(probe.outside);
      const { scratch, repo, outside } = { ...probe };
      writeFileSync(join(repo, '.platform.yaml'), lockText(probe.tpl, { ...WRITTEN, [hostile]: 'outside secret\n' }));
      if (hostile === '.git/hooks/pre-commit') write(join(repo, '.git/hooks/pre-commit'), '#!/bin/sh\ntouch "$0.canary"\n');
      await expectRefusedEverywhere(scratch, repo, new RegExp(`${reason.source}[\\s\\S]*\\.platform\\.yaml:\\d+|\\.platform\\.yaml:\\d+[\\s\\S]*${reason.source}`));
      expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('outside secret\n');
      expect(existsSync(join(repo, '.git/hooks/pre-commit.canary'))).toBe(false);
    });
  }
});

describe('the disk under tracked paths', () => {
  it('a tracked folder replaced by a link to outside is never read or written through', async () => {
    const { scratch, repo, outside } = scratchRepo();
    rmSync(join(repo, 'src'), { recursive: true });
    symlinkSync(outside, join(repo, 'src'));
    await expectRefusedEverywhere(scratch, repo, /src is a symbolic link/);
    expect(readFileSync(join(outside, 'app.txt'), 'utf8')).toBe('app v1\n');
  });

  it('a FIFO at a tracked path is refused without being opened (no hang)', async () => {
    const { scratch, repo } = scratchRepo();
    rmSync(join(repo, 'src/app.txt'));
    const made = spawnSync('mkfifo', [join(repo, 'src/app.txt')]);
    expect(made.status, String(made.stderr)).toBe(0);
    await expectRefusedEverywhere(scratch, repo, /src\/app\.txt[\s\S]*FIFO/);
  });
});

describe('a recovery journal the CLI did not write for this repository is never replayed', () => {
  const journal = (root: string, entries: unknown[], extra: Record<string, unknown> = {}) =>
    JSON.stringify({ version: 2, root, pid: 999_999_999, createdRoot: false, createdDirs: [], entries, ...extra });

  it('a journal written for another root', async () => {
    const { scratch, repo, outside } = scratchRepo();
    write(join(repo, '.platform-staging/journal.json'), journal(outside, [{ path: 'secret.txt', staged: 'new-0', backup: 'old-0' }]));
    write(join(repo, '.platform-staging/new-0'), 'planted\n');
    await expectRefusedEverywhere(scratch, repo, /did not write for[\s\S]*written for/);
  });

  it('a journal whose entries climb out of the repository or into .git/', async () => {
    const { scratch, repo, outside } = scratchRepo();
    const canary = join(scratch, 'canary');
    write(join(repo, '.platform-staging/journal.json'), journal(repo, [{ path: '../outside/secret.txt', backup: 'old-0' }, { path: '.git/hooks/post-checkout', backup: 'old-1' }]));
    write(join(repo, '.platform-staging/old-0'), 'overwritten\n');
    write(join(repo, '.platform-staging/old-1'), `#!/bin/sh\ntouch ${canary}\n`);
    await expectRefusedEverywhere(scratch, repo, /did not write for[\s\S]*climbs out/);
    expect(readFileSync(join(outside, 'secret.txt'), 'utf8')).toBe('outside secret\n');
    expect(existsSync(join(repo, '.git'))).toBe(false);
    expect(existsSync(canary)).toBe(false);
  });

  it('a journal whose backup names point anywhere', async () => {
    const { scratch, repo } = scratchRepo();
    write(join(repo, '.platform-staging/journal.json'), journal(repo, [{ path: 'README.md', backup: '../../outside/secret.txt' }]));
    await expectRefusedEverywhere(scratch, repo, /did not write for[\s\S]*not old-0/);
  });

  it('a journal of an unknown version', async () => {
    const { scratch, repo } = scratchRepo();
    write(join(repo, '.platform-staging/journal.json'), journal(repo, [], { version: 7 }));
    await expectRefusedEverywhere(scratch, repo, /unknown journal version/);
  });

  it('a staging folder that is a link to outside', async () => {
    const { scratch, repo, outside } = scratchRepo();
    write(join(outside, 'journal.json'), journal(repo, [{ path: 'README.md', backup: 'old-0' }]));
    write(join(outside, 'old-0'), 'from outside\n');
    symlinkSync(outside, join(repo, '.platform-staging'));
    await expectRefusedEverywhere(scratch, repo, /\.platform-staging is a symbolic link/);
    expect(readFileSync(join(repo, 'README.md'), 'utf8')).toBe('# svc\n');
  });
});

describe('a template whose own parts are links (class 10)', () => {
  for (const part of ['files', 'template.yaml']) {
    it(`a linked ${part} in the next version is refused by upgrade, not followed`, async () => {
      const { scratch, repo, tpl, outside } = scratchRepo();
      const real = join(tpl, '1.1.0', part);
      const moved = join(outside, `real-${part}`);
      // The real part now lives outside; the template only links to it.
      const made = spawnSync('mv', [real, moved]);
      expect(made.status, String(made.stderr)).toBe(0);
      symlinkSync(moved, real);
      const before = snapshot(scratch);
      for (const args of [['upgrade', '--dry-run'], ['upgrade', '--yes', '--allow-dirty']]) {
        const result = await cli('platform', args, { cwd: repo, timeoutMs: 30_000 });
        expect(result.code, out(result)).toBe(5);
        expect(result.stderr).toContain(`The template holds a symbolic link: ${real}`);
      }
      expect(snapshot(scratch)).toEqual(before);
    });
  }
});
