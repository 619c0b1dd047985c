/**
 * SECURITY.md promise, fuzzed: whatever the repository's lockfile and recovery journal hold
 * (random paths with "..", absolute, .git, NUL, backslashes, long names; random kinds, sizes,
 * links and folders on disk), `platform status`, `platform upgrade --dry-run` and recovery
 * write nothing outside the repository, read nothing outside it and the templates, and fail, if they fail, only with a documented
 * PlatformError (never "unexpected error, this is a bug").
 */
import { posix } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { recoverInterrupted } from '../../src/apply/apply.js';
import { PlatformError } from '../../src/core/errors.js';
import type { Fs } from '../../src/core/fs.js';
import { OUTSIDE, ROOT, TEMPLATES, hostileRepo, platform, show } from '../helpers/hostile-repo.js';

const STAGING = `${ROOT}/.platform-staging`;

const PIECES = [
  '..', '.', '', '/', '//', '\\', '\\..\\', '\0', 'C:', '.git', '.GIT', '.Git', 'git~1', '.git\u200b', '.platform.yaml', '.PLATFORM.YAML',
  '.platform-staging', '.Platform-Staging', 'README.md', 'src', 'app.txt', 'src/app.txt', 'outside', 'x', 'CON', 'a ', 'é', 'e\u0301',
  'x'.repeat(300), '%2e%2e', '~', 'old-0', 'new-0', 'journal.json',
];
const segment = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PIECES) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) });
/** A relative-looking path built from hostile pieces (sometimes absolute, sometimes "../"). */
const hostilePath = fc
  .tuple(fc.constantFrom('', '', '/', '../', `${OUTSIDE}/`, '../../'), fc.array(segment, { minLength: 1, maxLength: 4 }))
  .map(([prefix, parts]) => prefix + parts.join('/'));

const hex = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 });
const lockedFile = fc.record({
  policy: fc.oneof({ weight: 15, arbitrary: fc.constantFrom('merge', 'owned', 'once') }, { weight: 1, arbitrary: fc.constant('bogus') }),
  sha256: fc.oneof({ weight: 15, arbitrary: hex }, { weight: 1, arbitrary: fc.string({ maxLength: 5 }) }),
});

/** A lockfile: mostly well-formed YAML with hostile files: keys, sometimes garbage. */
const lockfile = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        version: fc.constantFrom('1.0.0', '1.0.0', '1.0.0', '1.0.0', '1.1.0', '0.0.1', 'x'),
        source: fc.constantFrom(`dir:${TEMPLATES}`, `dir:${TEMPLATES}`, 'dir:/nowhere', `dir:${OUTSIDE}`),
        // Mostly plausible keys, so that a lockfile often parses and the disk is what is hostile.
        files: fc.dictionary(fc.oneof({ weight: 3, arbitrary: fc.constantFrom('README.md', 'src/app.txt', 'docs/a.md', 'src/deep/b.txt') }, { weight: 1, arbitrary: hostilePath }), lockedFile, { maxKeys: 4 }),
        keep: fc.boolean(),
      })
      .map(({ version, source, files, keep }) =>
        stringify({
          schemaVersion: 1,
          templates: [{ name: 'svc', version, source, answers: {}, files: keep ? { 'README.md': { policy: 'merge', sha256: '0'.repeat(64) }, ...files } : files }],
        }),
      ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

const entry = fc.record(
  {
    path: fc.oneof(hostilePath, fc.constantFrom('README.md', 'src/app.txt', '.platform.yaml'), fc.anything()),
    staged: fc.oneof(fc.constantFrom('new-0', 'new-1', '../new-0', '/etc/passwd'), hostilePath),
    backup: fc.oneof(fc.constantFrom('old-0', 'old-1', '../old-0', `${OUTSIDE}/secret.txt`), hostilePath),
  },
  { requiredKeys: ['path', 'backup'] },
);

/** A journal: a random mix of right and wrong fields, or random text. */
const journal = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .record({
        version: fc.constantFrom(1, 2, 2, 3, '2'),
        root: fc.constantFrom(ROOT, ROOT, `${ROOT}/`, '/elsewhere', OUTSIDE),
        pid: fc.oneof(fc.constantFrom(4242, 0, -1), fc.anything()),
        createdRoot: fc.boolean(),
        createdDirs: fc.array(fc.oneof(hostilePath, fc.constantFrom('src', 'new')), { maxLength: 3 }),
        entries: fc.array(entry, { maxLength: 4 }),
      })
      .map((j) => JSON.stringify(j)),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 100 }) },
);

/** What stands on disk at a path inside the repository. */
const diskThing = fc.record({
  path: fc.oneof({ weight: 3, arbitrary: fc.constantFrom('src', 'src/app.txt', 'src/deep', 'README.md', 'docs', 'docs/a.md', '.platform-staging', '.platform-staging/old-0', '.platform-staging/new-0') }, { weight: 1, arbitrary: hostilePath }),
  kind: fc.constantFrom('file', 'folder', 'link-outside', 'link-outside', 'link-file-outside', 'link-root'),
});

