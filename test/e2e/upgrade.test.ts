/**
 * `platform upgrade`, `status` and `diff` as a user runs them: the packed CLI, real folders, real
 * git. A service is created from the built-in `service@1.0.0`, committed, then moved to 1.1.0.
 * Git's global config is a temp file (GIT_CONFIG_GLOBAL) and the system config is off.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './global-setup.js';
import { cli, cliEnv, installedBins, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;
const KILLER = join(import.meta.dirname, 'fixtures', 'kill-after.cjs');

const SERVICE_1_1 = join(REPO_ROOT, 'templates/service/1.1.0');
/** VERSION's section of a built-in CHANGELOG.md: its `## VERSION` heading up to the next `## `. */
const ownEntry = (changelog: string, version: string): string => {
  const from = changelog.indexOf(`\n## ${version}\n`) + 1;
  const next = changelog.indexOf('\n## ', from);
  return changelog.slice(from, next === -1 ? undefined : next).trim();
};
/** The newest built-in service version: what `platform status` compares with. */
const SERVICE_VERSIONS = readdirSync(join(REPO_ROOT, 'templates/service')).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
const LATEST = SERVICE_VERSIONS.at(-1)!;

// ---------------------------------------------------------------- git

let GIT_ENV: Record<string, string> = {};

function git(cwd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function commitAll(cwd: string, message: string): void {
  expect(git(cwd, ['add', '-A']).code).toBe(0);
  const commit = git(cwd, ['commit', '-q', '-m', message]);
  expect(commit.code, commit.stderr).toBe(0);
}

// ---------------------------------------------------------------- files

interface Entry { bytes: Buffer; mtimeMs: number; mode: number }

/** Every file under dir (not .git) with its bytes, mtime and mode. */
function snapshot(dir: string): Map<string, Entry> {
  const files = new Map<string, Entry>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name === '.git') continue;
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else {
        const stat = statSync(abs);
        files.set(relative(dir, abs), { bytes: readFileSync(abs), mtimeMs: stat.mtimeMs, mode: stat.mode });
      }
    }
  };
  walk(dir);
  return files;
}

/** Paths whose bytes differ between two snapshots (or exist in one only). */
function differing(a: Map<string, Entry>, b: Map<string, Entry>, ignore: (path: string) => boolean = () => false): string[] {
  const paths = new Set([...a.keys(), ...b.keys()]);
  return [...paths].filter((p) => !ignore(p) && !(a.get(p) && b.get(p) && a.get(p)!.bytes.equals(b.get(p)!.bytes))).sort();
}

/** Sets every file's times under dir (not .git) to a fixed past date. */
function age(dir: string): void {
  const past = new Date('2001-02-03T04:05:06Z');
  for (const path of snapshot(dir).keys()) utimesSync(join(dir, path), past, past);
}

function expectUnchanged(before: Map<string, Entry>, dir: string): void {
  const after = snapshot(dir);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [path, entry] of before) {
    expect(after.get(path)!.bytes.equals(entry.bytes), `${path} bytes`).toBe(true);
    expect(after.get(path)!.mtimeMs, `${path} mtime`).toBe(entry.mtimeMs);
  }
}

const read = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8');
const edit = (dir: string, path: string, from: string, to: string) => {
  const text = read(dir, path);
  if (!text.includes(from)) throw new Error(`fixture: ${JSON.stringify(from)} not in ${path}`);
  writeFileSync(join(dir, path), text.replace(from, to));
};
function lockOf(dir: string): { templates: Array<{ name: string; version: string; answers: Record<string, unknown>; files: Record<string, { sha256: string }> }> } {
  return parse(read(dir, '.platform.yaml')) as ReturnType<typeof lockOf>;
}

// ---------------------------------------------------------------- fixtures

/** A folder `app` created at service@1.0.0 and committed; and a fresh `app` at service@1.1.0. */
let PRISTINE_1_0 = '';
let FRESH_1_1 = '';
let FRESH_LATEST = '';

