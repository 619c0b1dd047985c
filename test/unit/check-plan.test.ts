/**
 * checkPlan is the one gate between planning and writing, for a dry run and a real run alike:
 * two components never claim one path, nothing is written through a link or onto a FIFO, and
 * no file with unsaved work is changed without --allow-dirty. It writes nothing either way.
 */
import { describe, expect, it } from 'vitest';
import { PlatformError } from '../../src/core/errors.js';
import { checkPlan, type CheckOptions } from '../../src/workflow/check-plan.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { newComponent } from '../../src/workflow/change.js';
import { diff3Merger } from '../../src/merge/text.js';
import { EMPTY_LOCKFILE } from '../../src/lock/lockfile.js';
import type { Plan } from '../../src/plan/plan.js';
import { memoryFs } from '../helpers/memfs.js';
import { makeTemplate } from '../helpers/template.js';
import { ROOT, createRepo, planRepoUpgrade, templateVersion } from '../helpers/upgrade-repo.js';

const OPTIONS = { textMerger: diff3Merger, conflictStyle: 'markers' as const, force: false };
const noAnswers = { values: {}, secrets: new Set<string>() };

/** A git port that says these paths are dirty, and records what it was asked. */
function gitSays(dirty: string[]): CheckOptions & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    command: 'upgrade',
    allowDirty: false,
    asked,
    uncommitted: async (_root, paths) => {
      asked.push(paths);
      return paths.filter((p) => dirty.includes(p));
    },
  };
}

async function refusal(promise: Promise<unknown>): Promise<PlatformError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
}