/** Builds the repository: a lockfile, maybe a journal, and links or folders dropped anywhere. */
function build(lock: string, journalText: string | undefined, things: Array<{ path: string; kind: string }>) {
  const repo = hostileRepo(lock);
  const { vol } = repo;
  if (journalText !== undefined) {
    vol.mkdirSync(STAGING, { recursive: true });
    vol.writeFileSync(`${STAGING}/journal.json`, journalText);
    vol.writeFileSync(`${STAGING}/old-0`, 'backup\n');
  }
  for (const thing of things) {
    const full = posix.normalize(posix.join(ROOT, thing.path));
    // Only inside the repository: the fuzzer plays the repository's author, not the machine's.
    if (!full.startsWith(`${ROOT}/`) || full === `${ROOT}/` || thing.path.includes('\0')) continue;
    try {
      vol.mkdirSync(posix.dirname(full), { recursive: true });
      if (vol.existsSync(full)) vol.rmSync(full, { recursive: true, force: true });
      if (thing.kind === 'file') vol.writeFileSync(full, 'planted\n');
      else if (thing.kind === 'folder') vol.mkdirSync(full, { recursive: true });
      else if (thing.kind === 'link-outside') vol.symlinkSync(OUTSIDE, full);
      else if (thing.kind === 'link-file-outside') vol.symlinkSync(`${OUTSIDE}/secret.txt`, full);
      else vol.symlinkSync('/', full);
    } catch {
      // A path memfs cannot hold (a file in the way of a folder): leave that one out.
    }
  }
  return repo;
}

/** Everything outside the repository, to compare before and after. */
function outsideRoot(vol: ReturnType<typeof hostileRepo>['vol']): Record<string, string | null> {
  return Object.fromEntries(Object.entries(vol.toJSON()).filter(([path]) => path !== ROOT && !path.startsWith(`${ROOT}/`)));
}

/**
 * Records any mutating call aimed outside the repository (by its path string), and any read
 * that lands outside the repository and the template folder once links are resolved.
 */
function guarded(inner: Fs, vol: ReturnType<typeof hostileRepo>['vol'], escapes: string[]): Fs {
  const mutating = new Set(['writeFile', 'mkdir', 'rename', 'rm', 'rmdir', 'chmod']);
  const inside = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as (...a: unknown[]) => Promise<unknown>;
      if (prop === 'readFile') {
        return async (path: string) => {
          let real: string | undefined;
          try {
            real = String(vol.realpathSync(path));
          } catch {
            real = undefined;
          }
          if (real !== undefined && !inside(real, ROOT) && !inside(real, TEMPLATES)) escapes.push(`readFile ${path} -> ${real}`);
          return value.call(target, path);
        };
      }
      if (typeof value !== 'function' || !mutating.has(String(prop))) return value;
      return async (...args: unknown[]) => {
        for (const arg of args.slice(0, prop === 'rename' ? 2 : 1)) {
          const path = posix.normalize(String(arg));
          if (path !== ROOT && !path.startsWith(`${ROOT}/`)) escapes.push(`${String(prop)} ${path}`);
        }
        return value.apply(target, args);
      };
    },
  });
}

const documented = (result: { code: number; stdout: string }): string[] => {
  const document = JSON.parse(result.stdout) as { errors: Array<{ code: string; message: string }> };
  return document.errors.filter((e) => e.code === 'internal').map((e) => e.message);
};

describe('fuzz: hostile lockfiles and journals', () => {
  it('status and upgrade --dry-run write nothing and fail only with documented errors', async () => {
    await fc.assert(
      fc.asyncProperty(lockfile, fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: journal }), fc.array(diskThing, { maxLength: 3 }), async (lock, journalText, things) => {
        const { fs, vol } = build(lock, journalText, things);
        const before = vol.toJSON();
        const escapes: string[] = [];
        for (const args of [['status', '--json'], ['upgrade', '--dry-run', '--json']]) {
          const result = await platform(guarded(fs, vol, escapes), args);
          expect(documented(result), show(result)).toEqual([]);
          expect([0, 2, 3, 5, 6], show(result)).toContain(result.code);
        }
        expect(escapes).toEqual([]);
        // Read-only commands: nothing anywhere changed, inside the repository or out.
        expect(vol.toJSON()).toEqual(before);
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('recovery writes nothing outside the root and throws only PlatformErrors', async () => {
    await fc.assert(
      fc.asyncProperty(lockfile, journal, fc.array(diskThing, { maxLength: 3 }), async (lock, journalText, things) => {
        const { fs, vol } = build(lock, journalText, things);
        const outside = outsideRoot(vol);
        const escapes: string[] = [];
        const error = await recoverInterrupted(guarded(fs, vol, escapes), ROOT, () => false).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (error !== undefined) expect(error, String(error)).toBeInstanceOf(PlatformError);
        expect(escapes).toEqual([]);
        expect(outsideRoot(vol)).toEqual(outside);
      }),
      { numRuns: 400 },
    );
  }, 120_000);
});
