import { describe, expect, it } from 'vitest';
import { failingFs, freezingFs, memoryFs, text } from '../helpers/memfs.js';
import { recoverInterrupted } from '../../src/apply/apply.js';
import { makeTemplate } from '../helpers/template.js';
import { planCreate } from '../helpers/upgrade-repo.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { EMPTY_LOCKFILE, parseLockfile, sha256 } from '../../src/lock/lockfile.js';
import type { Fs } from '../../src/core/fs.js';
import { PlatformError } from '../../src/core/errors.js';

const MANIFEST = `name: svc
version: 1.0.0
questions:
  - name: name
    type: string
  - name: token
    type: string
    secret: true
files:
  - glob: "src/**"
    policy: once
`;
const FILES = {
  'README.md.hbs': '# {{name}}\n',
  'src/index.ts.hbs': 'console.log("{{name}}");\n',
  'bin/run.sh': '#!/bin/sh\necho run\n',
  'deep/a/b/c.txt': 'c\n',
};
const answers = { values: { name: 'billing', token: 's3cr3t-value' }, secrets: new Set(['token']) };

async function planFor(fs: Fs, root = '/repo') {
  const template = await makeTemplate(MANIFEST, FILES);
  template.files.find((f) => f.path === 'bin/run.sh')!.executable = true;
  return planCreate({ fs, root, template, sourceLabel: 'builtin', answers, lock: EMPTY_LOCKFILE });
}

/** Every file under root with its content, to compare states. */
function snapshot(vol: ReturnType<typeof memoryFs>['vol'], root: string): Record<string, string | null> {
  return Object.fromEntries(Object.entries(vol.toJSON(root)).sort(([a], [b]) => a.localeCompare(b)));
}

describe('create: plan then apply', () => {
  it('plans a create for every file into an empty folder and writes them with the lockfile', async () => {
    const { fs, vol } = memoryFs();
    const plan = await planFor(fs);
    expect(plan.operations.map((op) => [op.path, op.kind])).toEqual([
      ['README.md', 'create'],
      ['bin/run.sh', 'create'],
      ['deep/a/b/c.txt', 'create'],
      ['src/index.ts', 'create'],
    ]);
    await applyPlan(fs, plan, { pid: 1 });
    expect(vol.readFileSync('/repo/README.md', 'utf8')).toBe('# billing\n');
    expect(vol.statSync('/repo/bin/run.sh').mode & 0o111).not.toBe(0);
    expect(vol.existsSync('/repo/.platform-staging')).toBe(false);

    const lock = parseLockfile(vol.readFileSync('/repo/.platform.yaml', 'utf8') as string, '.platform.yaml');
    const entry = lock.templates[0]!;
    expect(entry).toMatchObject({ name: 'svc', version: '1.0.0', source: 'builtin', answers: { name: 'billing' } });
    expect(entry.files['src/index.ts']).toEqual({ policy: 'once', sha256: sha256(new TextEncoder().encode('console.log("billing");\n')) });
    expect(entry.files['bin/run.sh']?.executable).toBe(true);
    expect(entry.files['README.md']?.policy).toBe('merge');
  });

  it('never persists a secret answer', async () => {
    const { fs, vol } = memoryFs();
    await applyPlan(fs, await planFor(fs), { pid: 1 });
    expect(vol.readFileSync('/repo/.platform.yaml', 'utf8')).not.toContain('s3cr3t-value');
    expect(vol.readFileSync('/repo/.platform.yaml', 'utf8')).not.toContain('token');
  });

  it('adopts identical files and marks different ones as conflicts, keeping both versions', async () => {
    const { fs, vol } = memoryFs({ '/repo/README.md': '# billing\n', '/repo/src/index.ts': 'my own code\n' });
    const plan = await planFor(fs);
    const kinds = Object.fromEntries(plan.operations.map((op) => [op.path, op.kind]));
    expect(kinds).toMatchObject({ 'README.md': 'keep', 'src/index.ts': 'conflict' });
    expect(plan.conflicts).toEqual(['src/index.ts']);
    await applyPlan(fs, plan, { pid: 1 });
    expect(vol.readFileSync('/repo/src/index.ts', 'utf8')).toBe(
      '<<<<<<< local\nmy own code\n=======\nconsole.log("billing");\n>>>>>>> svc@1.0.0\n',
    );
  });

  it('refuses when a folder stands where a file goes, before writing anything', async () => {
    const { fs, vol } = memoryFs({ '/repo/README.md/inner.txt': 'x' });
    const error = await planFor(fs).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'path-in-the-way', exitCode: 5 });
    expect(Object.keys(vol.toJSON('/repo'))).toEqual(['/repo/README.md/inner.txt']);
  });
});