async function create(parent: string, name: string, version: string): Promise<string> {
  const r = await cli('create-service', [name, '--template', `service@${version}`, '--yes', '--no-install', '--no-git'], { cwd: parent, env: GIT_ENV });
  expect(r.code, out(r)).toBe(0);
  return join(parent, name);
}

beforeAll(async () => {
  const home = tempDir('upgrade-fixtures-');
  writeFileSync(join(home, 'gitconfig'), '[user]\n\tname = E2E Tester\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n');
  GIT_ENV = { GIT_CONFIG_GLOBAL: join(home, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1' };
  mkdirSync(join(home, 'v1'));
  mkdirSync(join(home, 'v11'));
  mkdirSync(join(home, 'latest'));
  [PRISTINE_1_0, FRESH_1_1, FRESH_LATEST] = await Promise.all([create(join(home, 'v1'), 'app', '1.0.0'), create(join(home, 'v11'), 'app', '1.1.0'), create(join(home, 'latest'), 'app', LATEST)]);
  expect(git(PRISTINE_1_0, ['init', '-q']).code).toBe(0);
  commitAll(PRISTINE_1_0, 'create app from service@1.0.0');
});

/** A copy of the committed 1.0.0 service, as `app` in a new temp folder (so the name answer is the same). */
function repo10(): string {
  const dir = join(tempDir('upgrade-'), 'app');
  cpSync(PRISTINE_1_0, dir, { recursive: true });
  return dir;
}
/** A copy of a fresh 1.1.0 service (no git). */
function repo11(): string {
  const dir = join(tempDir('upgrade-'), 'app');
  cpSync(FRESH_1_1, dir, { recursive: true });
  return dir;
}

/** A copy of a fresh service at the newest version (no git). */
function repoLatest(): string {
  const dir = join(tempDir('upgrade-'), 'app');
  cpSync(FRESH_LATEST, dir, { recursive: true });
  return dir;
}

/**
 * `platform ARGS`. An upgrade goes to 1.1.0 unless the test names a version: these tests are
 * about the move 1.0.0 -> 1.1.0, the one that changes most; every later pair of versions is
 * checked by test/catalog/versions.test.ts.
 */
const platform = (cwd: string, args: string[]) =>
  cli('platform', args[0] === 'upgrade' && !args.includes('--to') ? [...args, '--to', '1.1.0'] : args, { cwd, env: GIT_ENV });

/** The description of package.json edited: a line the 1.1.0 template does not change. */
const DESCRIPTION_1_0 = '"description": "The app HTTP service",';
const DESCRIPTION_MINE = '"description": "Billing API: invoices and payment runs",';
/** A line added at the top of vitest.config.ts, away from the 1.1.0 change (an env block). */
const VITEST_COMMENT = '// Our own note: keep the node environment.\n';
/** The start script, which 1.1.0 changes too (it adds --import ./dist/telemetry.js). */
const START_1_0 = '"start": "exec node --enable-source-maps dist/server.js",';
const START_MINE = '"start": "exec node --enable-source-maps --trace-warnings dist/server.js",';

// ---------------------------------------------------------------- upgrade

describe('platform upgrade', () => {
  it('moves an untouched repository to 1.1.0: the files equal a fresh 1.1.0 service', async () => {
    const dir = repo10();
    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain('Upgrading service 1.0.0 → 1.1.0');

    const upgraded = snapshot(dir);
    const fresh = snapshot(FRESH_1_1);
    expect([...upgraded.keys()].sort()).toEqual([...fresh.keys()].sort());
    for (const [path, expected] of fresh) {
      if (path === '.platform.yaml') continue;
      expect(upgraded.get(path)!.bytes.equals(expected.bytes), path).toBe(true);
      expect(upgraded.get(path)!.mode & 0o111, `${path} mode`).toBe(expected.mode & 0o111);
    }
    const lock = lockOf(dir).templates[0]!;
    expect(lock.version).toBe('1.1.0');
    expect(lock.answers).toEqual(lockOf(FRESH_1_1).templates[0]!.answers);
    expect(existsSync(join(dir, '.platform-staging'))).toBe(false);
  });

  it('a second run is up to date and changes nothing', async () => {
    const dir = repo10();
    const first = await platform(dir, ['upgrade', '--yes']);
    expect(first.code, out(first)).toBe(0);
    // Every file dated in the past: a rewrite, even of the same bytes, shows as a new mtime.
    age(dir);
    const before = snapshot(dir);
    const again = await platform(dir, ['upgrade', '--yes']);
    expect(again.code, out(again)).toBe(0);
    expect(again.stdout).toMatch(/service@1\.1\.0 is up to date/);
    expectUnchanged(before, dir);
  });

  it('a local edit that overlaps the template\'s change: exit 3, markers, unmerged in git, status reports it until resolved', async () => {
    const dir = repo10();
    edit(dir, 'package.json', START_1_0, START_MINE);
    commitAll(dir, 'trace warnings');

    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(3);
    expect(r.stdout).toMatch(/conflict\s+package\.json/);
    const text = read(dir, 'package.json');
    expect(text).toContain(`<<<<<<< local\n    ${START_MINE}`);
    expect(text).toContain('"start": "exec node --enable-source-maps --import ./dist/telemetry.js dist/server.js",');
    expect(text).toMatch(/\n=======\n[\s\S]*\n>>>>>>> service@1\.1\.0\n/);
    expect(git(dir, ['status', '--porcelain']).stdout).toMatch(/^UU package\.json$/m);

    const status = await platform(dir, ['status']);
    expect(status.code, out(status)).toBe(0);
    expect(status.stdout).toMatch(/conflict.*package\.json/);
    const check = await platform(dir, ['status', '--check']);
    expect(check.code, out(check)).toBe(6);

    // Resolve: the template's version with our flag, then mark it resolved.
    writeFileSync(join(dir, 'package.json'), read(FRESH_1_1, 'package.json').replace('--enable-source-maps --import', '--enable-source-maps --trace-warnings --import'));
    expect(git(dir, ['add', 'package.json']).code).toBe(0);
    expect(git(dir, ['status', '--porcelain']).stdout).not.toMatch(/^UU /m);
    const resolved = await platform(dir, ['status', '--json']);
    expect(resolved.code, out(resolved)).toBe(0);
    expect((JSON.parse(resolved.stdout) as { components: Array<{ conflicts: string[] }> }).components[0]!.conflicts).toEqual([]);
  });

  it('keeps non-overlapping local edits of merge-policy files byte for byte', async () => {
    const dir = repo10();
    edit(dir, 'package.json', DESCRIPTION_1_0, DESCRIPTION_MINE);
    writeFileSync(join(dir, 'vitest.config.ts'), VITEST_COMMENT + read(dir, 'vitest.config.ts'));
    commitAll(dir, 'our edits');

    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(0);
    expect(read(dir, 'package.json')).toBe(read(FRESH_1_1, 'package.json').replace(DESCRIPTION_1_0, DESCRIPTION_MINE));
    expect(read(dir, 'vitest.config.ts')).toBe(VITEST_COMMENT + read(FRESH_1_1, 'vitest.config.ts'));
    expect(git(dir, ['status', '--porcelain']).stdout).not.toMatch(/^(UU|AA|DU|UD) /m);
  });

  it('--dry-run writes nothing and prints unified diffs and the 1.1.0 changelog', async () => {
    const dir = repo10();
    const before = snapshot(dir);
    const r = await platform(dir, ['upgrade', '--dry-run', '--yes']);
    expect(r.code, out(r)).toBe(0);
    expectUnchanged(before, dir);
    expect(existsSync(join(dir, '.platform-staging'))).toBe(false);

    expect(r.stdout).toMatch(/^--- a\/package\.json$/m);
    expect(r.stdout).toMatch(/^\+\+\+ b\/package\.json$/m);
    expect(r.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(r.stdout).toMatch(/^\+\s+"start": "exec node --enable-source-maps --import \.\/dist\/telemetry\.js dist\/server\.js",$/m);
    expect(r.stdout).toMatch(/^--- \/dev\/null\n\+\+\+ b\/src\/telemetry\.ts$/m);
    expect(r.stdout).toContain('Dry run: nothing was written.');

    const changelog = readFileSync(join(SERVICE_1_1, 'CHANGELOG.md'), 'utf8').trim();
    // The changelog shown for an upgrade to 1.1.0 must say what 1.1.0 changed: its own entry,
    // every line of it, and not the history below it (the 1.0.0 notes the repository has).
    expect(changelog, 'templates/service/1.1.0/CHANGELOG.md').toMatch(/^## 1\.1\.0\n[^]*\n## 1\.0\.0\n/m);
    const [entry, older] = changelog.slice(changelog.indexOf('## 1.1.0')).split(/\n(?=## 1\.0\.0\n)/) as [string, string];
    for (const line of entry.split('\n').filter((l) => l.trim() !== '')) expect(r.stdout).toContain(`│ ${line}`);
    expect(r.stdout).not.toContain('│ ## 1.0.0');
    expect(r.stdout).not.toContain(`│ ${older.split('\n').filter((l) => l.startsWith('- ')).at(-1)!}`);
  });

  it('--json prints one JSON document with components, files and conflicts', async () => {
    const dir = repo10();
    edit(dir, 'package.json', START_1_0, START_MINE);
    commitAll(dir, 'trace warnings');
    const r = await platform(dir, ['upgrade', '--yes', '--json']);
    expect(r.code, out(r)).toBe(3);
    const doc = JSON.parse(r.stdout) as {
      command: string;
      ok: boolean;
      exitCode: number;
      components: Array<{ name: string; from: string; to: string }>;
      files: Array<{ path: string; action: string; reason: string }>;
      conflicts: string[];
    };
    expect(doc).toMatchObject({ command: 'upgrade', ok: false, exitCode: 3, conflicts: ['package.json'] });
    expect(doc.components).toEqual([expect.objectContaining({ name: 'service', from: '1.0.0', to: '1.1.0' })]);
    const actions = Object.fromEntries(doc.files.map((f) => [f.path, f.action]));
    expect(actions).toMatchObject({
      'package.json': 'conflict',
      Dockerfile: 'update',
      'src/telemetry.ts': 'create',
      'src/app.ts': 'update',
      'tsconfig.json': 'keep',
    });
    for (const f of doc.files) expect(f.reason, f.path).toBeTruthy();
  });

  it('--conflict reject keeps the local bytes and writes package.json.rej (exit 3)', async () => {
    const dir = repo10();
    edit(dir, 'package.json', START_1_0, START_MINE);
    commitAll(dir, 'trace warnings');
    const mine = read(dir, 'package.json');
    const r = await platform(dir, ['upgrade', '--yes', '--conflict', 'reject']);
    expect(r.code, out(r)).toBe(3);
    expect(read(dir, 'package.json')).toBe(mine);
    const rej = read(dir, 'package.json.rej');
    expect(rej).toContain('<<<<<<< local');
    expect(rej).toContain('--import ./dist/telemetry.js');
    const check = await platform(dir, ['status', '--check']);
    expect(check.code, out(check)).toBe(6);
  });

  it('refuses (exit 5, nothing written) when a file it would change has uncommitted changes; --allow-dirty proceeds', async () => {
    const dir = repo10();
    edit(dir, 'package.json', DESCRIPTION_1_0, DESCRIPTION_MINE);
    const before = snapshot(dir);
    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(5);
    expect(r.stderr).toContain('package.json');
    expect(r.stderr).toContain('--allow-dirty');
    expectUnchanged(before, dir);
    expect(existsSync(join(dir, '.platform-staging'))).toBe(false);

    const allowed = await platform(dir, ['upgrade', '--yes', '--allow-dirty']);
    expect(allowed.code, out(allowed)).toBe(0);
    expect(read(dir, 'package.json')).toBe(read(FRESH_1_1, 'package.json').replace(DESCRIPTION_1_0, DESCRIPTION_MINE));
    expect(lockOf(dir).templates[0]!.version).toBe('1.1.0');
  });

  it('is not blocked by uncommitted changes to files it does not touch', async () => {
    const dir = repo10();
    // tsconfig.json and .editorconfig are the same in 1.0.0 and 1.1.0: the upgrade leaves them be.
    writeFileSync(join(dir, 'tsconfig.json'), `${read(dir, 'tsconfig.json')}\n`);
    writeFileSync(join(dir, '.editorconfig'), `${read(dir, '.editorconfig')}\n# Work in progress.\n`);
    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(0);
    expect(read(dir, '.editorconfig')).toMatch(/# Work in progress\.\n$/);
    expect(lockOf(dir).templates[0]!.version).toBe('1.1.0');
  });

  it('finds .platform.yaml upward when run from a subfolder', async () => {
    const dir = repo10();
    const r = await platform(join(dir, 'src'), ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(0);
    expect(lockOf(dir).templates[0]!.version).toBe('1.1.0');
    expect(existsSync(join(dir, 'src', 'telemetry.ts'))).toBe(true);
    expect(existsSync(join(dir, 'src', '.platform.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'src', 'src'))).toBe(false);
  });

  it('in a monorepo, upgrading one service leaves the other untouched', async () => {
    const mono = tempDir('mono-');
    expect(git(mono, ['init', '-q']).code).toBe(0);
    mkdirSync(join(mono, 'services'));
    const [a, b] = await Promise.all([create(join(mono, 'services'), 'billing', '1.0.0'), create(join(mono, 'services'), 'ledger', '1.0.0')]);
    commitAll(mono, 'two services');
    // An uncommitted edit in the other service is none of this upgrade's business.
    edit(b, 'package.json', '"description": "The ledger HTTP service",', '"description": "Ledger, work in progress",');
    const otherBefore = snapshot(b);

    const r = await platform(join(a, 'src'), ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(0);
    expect(lockOf(a).templates[0]!.version).toBe('1.1.0');
    expect(lockOf(a).templates[0]!.answers.name).toBe('billing');
    expect(existsSync(join(a, 'src', 'telemetry.ts'))).toBe(true);
    expectUnchanged(otherBefore, b);
    expect(existsSync(join(mono, '.platform.yaml'))).toBe(false);
  });

  it('killed mid-way: the next run rolls back, warns, and ends exactly where an uninterrupted run ends', async () => {
    const prepare = () => {
      const dir = repo10();
      edit(dir, 'package.json', DESCRIPTION_1_0, DESCRIPTION_MINE);
      writeFileSync(join(dir, 'vitest.config.ts'), VITEST_COMMENT + read(dir, 'vitest.config.ts'));
      commitAll(dir, 'our edits');
      return dir;
    };
    const reference = prepare();
    const uninterrupted = await platform(reference, ['upgrade', '--yes']);
    expect(uninterrupted.code, out(uninterrupted)).toBe(0);
    const expected = snapshot(reference);

    const bins = await installedBins();
    // SIGKILL before the nth change to the disk (fixtures/kill-after.cjs counts them), at chosen
    // points: no race between a poll and the run, the same points on a fast or a loaded machine.
    const killable = (dir: string, after: number) => {
      const r = spawnSync(process.execPath, ['--require', KILLER, bins.platform, 'upgrade', '--yes', '--to', '1.1.0'], {
        cwd: dir,
        env: { ...cliEnv(GIT_ENV), KILL_AFTER: String(after), KILL_SIGNAL: 'SIGKILL' },
        encoding: 'utf8',
        timeout: 120_000, // a bound on a hang only
      });
      if (r.error) throw r.error;
      return { signal: r.signal, calls: Number(/fs-calls=(\d+)/.exec(r.stderr)?.[1] ?? NaN), text: `exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}` };
    };
    const countedDir = prepare();
    const counted = killable(countedDir, 0);
    expect(differing(expected, snapshot(countedDir)), counted.text).toEqual([]);
    const steps = counted.calls;
    expect(steps, counted.text).toBeGreaterThan(5);

    // Half way (moving files into place: rolled back) and at the last change (removing the
    // staging folder after the journal: the job is done, only left-overs to clear).
    for (const after of [Math.ceil(steps / 2), steps]) {
      const dir = prepare();
      const staging = join(dir, '.platform-staging');
      const killed = killable(dir, after);
      expect(killed.signal, killed.text).toBe('SIGKILL');
      expect(existsSync(staging), `staging folder after a kill before change ${after} of ${steps}`).toBe(true);

      const rerun = await platform(dir, ['upgrade', '--yes']);
      expect(rerun.code, out(rerun)).toBe(0);
      // Killed while renaming, the rerun rolls back; killed while cleaning up, it finds the job done.
      expect(rerun.stderr).toMatch(after === steps ? /warning .*left its staging folder/ : /warning .*interrupted/);
      expect(existsSync(staging)).toBe(false);
      expect(differing(expected, snapshot(dir)), `killed before change ${after} of ${steps}`).toEqual([]);
      expect(read(dir, 'package.json')).toContain(DESCRIPTION_MINE);
      expect(read(dir, 'vitest.config.ts').startsWith(VITEST_COMMENT)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------- errors

describe('conflicts a user can see and finish, with real git', () => {
  it("an edited owned Dockerfile: yours stays, the template's is Dockerfile.platform-new, the commands say how to take either; new files are staged; upgrade refuses (exit 3) until it is finished", async () => {
    const dir = repo10();
    writeFileSync(join(dir, 'Dockerfile'), `${read(dir, 'Dockerfile')}# ours\n`);
    commitAll(dir, 'our Dockerfile');
    const mine = read(dir, 'Dockerfile');

    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(3);
    expect(read(dir, 'Dockerfile')).toBe(mine);
    expect(read(dir, 'Dockerfile.platform-new')).toBe(read(FRESH_1_1, 'Dockerfile'));
    expect(r.stdout).toContain('take the template\'s:  mv Dockerfile.platform-new Dockerfile');
    expect(r.stdout).toContain('keep yours:           rm Dockerfile.platform-new');
    expect(r.stdout).toContain('git add Dockerfile');
    const porcelain = git(dir, ['status', '--porcelain']).stdout;
    // Added by the upgrade, so `git commit -am` takes them; the side file is not staged.
    expect(porcelain).toMatch(/^A  src\/flags\.ts$/m);
    expect(porcelain).toMatch(/^\?\? Dockerfile\.platform-new$/m);

    const again = await platform(dir, ['upgrade', '--yes']);
    expect(again.code, out(again)).toBe(3);
    expect(again.stderr).toContain('still open');
    expect(again.stdout).not.toContain('up to date');
    expect((await platform(dir, ['upgrade', '--yes', '--dry-run'])).code).toBe(3);
    expect((await platform(dir, ['status', '--check'])).code).toBe(6);

    // Take the template's, as the message says; then commit -am has everything.
    expect(spawnSync('mv', ['Dockerfile.platform-new', 'Dockerfile'], { cwd: dir }).status).toBe(0);
    expect(git(dir, ['add', 'Dockerfile']).code).toBe(0);
    const commit = git(dir, ['commit', '-qam', 'upgrade to 1.1.0']);
    expect(commit.code, commit.stderr).toBe(0);
    expect(git(dir, ['status', '--porcelain']).stdout).toBe('');
    expect(git(dir, ['ls-files', 'src/flags.ts', 'src/telemetry.ts']).stdout.trim().split('\n')).toEqual(['src/flags.ts', 'src/telemetry.ts']);
    const done = await platform(dir, ['upgrade', '--yes']);
    expect(done.code, out(done)).toBe(0);
    expect(done.stdout).toContain('up to date');
  });

  it('a file the team moved (git mv, committed) gets the template\'s change at its new path', async () => {
    const dir = repo10();
    mkdirSync(join(dir, 'config'));
    expect(git(dir, ['mv', 'vitest.config.ts', 'config/vitest.config.ts']).code).toBe(0);
    commitAll(dir, 'move the vitest config');

    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(0);
    expect(read(dir, 'config/vitest.config.ts')).toBe(read(FRESH_1_1, 'vitest.config.ts'));
    expect(existsSync(join(dir, 'vitest.config.ts'))).toBe(false);
    expect(r.stderr).toContain('vitest.config.ts: you moved it to config/vitest.config.ts');
    const status = await platform(dir, ['status', '--json']);
    const drifted = (JSON.parse(status.stdout) as { components: Array<{ drifted: Array<{ path: string; state: string; to?: string }> }> }).components[0]!.drifted;
    expect(drifted).toContainEqual(expect.objectContaining({ path: 'vitest.config.ts', state: 'moved', to: 'config/vitest.config.ts' }));
  });

  it('without a terminal: a short summary per component; the full changelog with --verbose', async () => {
    const changelog = read(SERVICE_1_1, 'CHANGELOG.md');
    // A line of 1.1.0's own entry (the file holds the 1.0.0 notes below it).
    const someLine = changelog.split('\n## 1.0.0\n')[0]!.split('\n').filter((l) => l.startsWith('- ')).at(-1)!;
    const short = await platform(repo10(), ['upgrade', '--yes']);
    expect(short.code, out(short)).toBe(0);
    expect(short.stdout).toMatch(/^ {2}files: \d+ updated/m);
    expect(short.stdout).toMatch(/^ {2}1\.1\.0: \S/m);
    expect(short.stdout).toContain('(the full changelog: --verbose, or --json)');
    expect(short.stdout).not.toContain(`│ ${someLine}`);
    const verbose = await platform(repo10(), ['upgrade', '--yes', '--verbose']);
    expect(verbose.stdout).toContain(`│ ${someLine}`);
  });

  it('--set of a name no component asks: exit 2 naming each component\'s questions, nothing written', async () => {
    const dir = repo10();
    const before = snapshot(dir);
    const r = await platform(dir, ['upgrade', '--yes', '--set', 'prot=9090']);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('"prot" is not a question of any component here');
    expect(r.stderr).toMatch(/service@1\.1\.0: name, .*port/);
    expectUnchanged(before, dir);
  });
});

describe('platform upgrade errors', () => {
  it('outside any repository with .platform.yaml: exit 2 with a hint', async () => {
    const dir = tempDir();
    const r = await platform(dir, ['upgrade', '--yes']);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('No .platform.yaml');
    expect(r.stderr).toMatch(/hint:.*(create-service|platform add)/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an unknown component: exit 2, listing the repository\'s components', async () => {
    const dir = repo10();
    const r = await platform(dir, ['upgrade', 'nope', '--yes']);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('"nope"');
    expect(r.stderr).toContain('service@1.0.0');
  });

  it('--to a version that does not exist: exit 2, listing the versions', async () => {
    const dir = repo10();
    const before = snapshot(dir);
    const r = await platform(dir, ['upgrade', '--to', '9.9.9', '--yes']);
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('9.9.9');
    expect(r.stderr).toContain('1.0.0, 1.1.0');
    expectUnchanged(before, dir);
  });

  it('--to an older version: exit 5, nothing written', async () => {
    const dir = repo11();
    const before = snapshot(dir);
    const r = await platform(dir, ['upgrade', '--to', '1.0.0', '--yes']);
    expect(r.code, out(r)).toBe(5);
    expect(r.stderr).toMatch(/1\.1\.0.*1\.0\.0.*go back/);
    expect(r.stderr).toContain('--force');
    expectUnchanged(before, dir);
  });
});

// ---------------------------------------------------------------- status

describe('platform status', () => {
  interface StatusDoc {
    command: string;
    ok: boolean;
    exitCode: number;
    components: Array<{ name: string; version: string; latest: string; behind: boolean; drifted: Array<{ path: string; policy: string; state: string }>; conflicts: string[]; placeholders: Array<{ path: string; line: number; name: string; policy: string }>; changelog: Array<{ version: string; text: string }> }>;
    check?: { passed: boolean; ownedDrift: string[]; placeholders: string[] };
  }

  it('an up-to-date repository: exit 0, also with --check', async () => {
    const dir = repoLatest();
    const r = await platform(dir, ['status']);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^service\\s+${LATEST.replaceAll('.', '\\.')}\\s+up to date$`, 'm'));
    const check = await platform(dir, ['status', '--check']);
    expect(check.code, out(check)).toBe(0);
  });

  it('behind (1.0.0 installed): says the newest version is available; --check exits 6', async () => {
    const dir = repo10();
    const r = await platform(dir, ['status']);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^service\\s+1\\.0\\.0\\s+${LATEST.replaceAll('.', '\\.')} available$`, 'm'));
    const check = await platform(dir, ['status', '--check']);
    expect(check.code, out(check)).toBe(6);
  });

  it('an owned file (Dockerfile) that drifted: --check exits 6 and names it', async () => {
    const dir = repoLatest();
    writeFileSync(join(dir, 'Dockerfile'), `${read(dir, 'Dockerfile')}RUN echo drift\n`);
    const r = await platform(dir, ['status', '--check']);
    expect(r.code, out(r)).toBe(6);
    expect(r.stdout).toMatch(/modified\s+Dockerfile \(owned, drifted\)/);
  });

  it('--json: components with version, latest, behind, drift, conflicts and the changelog', async () => {
    const dir = repo10();
    edit(dir, 'package.json', DESCRIPTION_1_0, DESCRIPTION_MINE);
    const r = await platform(dir, ['status', '--json', '--check']);
    expect(r.code, out(r)).toBe(6);
    const doc = JSON.parse(r.stdout) as StatusDoc;
    expect(doc).toMatchObject({ command: 'status', ok: false, exitCode: 6, check: { passed: false, ownedDrift: [] } });
    expect(doc.components).toEqual([
      {
        name: 'service',
        version: '1.0.0',
        latest: LATEST,
        behind: true,
        drifted: [{ path: 'package.json', policy: 'merge', state: 'modified' }],
        conflicts: [],
        placeholders: [],
        // Each version's own entry of its CHANGELOG.md (which holds the whole history below it).
        changelog: SERVICE_VERSIONS.slice(1).reverse().map((version) => ({ version, text: ownEntry(readFileSync(join(REPO_ROOT, 'templates/service', version, 'CHANGELOG.md'), 'utf8'), version) })),
      },
    ]);
  });
});

// ---------------------------------------------------------------- diff

describe('platform diff', () => {
  it('shows a local edit as a unified diff against what the template wrote', async () => {
    const dir = repo10();
    edit(dir, 'package.json', DESCRIPTION_1_0, DESCRIPTION_MINE);
    const r = await platform(dir, ['diff']);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain('--- service@1.0.0/package.json');
    expect(r.stdout).toContain('+++ local/package.json');
    expect(r.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@/m);
    expect(r.stdout).toContain(`-  ${DESCRIPTION_1_0}`);
    expect(r.stdout).toContain(`+  ${DESCRIPTION_MINE}`);
    // Only the edited file.
    expect(r.stdout.match(/^\+\+\+ /gm)).toHaveLength(1);

    const json = await platform(dir, ['diff', '--json']);
    expect(json.code, out(json)).toBe(0);
    expect((JSON.parse(json.stdout) as { changed: unknown }).changed).toEqual([{ component: 'service', path: 'package.json', state: 'modified' }]);
  });

  it('says so when nothing was changed', async () => {
    const dir = repo10();
    const r = await platform(dir, ['diff']);
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain('No local changes');
    expect(r.stdout).not.toMatch(/^\+\+\+ /m);
  });
});
