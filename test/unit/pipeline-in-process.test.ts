/**
 * create, add and upgrade are one pipeline, run here in-process through the CLI's own entry on
 * memfs with a recording git. Promises: a dry run and a real run of the same scenario exit with
 * the same code and the dry run changes nothing; the three commands print one JSON shape; git is
 * asked only what each step needs.
 */
import { describe, expect, it } from 'vitest';
import { memoryFs } from '../helpers/memfs.js';
import { recordingGit, runInProcess, type InProcessResult } from '../helpers/in-process.js';
import type { GitPort } from '../../src/steps/git-port.js';

const MANIFEST = (version: string, extra = ''): string => `name: thing\nversion: ${version}\nquestions:\n  - { name: name, type: string, default: svc }\n${extra}`;

/** A template folder with VERSION/ folders, as a platform team keeps one. */
function templates(versions: Record<string, { manifest?: string; files: Record<string, string> }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [version, spec] of Object.entries(versions)) {
    out[`/tpl/${version}/template.yaml`] = spec.manifest ?? MANIFEST(version);
    for (const [path, text] of Object.entries(spec.files)) out[`/tpl/${version}/files/${path}`] = text;
  }
  return out;
}

const V1 = { '1.0.0': { files: { 'README.md.hbs': '# {{name}}\n', 'notes.txt': 'one\ntwo\nthree\n' } } };
const V2 = { '2.0.0': { files: { 'README.md.hbs': '# {{name}}\n\nv2\n', 'notes.txt': 'one\ntwo\nthree (v2)\n', 'new.txt': 'new\n' } } };

interface Scenario {
  name: string;
  /** The folder before the command. */
  files: Record<string, string>;
  cwd: string;
  args: string[];
  bin?: 'platform' | 'create-service';
  git?: () => GitPort;
  exit: number;
}

/** The folder a create at 1.0.0 leaves, with the lockfile the real pipeline wrote. */
async function createdAt(extra: Record<string, string> = {}): Promise<Record<string, string>> {
  const { fs, vol } = memoryFs({ ...templates(V1), '/work/.keep': '' });
  const created = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], { cwd: '/work', bin: 'create-service' });
  expect(created.code, created.stderr).toBe(0);
  return { ...(vol.toJSON() as Record<string, string>), ...templates(V2), ...extra };
}

async function scenarios(): Promise<Scenario[]> {
  const created = await createdAt();
  return [
    { name: 'create into a new folder', files: { ...templates(V1), '/work/.keep': '' }, cwd: '/work', bin: 'create-service', args: ['svc', '--template', '/tpl', '--yes', '--no-install'], exit: 0 },
    {
      name: 'create --force over a different file: a conflict',
      files: { ...templates(V1), '/work/svc/README.md': '# mine\n' },
      cwd: '/work',
      bin: 'create-service',
      args: ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git', '--force'],
      exit: 3,
    },
    { name: 'add next to a different README: a conflict', files: { ...templates(V1), '/repo/README.md': '# repo\n' }, cwd: '/repo', args: ['add', '/tpl/1.0.0', '--yes'], exit: 3 },
    {
      name: 'add over a README with uncommitted changes: refused',
      files: { ...templates(V1), '/repo/README.md': '# repo\n' },
      cwd: '/repo',
      args: ['add', '/tpl/1.0.0', '--yes'],
      git: () => recordingGit({ dirty: ['README.md'], repository: '/repo' }),
      exit: 5,
    },
    { name: 'upgrade with a local edit: merged', files: { ...created, '/work/svc/notes.txt': 'one (mine)\ntwo\nthree\n' }, cwd: '/work/svc', args: ['upgrade', '--yes'], exit: 0 },
    { name: 'upgrade over the same line: a conflict', files: { ...created, '/work/svc/notes.txt': 'one\ntwo\nthree (mine)\n' }, cwd: '/work/svc', args: ['upgrade', '--yes'], exit: 3 },
    {
      name: 'upgrade over uncommitted changes: refused',
      files: { ...created, '/work/svc/notes.txt': 'one (mine)\ntwo\nthree\n' },
      cwd: '/work/svc',
      args: ['upgrade', '--yes'],
      git: () => recordingGit({ dirty: ['notes.txt'], repository: '/work/svc' }),
      exit: 5,
    },
    {
      name: 'upgrade to a version with a new question, without --yes: stops at the question',
      files: { ...created, '/tpl/2.0.0/template.yaml': MANIFEST('2.0.0', '  - { name: region, type: string, default: eu-west-1 }\n') },
      cwd: '/work/svc',
      args: ['upgrade'],
      exit: 2,
    },
  ];
}

async function runIn(files: Record<string, string>, scenario: Scenario, extra: string[]): Promise<{ result: InProcessResult; before: Record<string, string | null>; after: Record<string, string | null> }> {
  const { fs, vol } = memoryFs(files);
  const before = vol.toJSON();
  const result = await runInProcess(fs, [...scenario.args, ...extra], { cwd: scenario.cwd, bin: scenario.bin ?? 'platform', git: (scenario.git ?? (() => recordingGit()))() });
  return { result, before, after: vol.toJSON() };
}