describe('checkPlan: the same gate for a dry run and a real run', () => {
  it('refuses two components that would write the same path (exit 5), naming both', async () => {
    const { fs } = memoryFs();
    const one = await makeTemplate('name: one\nversion: 1.0.0\n', { 'shared.txt': 'one\n' });
    const two = await makeTemplate('name: two\nversion: 1.0.0\n', { 'shared.txt': 'two\n' });
    const plan = await planChanges(fs, ROOT, EMPTY_LOCKFILE, [newComponent(one, 'builtin', noAnswers), newComponent(two, 'builtin', noAnswers)], OPTIONS);
    const error = await refusal(checkPlan(fs, plan, gitSays([])));
    expect([error.code, error.exitCode]).toEqual(['path-claimed-twice', 5]);
    expect(error.message).toContain('shared.txt would be written by both one and two');
  });

  it('a new folder with only new files never asks git (no process for a plain create)', async () => {
    const { fs } = memoryFs();
    const template = await makeTemplate('name: svc\nversion: 1.0.0\n', { 'a.txt': 'a\n', 'b/c.txt': 'c\n' });
    const plan = await planChanges(fs, ROOT, EMPTY_LOCKFILE, [newComponent(template, 'builtin', noAnswers)], OPTIONS);
    const git = gitSays([]);
    await checkPlan(fs, plan, git);
    expect(git.asked).toEqual([]);
  });

  it('refuses to change a file with uncommitted changes (exit 5) and asks git only about files that exist', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'a.txt': 'one\ntwo\n', 'b.txt': 'b\n' } });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'a.txt': 'one\ntwo\nthree\n', 'b.txt': 'b\n', 'new.txt': 'new\n' } });
    const repo = await createRepo(v1, { name: 'svc' });
    const plan = await planRepoUpgrade(repo, v1, v2);
    const git = gitSays(['a.txt']);
    const error = await refusal(checkPlan(repo.fs, plan, git));
    expect([error.code, error.exitCode]).toEqual(['dirty-files', 5]);
    expect(error.message).toBe('The upgrade would change files with uncommitted changes: a.txt. Nothing was written.');
    expect(git.asked).toEqual([['a.txt']]);
    // --allow-dirty: the same plan passes, and git is not asked.
    const allowed = { ...gitSays(['a.txt']), allowDirty: true };
    await checkPlan(repo.fs, plan, allowed);
    expect(allowed.asked).toEqual([]);
  });

  it('checks the paths the plan did not read (a .rej beside a conflict) through the checked door', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'a.txt': 'one\n' } });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'a.txt': 'one (theirs)\n' } });
    const repo = await createRepo(v1, { name: 'svc' });
    repo.vol.writeFileSync(`${ROOT}/a.txt`, 'one (mine)\n');
    repo.vol.symlinkSync('/etc/passwd', `${ROOT}/a.txt.rej`);
    const plan: Plan = await planRepoUpgrade(repo, v1, v2, { conflictStyle: 'reject' });
    expect(plan.operations.map((op) => `${op.kind} ${op.path}`)).toEqual(['conflict a.txt', 'create a.txt.rej']);
    expect(plan.read.has('a.txt.rej')).toBe(false);
    const error = await refusal(checkPlan(repo.fs, plan, gitSays([])));
    expect([error.code, error.exitCode]).toEqual(['target-symlink', 5]);
  });

  it('refuses a lockfile that is not a regular file before anything is written', async () => {
    const { fs, vol } = memoryFs();
    vol.mkdirSync(`${ROOT}/.platform.yaml`, { recursive: true });
    const template = await makeTemplate('name: svc\nversion: 1.0.0\n', { 'a.txt': 'a\n' });
    const plan = await planChanges(fs, ROOT, EMPTY_LOCKFILE, [newComponent(template, 'builtin', noAnswers)], OPTIONS);
    const error = await refusal(checkPlan(fs, plan, gitSays([])));
    expect([error.code, error.exitCode]).toEqual(['path-in-the-way', 5]);
    expect(vol.toJSON(ROOT)).toEqual({ [`${ROOT}/.platform.yaml`]: null });
  });

  it('refuses a component whose requirements the repository lacks (exit 2), listing every gap, and passes once they are there', async () => {
    const needy = await makeTemplate(
      'name: ci\nversion: 1.2.0\nrequires:\n  components: [{ name: service, minVersion: 1.1.0 }]\n  files: [.nvmrc, Dockerfile]\n  scripts: [build, lint]\n',
      { '.github/ci.yml': 'jobs: {}\n' },
    );
    const service = { name: 'service', version: '1.0.0', source: 'builtin', answers: {}, files: {} };
    const lock = { ...EMPTY_LOCKFILE, templates: [service] };
    const { fs, vol } = memoryFs({ [`${ROOT}/package.json`]: '{ "scripts": { "build": "tsc" } }\n', [`${ROOT}/.nvmrc`]: '22\n' });
    const plan = await planChanges(fs, ROOT, lock, [newComponent(needy, 'builtin', noAnswers)], OPTIONS);
    const error = await refusal(checkPlan(fs, plan, gitSays([])));
    expect([error.code, error.exitCode]).toEqual(['requirements-missing', 2]);
    expect(error.message).toBe('ci@1.2.0 needs what this repository does not have. Nothing was written.');
    expect(error.problems).toEqual([
      'service 1.1.0 or newer (this repository has service@1.0.0: run `platform upgrade service` first)',
      'the file Dockerfile',
      'the package.json script "lint"',
    ]);
    vol.writeFileSync(`${ROOT}/Dockerfile`, 'FROM scratch\n');
    vol.writeFileSync(`${ROOT}/package.json`, '{ "scripts": { "build": "tsc", "lint": "eslint ." } }\n');
    const upgraded = { ...lock, templates: [{ ...service, version: '1.1.0' }] };
    await checkPlan(fs, await planChanges(fs, ROOT, upgraded, [newComponent(needy, 'builtin', noAnswers)], OPTIONS), gitSays([]));
  });

  it('a requirement is met by a file the same plan writes (create of the whole golden path at once)', async () => {
    const service = await makeTemplate('name: service\nversion: 1.1.0\n', { 'package.json': '{ "scripts": { "lint": "x" } }\n', Dockerfile: 'FROM scratch\n' });
    const needy = await makeTemplate('name: ci\nversion: 1.2.0\nrequires:\n  components: [{ name: service, minVersion: 1.1.0 }]\n  files: [Dockerfile]\n  scripts: [lint]\n', { 'ci.yml': 'x: 1\n' });
    const { fs } = memoryFs();
    const plan = await planChanges(fs, ROOT, EMPTY_LOCKFILE, [newComponent(service, 'builtin', noAnswers), newComponent(needy, 'builtin', noAnswers)], OPTIONS);
    await checkPlan(fs, plan, gitSays([]));
  });

  it("refuses answers the preset's cross-component checks reject (exit 2), with the check's own message, only when every needed answer is there", async () => {
    const secrets = await makeTemplate('name: secrets\nversion: 1.0.0\nquestions:\n  - { name: secretStore, type: string }\n  - { name: cloud, type: string }\n', { 'a.txt': 'a\n' });
    const checks = {
      name: 'golden-path',
      checks: [{ needs: ['secretStore', 'cloud'], that: "{{or (ne secretStore 'gcp-secret-manager') (eq cloud 'gcp')}}", message: 'secretStore={{secretStore}} cannot be read from cloud={{cloud}}' }],
    };
    const plan = async (values: Record<string, unknown>) => {
      const { fs } = memoryFs();
      return { fs, plan: await planChanges(fs, ROOT, EMPTY_LOCKFILE, [newComponent(secrets, 'builtin', { values, secrets: new Set() })], OPTIONS) };
    };
    const bad = await plan({ secretStore: 'gcp-secret-manager', cloud: 'aws' });
    const error = await refusal(checkPlan(bad.fs, bad.plan, { ...gitSays([]), presetChecks: checks }));
    expect([error.code, error.exitCode]).toEqual(['answers-inconsistent', 2]);
    expect(error.problems).toEqual(['secretStore=gcp-secret-manager cannot be read from cloud=aws']);
    const good = await plan({ secretStore: 'gcp-secret-manager', cloud: 'gcp' });
    await checkPlan(good.fs, good.plan, { ...gitSays([]), presetChecks: checks });
    // A repository without the answers a check needs is not asked about them.
    const partial = await plan({ secretStore: 'gcp-secret-manager' });
    await checkPlan(partial.fs, partial.plan, { ...gitSays([]), presetChecks: checks });
  });
});
