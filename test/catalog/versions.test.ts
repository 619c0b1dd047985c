import { describe, expect, it } from 'vitest';
import { nodeFs } from '../../src/core/node-fs.js';
import { BUILTIN_ROOT, listCatalog } from '../../src/template/builtin.js';
import { planCreate } from '../helpers/upgrade-repo.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { EMPTY_LOCKFILE, parseLockfile } from '../../src/lock/lockfile.js';
import { gitTextMerger } from '../../src/merge/git-merge-file.js';
import { memoryFs } from '../helpers/memfs.js';
import { builtinTemplate, renderBuiltin } from '../helpers/builtin.js';

const catalog = await listCatalog(nodeFs, BUILTIN_ROOT);
const pairs = catalog.flatMap((entry) =>
  entry.versions.flatMap((from, i) => entry.versions.slice(i + 1).map((to) => [entry.name, from, to] as const)),
);
const textMerger = await gitTextMerger();

/**
 * A repository created at NAME@VERSION on memfs, with default answers or the given ones (those
 * the version asks): an upgraded repository equals a fresh create with the same answers. (A
 * default that became a placeholder does not change a recorded answer.)
 */
async function createAt(name: string, version: string, given: Record<string, unknown> = {}) {
  const { fs, vol } = memoryFs();
  const template = await builtinTemplate(`${name}@${version}`);
  const asked = new Set(template.manifest.questions.map((q) => q.name));
  const { values } = await renderBuiltin(`${name}@${version}`, Object.fromEntries(Object.entries(given).filter(([key]) => asked.has(key))), 'repo');
  const answers = { values, secrets: new Set(template.manifest.questions.filter((q) => q.secret).map((q) => q.name)) };
  await applyPlan(fs, await planCreate({ fs, root: '/repo', template, sourceLabel: 'builtin', answers, lock: EMPTY_LOCKFILE }), { pid: 1 });
  return { fs, vol };
}

function files(vol: ReturnType<typeof memoryFs>['vol']): Record<string, string | null> {
  const all = vol.toJSON('/repo');
  delete all['/repo/.platform.yaml'];
  return all;
}

async function recordedAnswers(fs: ReturnType<typeof memoryFs>['fs'], name: string): Promise<Record<string, unknown>> {
  const lock = parseLockfile(String(await fs.readFile('/repo/.platform.yaml')), '.platform.yaml');
  return lock.templates.find((t) => t.name === name)!.answers;
}

async function upgrade(fs: ReturnType<typeof memoryFs>['fs'], name: string, to: string) {
  const lock = parseLockfile(String(await fs.readFile('/repo/.platform.yaml')), '.platform.yaml');
  const locked = lock.templates.find((t) => t.name === name)!;
  const base = (await renderBuiltin(`${name}@${locked.version}`, locked.answers, 'repo')).tree;
  const target = await builtinTemplate(`${name}@${to}`);
  const rendered = await renderBuiltin(`${name}@${to}`, locked.answers, 'repo');
  const secrets = new Set(target.manifest.questions.filter((q) => q.secret).map((q) => q.name));
  return planChanges(fs, '/repo', lock, [{ target, source: 'builtin', locked, base, answers: { values: rendered.values, secrets } }], { textMerger, conflictStyle: 'markers', force: false });
}

describe('every pair of built-in versions', () => {
  it('has at least one template with two versions to upgrade between', () => {
    expect(pairs.length).toBeGreaterThan(0);
  });

  it.each(pairs)('%s: an untouched repo upgraded from %s to %s equals a fresh create', async (name, from, to) => {
    const upgraded = await createAt(name, from);
    const answers = await recordedAnswers(upgraded.fs, name);
    const plan = await upgrade(upgraded.fs, name, to);
    expect(plan.conflicts).toEqual([]);
    await applyPlan(upgraded.fs, plan, { pid: 1 });
    const fresh = await createAt(name, to, answers);
    expect(files(upgraded.vol)).toEqual(files(fresh.vol));
  });

  it.each(pairs)("%s: a team's edit survives the upgrade from %s to %s, with no conflict", async (name, from, to) => {
    const repo = await createAt(name, from);
    const fresh = await createAt(name, to, await recordedAnswers(repo.fs, name));
    // A merge-policy text file both versions end alike (the template's changes are elsewhere):
    // the team's note appended to it, away from what the template changed.
    const lock = parseLockfile(String(await repo.fs.readFile('/repo/.platform.yaml')), '.platform.yaml');
    const before = files(repo.vol);
    const after = files(fresh.vol);
    const rank = (path: string): number => 2 * Number(before[`/repo/${path}`] === after[`/repo/${path}`]) + Number(!/\.ya?ml$/.test(path));
    const tail = (text: string | null | undefined): string => (text ?? '').split('\n').slice(-4).join('\n');
    const candidates = Object.entries(lock.templates[0]!.files)
      .filter(([path, file]) => file.policy === 'merge' && /\.(md|ya?ml|ts|sh|toml)$/.test(path) && after[`/repo/${path}`] && tail(before[`/repo/${path}`]) === tail(after[`/repo/${path}`]))
      // Alike files first, then line-merged kinds (a YAML comment change under an edit is issue 14's).
      .sort(([a], [b]) => rank(b) - rank(a))
      .map(([path]) => path);
    expect(candidates.length, `${name}: a merge-policy file ${from} and ${to} write alike`).toBeGreaterThan(0);
    const path = candidates[0]!;
    const note = /\.md$/.test(path) ? '\nOur team note: ask #payments before changing this.\n' : '\n# Our team note: ask #payments before changing this.\n';
    repo.vol.writeFileSync(`/repo/${path}`, `${before[`/repo/${path}`]!}${note}`);
    const plan = await upgrade(repo.fs, name, to);
    expect(plan.conflicts).toEqual([]);
    await applyPlan(repo.fs, plan, { pid: 1 });
    expect(String(repo.vol.readFileSync(`/repo/${path}`))).toBe(`${after[`/repo/${path}`]!}${note}`);
  });
});

describe('upgrading to the version already installed', () => {
  it.each(catalog.map((entry) => [entry.name, entry.versions[entry.versions.length - 1]!] as const))('%s@%s changes nothing, not even the lockfile', async (name, version) => {
    const { fs, vol } = await createAt(name, version);
    const before = vol.toJSON('/repo');
    const plan = await upgrade(fs, name, version);
    expect(plan.operations.every((op) => op.kind === 'keep' || op.kind === 'skip')).toBe(true);
    expect(plan.lockText).toBe(before['/repo/.platform.yaml']);
  });
});