describe('a dry run and a real run of the same scenario, in-process', async () => {
  for (const scenario of await scenarios()) {
    it(`${scenario.name}: both exit ${scenario.exit}, and the dry run writes nothing`, async () => {
      const real = await runIn(scenario.files, scenario, []);
      const dry = await runIn(scenario.files, scenario, ['--dry-run']);
      expect(real.result.code, real.result.stderr).toBe(scenario.exit);
      expect(dry.result.code, dry.result.stderr).toBe(scenario.exit);
      expect(dry.after).toEqual(dry.before);
      // Refusals leave the real folder as it was too.
      if (scenario.exit === 2 || scenario.exit === 5) expect(real.after).toEqual(real.before);
      else expect(real.after).not.toEqual(real.before);
    });
  }
});

describe('one JSON shape for the three commands that write files', () => {
  const SHAPE = ['command', 'ok', 'exitCode', 'warnings', 'errors', 'dryRun', 'root', 'upToDate', 'components', 'files', 'conflicts'];

  it('create, add and upgrade report root, components (from/to) and files (action, policy, reason) alike', async () => {
    const created = await createdAt();
    const runs = [
      await runIn({ ...templates(V1), '/work/.keep': '' }, { name: '', files: {}, cwd: '/work', bin: 'create-service', args: ['svc', '--template', '/tpl', '--yes', '--no-install', '--no-git'], exit: 0 }, ['--json']),
      await runIn({ ...templates(V1), '/repo/.keep': '' }, { name: '', files: {}, cwd: '/repo', args: ['add', '/tpl/1.0.0', '--yes'], exit: 0 }, ['--json']),
      await runIn(created, { name: '', files: {}, cwd: '/work/svc', args: ['upgrade', '--yes'], exit: 0 }, ['--json']),
    ];
    const docs = runs.map(({ result }) => JSON.parse(result.stdout) as Record<string, unknown> & { components: Array<Record<string, unknown>>; files: Array<Record<string, unknown>> });
    for (const doc of docs) {
      expect(Object.keys(doc)).toEqual(expect.arrayContaining(SHAPE));
      expect(doc.files.at(-1)).toEqual({ path: '.platform.yaml', action: 'update', reason: 'records what the template wrote' });
      for (const file of doc.files.slice(0, -1)) expect(Object.keys(file)).toEqual(['path', 'action', 'policy', 'reason']);
    }
    expect(docs.map((d) => d.components.map((c) => [c.name, c.from, c.to]))).toEqual([[['thing', null, '1.0.0']], [['thing', null, '1.0.0']], [['thing', '1.0.0', '2.0.0']]]);
    expect(docs.map((d) => d.root)).toEqual(['/work/svc', '/repo', '/work/svc']);
    expect(docs[2]!.files.filter((f) => f.action !== 'keep').map((f) => `${f.action} ${f.path}`)).toEqual(['update README.md', 'create new.txt', 'update notes.txt', 'update .platform.yaml']);
  });
});

describe('git is asked only what each step needs', () => {
  it('create into a new folder: no dirty check (nothing exists), then the first commit without the secret file', async () => {
    const files = { ...templates({ '1.0.0': { manifest: MANIFEST('1.0.0', '  - { name: token, type: string, secret: true }\nfiles:\n  - { glob: .env, policy: secret }\n'), files: { 'README.md.hbs': '# {{name}}\n', '.env.hbs': 'TOKEN={{token}}\n' } } }), '/work/.keep': '' };
    const git = recordingGit();
    const { fs } = memoryFs(files);
    const result = await runInProcess(fs, ['svc', '--template', '/tpl', '--yes', '--no-install', '--set', 'token=s3cr3t'], { cwd: '/work', bin: 'create-service', git });
    expect(result.code, result.stderr).toBe(0);
    expect(git.calls).toEqual(['inside /work/svc', 'init /work/svc excluding .env']);
    expect(result.stdout).not.toContain('s3cr3t');
  });

  it('an upgrade asks about the files it would change, then records its conflicts as unmerged', async () => {
    const git = recordingGit({ repository: '/work/svc' });
    const { fs } = memoryFs({ ...(await createdAt()), '/work/svc/notes.txt': 'one\ntwo\nthree (mine)\n' });
    const result = await runInProcess(fs, ['upgrade', '--yes'], { cwd: '/work/svc', git });
    expect(result.code, result.stderr).toBe(3);
    expect(git.calls).toEqual(['uncommitted README.md notes.txt', 'unmerged notes.txt', 'stage new.txt']);
    expect(result.stdout).toContain('1 file(s) left in conflict for you (exit 3)');
    // Every way out is a command: either side whole, then git add.
    expect(result.stdout).toContain('git checkout --theirs -- notes.txt');
    expect(result.stdout).toContain('git checkout --ours -- notes.txt');
    expect(result.stdout).toContain('git add notes.txt');
  });
});
