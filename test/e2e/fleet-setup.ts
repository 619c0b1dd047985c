/**
 * A fleet built the way it grows in real life, with the packed CLI and real git: repositories
 * created at different versions on different days, one upgraded since, one with an upgrade left
 * in conflict, one with an owned file edited, one whose template's hooks are pending, and a
 * monorepo holding two services. Commit dates are set, so adoption lags are known.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT } from './global-setup.js';
import { cli, type CliResult } from './harness.js';

export const out = (r: CliResult): string => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Built-in service versions, ascending; the last is what `fleet status` calls latest. */
export const SERVICE_VERSIONS = readdirSync(join(REPO_ROOT, 'templates/service')).filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
export const LATEST = SERVICE_VERSIONS.at(-1)!;
export const behindOf = (version: string): number => SERVICE_VERSIONS.filter((v) => v.localeCompare(version, undefined, { numeric: true }) > 0).length;

export interface Fleet {
  home: string;
  /** The folder holding every repository. */
  root: string;
  env: Record<string, string>;
  git(cwd: string, args: string[], date?: string): { code: number | null; stdout: string; stderr: string };
}

export function gitEnv(home: string): Record<string, string> {
  writeFileSync(join(home, 'gitconfig'), '[user]\n\tname = Fleet Test\n\temail = fleet@example.com\n[init]\n\tdefaultBranch = main\n');
  return { GIT_CONFIG_GLOBAL: join(home, 'gitconfig'), GIT_CONFIG_NOSYSTEM: '1', PLATFORM_CACHE_DIR: join(home, 'cache'), PLATFORM_CONFIG: join(home, 'config.yaml') };
}

export async function buildFleet(home: string): Promise<Fleet> {
  const env = gitEnv(home);
  const root = join(home, 'fleet');
  mkdirSync(root);
  const git: Fleet['git'] = (cwd, args, date) => {
    const dates = date ? { GIT_AUTHOR_DATE: `${date}T12:00:00Z`, GIT_COMMITTER_DATE: `${date}T12:00:00Z` } : {};
    const r = spawnSync('git', args, { cwd, env: { ...process.env, ...env, ...dates }, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const commit = (cwd: string, message: string, date: string): void => {
    expect(git(cwd, ['add', '-A']).code).toBe(0);
    const r = git(cwd, ['commit', '-q', '-m', message], date);
    expect(r.code, r.stderr).toBe(0);
  };
  const create = async (parent: string, name: string, template: string, code = 0): Promise<string> => {
    const r = await cli('create-service', [name, '--template', template, '--yes', '--no-install', '--no-git'], { cwd: parent, env });
    expect(r.code, out(r)).toBe(code);
    return join(parent, name);
  };
  const upgrade = async (dir: string, code: number): Promise<void> => {
    const r = await cli('platform', ['upgrade', '--yes'], { cwd: dir, env });
    expect(r.code, out(r)).toBe(code);
  };
  const init = (dir: string): void => {
    expect(git(dir, ['init', '-q']).code).toBe(0);
  };

  const old = await create(root, 'old', 'service@1.0.0');
  init(old);
  commit(old, 'create old from service@1.0.0', '2026-01-10');

  const upgraded = await create(root, 'upgraded', 'service@1.0.0');
  init(upgraded);
  commit(upgraded, 'create', '2026-01-10');
  await upgrade(upgraded, 0);
  commit(upgraded, 'platform upgrade', '2026-03-01');

  const conflict = await create(root, 'conflict', 'service@1.0.0');
  init(conflict);
  commit(conflict, 'create', '2026-01-10');
  writeFileSync(join(conflict, 'Dockerfile'), readFileSync(join(conflict, 'Dockerfile'), 'utf8').replace(/^FROM .*$/m, (line) => `${line} # pinned by us`));
  commit(conflict, 'local edit of the Dockerfile', '2026-01-20');
  await upgrade(conflict, 3);

  const drifted = await create(root, 'drifted', `service@${LATEST}`);
  init(drifted);
  commit(drifted, 'create', '2026-02-01');
  appendFileSync(join(drifted, 'Dockerfile'), '# drifted from what the platform owns\n');
  commit(drifted, 'edit an owned file', '2026-02-02');

  const template = join(home, 'hooked');
  mkdirSync(join(template, 'files'), { recursive: true });
  writeFileSync(join(template, 'template.yaml'), ['name: hooked', 'version: 1.0.0', 'questions:', '  - { name: name, type: string, default: svc }', 'hooks:', `  - run: [${JSON.stringify(process.execPath)}, -e, "0"]`, '    description: a step the team must run', ''].join('\n'));
  writeFileSync(join(template, 'files', 'README.md.hbs'), '# {{name}}\n');
  const hooks = await create(root, 'hooks', template, 4);
  init(hooks);
  commit(hooks, 'create from a folder template', '2026-02-10');

  const mono = join(root, 'mono');
  mkdirSync(mono);
  init(mono);
  await create(mono, 'svc-a', 'service@1.1.0');
  await create(mono, 'svc-b', `service@${LATEST}`);
  commit(mono, 'two services', '2026-02-15');

  return { home, root, env, git };
}