describe('apply is all or nothing', () => {
  const before = { '/repo/keep.txt': 'mine\n', '/repo/src/index.ts': 'my own code\n' };

  for (const method of ['writeFile', 'rename', 'mkdir', 'chmod'] as const) {
    for (let call = 1; call <= 8; call++) {
      it(`leaves an existing folder as it was when ${method} call ${call} fails`, async () => {
        const { fs, vol } = memoryFs(before);
        const plan = await planFor(fs);
        const expected = snapshot(vol, '/repo');
        const error = await applyPlan(failingFs(fs, method, call), plan, { pid: 1 }).catch((e: unknown) => e);
        if (error === undefined) return; // fewer calls than `call`: the write simply succeeded
        expect(error).toBeInstanceOf(PlatformError);
        expect((error as PlatformError).message).toContain('disk is full');
        expect(snapshot(vol, '/repo')).toEqual(expected);
      });
    }
  }

  it('removes a folder it created itself when writing fails', async () => {
    const { fs, vol } = memoryFs({ '/other.txt': 'x' });
    const plan = await planFor(fs, '/new-service');
    const error = await applyPlan(failingFs(fs, "rename", 3), plan, { pid: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    expect(vol.existsSync('/new-service')).toBe(false);
  });

  it('refuses to write through a symbolic link inside the target', async () => {
    const { fs, vol } = memoryFs({ '/outside/secret.txt': 'x', '/repo/.keep': '' });
    vol.symlinkSync('/outside', '/repo/src');
    // Planning reads through the same checks and refuses already...
    expect(await planFor(fs).catch((e: unknown) => e)).toMatchObject({ code: 'target-symlink', exitCode: 5 });
    // ...and a link planted after planning is caught when writing.
    vol.unlinkSync('/repo/src');
    const plan = await planFor(fs);
    vol.symlinkSync('/outside', '/repo/src');
    const error = await applyPlan(fs, plan, { pid: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'target-symlink', exitCode: 5 });
    expect(vol.readdirSync('/outside')).toEqual(['secret.txt']);
    expect(vol.existsSync('/repo/README.md')).toBe(false);
  });

  it('refuses to start while an earlier run\'s staging folder is there', async () => {
    const { fs } = memoryFs({ '/repo/.platform-staging/journal.json': '{}' });
    const error = await applyPlan(fs, await planFor(fs), { pid: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'staging-exists', exitCode: 5 });
    expect(text(await fs.readFile('/repo/.platform-staging/journal.json'))).toBe('{}');
  });
});

describe('a run killed at any point', () => {
  const before = { '/repo/README.md': '# old readme\n', '/repo/src/index.ts': 'console.log("billing");\n', '/repo/mine.txt': 'mine\n' };

  /** Disk state after one uninterrupted run, to compare with. */
  async function uninterrupted(): Promise<Record<string, string | null>> {
    const { fs, vol } = memoryFs(before);
    await applyPlan(fs, await planFor(fs), { pid: 1 });
    return snapshot(vol, '/repo');
  }

  it('is put back as before by the next run, which then finishes the job', async () => {
    const expected = await uninterrupted();
    const { fs } = memoryFs(before);
    const counting = freezingFs(fs, Infinity);
    await applyPlan(counting.fs, await planFor(fs), { pid: 1 });
    expect(counting.calls()).toBeGreaterThan(10);
    {
      for (let allowed = 0; allowed < counting.calls(); allowed++) {
        const { fs: disk, vol } = memoryFs(before);
        const initial = snapshot(vol, '/repo');
        const plan = await planFor(disk);
        const frozen = freezingFs(disk, allowed);
        void applyPlan(frozen.fs, plan, { pid: 4242 });
        while (frozen.calls() <= allowed) await new Promise((resolve) => setTimeout(resolve, 1));

        // The next run first puts everything back as it was (or, killed while cleaning up after
        // the last rename, finds the job done)...
        await recoverInterrupted(disk, '/repo', () => false);
        const recovered = snapshot(vol, '/repo');
        expect([initial, expected], `killed after ${allowed} writes`).toContainEqual(recovered);
        // ...then does the whole job, ending exactly where an uninterrupted run ends.
        if (recovered === initial || JSON.stringify(recovered) === JSON.stringify(initial)) await applyPlan(disk, await planFor(disk), { pid: 1 });
        expect(snapshot(vol, '/repo'), `rerun after a kill at ${allowed}`).toEqual(expected);
      }
    }
  });

  it('refuses to recover while the interrupted run is still alive', async () => {
    const { fs } = memoryFs(before);
    const frozen = freezingFs(fs, 12);
    void applyPlan(frozen.fs, await planFor(fs), { pid: 4242 });
    while (frozen.calls() <= 12) await new Promise((resolve) => setTimeout(resolve, 1));
    const error = await recoverInterrupted(fs, '/repo', (pid) => pid === 4242).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'run-in-progress', exitCode: 5 });
  });
});
