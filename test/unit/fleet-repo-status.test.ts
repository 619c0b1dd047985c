/**
 * Reading one fleet repository (on memfs): what is found, and every hostile repository refused
 * for itself alone: a linked or oversized lockfile, a lockfile naming a path outside its root.
 */
import { describe, expect, it } from 'vitest';
import { discoverRoots } from '../../src/fleet/discovery.js';
import { readRepoStatus, type StatusOptions } from '../../src/fleet/repo-status.js';
import { serializeLockfile, sha256, type Lockfile } from '../../src/lock/lockfile.js';
import { memoryFs } from '../helpers/memfs.js';

const DOCKERFILE = 'FROM node:22\n';
const lockfile = (over: Partial<Lockfile['templates'][number]> = {}): string =>
  serializeLockfile({
    schemaVersion: 1,
    cli: { package: 'create-service', version: '0.1.0' },
    templates: [
      { name: 'service', version: '1.1.0', source: 'builtin', answers: { name: 'svc' }, files: { Dockerfile: { policy: 'owned', sha256: sha256(new TextEncoder().encode(DOCKERFILE)) }, 'src/app.ts': { policy: 'once', sha256: '0'.repeat(64) } }, ...over },
    ],
  });

const options = (over: Partial<StatusOptions> = {}): StatusOptions => ({
  checkDrift: false,
  history: false,
  env: process.env,
  versions: async () => ['1.0.0', '1.1.0', '1.2.0', '1.3.0'],
  ...over,
});

describe('fleet discovery', () => {
  it('finds each lockfile, monorepo services included; never enters .git, node_modules or a linked folder', async () => {
    const { fs, vol } = memoryFs({
      '/f/a/.platform.yaml': 'x',
      '/f/mono/svc-a/.platform.yaml': 'x',
      '/f/mono/svc-b/.platform.yaml': 'x',
      '/f/mono/node_modules/dep/.platform.yaml': 'x',
      '/f/a/.git/x/.platform.yaml': 'x',
      '/elsewhere/.platform.yaml': 'x',
    });
    vol.symlinkSync('/elsewhere', '/f/link');
    const found: string[] = [];
    for await (const root of discoverRoots(fs, ['/f'])) found.push(root);
    expect(found).toEqual(['/f/a', '/f/mono/svc-a', '/f/mono/svc-b']);
  });
});

describe('fleet repository status', () => {
  it('reports version, latest, versions behind, CLI, pending hooks and leftovers of a rejected merge', async () => {
    const { fs } = memoryFs({ '/r/.platform.yaml': lockfile({ hooks: 'pending' }), '/r/Dockerfile': DOCKERFILE, '/r/src/app.ts': 'x', '/r/src/app.ts.rej': 'merge' });
    const status = await readRepoStatus(fs, '/r', 'r', options());
    expect(status.error).toBeUndefined();
    expect(status.cli).toBe('0.1.0');
    expect(status.components).toEqual([{ name: 'service', version: '1.1.0', source: 'builtin', latest: '1.3.0', behind: 2, driftedOwned: undefined, conflicts: ['src/app.ts'], hooks: 'pending' }]);
    expect(status.conflicts).toEqual(['src/app.ts']);
  });

  it('--check-drift: an owned file edited or gone is drift; a once file is not; markers are a conflict', async () => {
    const { fs } = memoryFs({ '/r/.platform.yaml': lockfile(), '/r/Dockerfile': `${DOCKERFILE}# edit\n`, '/r/src/app.ts': 'a\n<<<<<<< local\nb\n=======\nc\n>>>>>>> service@1.3.0\n' });
    const status = await readRepoStatus(fs, '/r', 'r', options({ checkDrift: true }));
    expect(status.components[0]!.driftedOwned).toEqual(['Dockerfile']);
    expect(status.conflicts).toEqual(['src/app.ts']);
    const { fs: gone } = memoryFs({ '/r/.platform.yaml': lockfile(), '/r/src/app.ts': 'mine' });
    expect((await readRepoStatus(gone, '/r', 'r', options({ checkDrift: true }))).components[0]!.driftedOwned).toEqual(['Dockerfile']);
  });

  it('a source that cannot be read: latest unknown, nothing behind', async () => {
    const { fs } = memoryFs({ '/r/.platform.yaml': lockfile(), '/r/Dockerfile': DOCKERFILE });
    const status = await readRepoStatus(fs, '/r', 'r', options({ versions: async () => [] }));
    expect(status.components[0]).toMatchObject({ latest: undefined, behind: 0 });
  });

  it('refuses a linked lockfile, a huge one, one naming a path outside the repository, one linked through a folder', async () => {
    const { fs, vol } = memoryFs({ '/secret/.platform.yaml': lockfile(), '/big/.platform.yaml': `${'#'.repeat(64 * 1024 * 1024 + 1)}\n`, '/out/.platform.yaml': lockfile({ files: { '../secret/.platform.yaml': { policy: 'owned', sha256: '0'.repeat(64) } } }) });
    vol.mkdirSync('/linked');
    vol.symlinkSync('/secret/.platform.yaml', '/linked/.platform.yaml');
    vol.mkdirSync('/via');
    vol.writeFileSync('/via/.platform.yaml', lockfile({ files: { 'inner/Dockerfile': { policy: 'owned', sha256: '0'.repeat(64) } } }));
    vol.symlinkSync('/secret', '/via/inner');
    const read = (root: string, o: Partial<StatusOptions> = {}) => readRepoStatus(fs, root, root, options(o));
    expect((await read('/linked')).error?.code).toBe('target-symlink');
    expect((await read('/big')).error?.code).toBe('input-too-large');
    expect((await read('/out')).error?.code).toBe('unsafe-path');
    expect((await read('/via', { checkDrift: true })).error?.code).toBe('target-symlink');
    for (const root of ['/linked', '/big', '/out']) expect((await read(root)).components).toEqual([]);
  });
});
