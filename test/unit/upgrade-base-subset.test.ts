/**
 * `platform upgrade` renders the recorded version again only for the files that need a base
 * (edited or gone), not for every file. That must never change an upgrade: over generated
 * templates (static and answer-named paths, conditions, policies, renames, retired and new
 * files) and every mix of untouched, edited, conflicting, deleted and moved files, the plan —
 * operations, bytes, the lockfile, notes — is the plan of the whole base.
 */
import fc from 'fast-check';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, templateVersion, type Repo } from '../helpers/upgrade-repo.js';
import { planBothWays } from '../helpers/base-subset.js';

const LINES = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';
const NAMES = ['a.txt', 'b.txt', 'docs/c.md', 'owned.txt', 'once.txt', 'cond.txt', 'src/{{name}}.ts'];
const MANIFEST = (renames: string) => `questions:
  - name: name
    type: string
  - name: extra
    type: boolean
    default: true
files:
  - glob: owned.txt
    policy: owned
  - glob: once.txt
    policy: once
  - glob: cond.txt
    when: "{{extra}}"
${renames}`;

type V2 = 'same' | 'changed' | 'changed-top' | 'retired';
type Disk = 'untouched' | 'edited-top' | 'edited-bottom' | 'edited-same-line' | 'deleted' | 'moved' | 'moved-edited' | 'replaced';

const fileCase = fc.record({
  v2: fc.constantFrom<V2>('same', 'changed', 'changed-top', 'retired'),
  disk: fc.constantFrom<Disk>('untouched', 'edited-top', 'edited-bottom', 'edited-same-line', 'deleted', 'moved', 'moved-edited', 'replaced'),
});

const scenario = fc.record({
  files: fc.tuple(...NAMES.map(() => fileCase)),
  added: fc.boolean(),
  rename: fc.boolean(),
  newName: fc.constantFrom('billing', 'payments'),
  extraBefore: fc.boolean(),
});

const body = (name: string) => (name.startsWith('src/') ? `export const service = "{{name}}";\n${LINES}` : `${name}\n${LINES}`);

describe('the base rendered only where needed', () => {
  it('gives the plan of the whole base, for every mix of template changes and local states', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const v1Files: Record<string, string> = {};
        const v2Files: Record<string, string> = {};
        NAMES.forEach((name, i) => {
          const source = name.endsWith('.ts') ? `${name}.hbs` : name;
          v1Files[source] = body(name);
          const change = s.files[i]!.v2;
          if (change === 'same') v2Files[source] = body(name);
          if (change === 'changed') v2Files[source] = body(name).replace('six', 'six (v2)');
          if (change === 'changed-top') v2Files[source] = body(name).replace('one', 'one (v2)');
        });
        if (s.added) v2Files['new.txt'] = 'new\n';
        // A declared rename of b.txt (when the new version still has it).
        const renames = s.rename && v2Files['b.txt'] !== undefined ? 'renames:\n  - from: b.txt\n    to: docs/b.txt\n' : '';
        if (renames) {
          v2Files['docs/b.txt'] = v2Files['b.txt']!;
          delete v2Files['b.txt'];
        }
        const v1 = await templateVersion({ version: '1.0.0', manifest: MANIFEST(''), files: v1Files });
        const v2 = await templateVersion({ version: '2.0.0', manifest: MANIFEST(renames), files: v2Files });
        const moved: Record<string, string> = {};
        const edit = (repo: Repo) => {
          NAMES.forEach((name, i) => {
            const path = name.replace('{{name}}', 'billing');
            const full = posix.join(ROOT, path);
            if (!repo.vol.existsSync(full)) return;
            const text = repo.vol.readFileSync(full, 'utf8') as string;
            const state = s.files[i]!.disk;
            if (state === 'edited-top') repo.vol.writeFileSync(full, `# local\n${text}`);
            if (state === 'edited-bottom') repo.vol.writeFileSync(full, text.replace('seven', 'seven (local)'));
            if (state === 'edited-same-line') repo.vol.writeFileSync(full, text.replace('six', 'six (local)'));
            if (state === 'replaced') repo.vol.writeFileSync(full, new Uint8Array([0, 1, 2, 3]));
            if (state === 'deleted' || state === 'moved' || state === 'moved-edited') repo.vol.rmSync(full);
            if (state === 'moved' || state === 'moved-edited') {
              const to = `moved/${path}`;
              repo.vol.mkdirSync(posix.dirname(posix.join(ROOT, to)), { recursive: true });
              repo.vol.writeFileSync(posix.join(ROOT, to), state === 'moved' ? text : text.replace('two', 'two (local)'));
              moved[path] = to;
            }
          });
        };
        const { whole, subset } = await planBothWays(v1, v2, edit, {
          initial: { name: 'billing', extra: s.extraBefore },
          answers: { name: s.newName, extra: true },
          moved,
        });
        expect(subset).toEqual(whole);
      }),
      { numRuns: 150 },
    );
  });

  it('renders only the edited and gone files (and those named by answers)', async () => {
    const files: Record<string, string> = { 'src/{{name}}.ts.hbs': body('src/x.ts') };
    for (let i = 0; i < 20; i++) files[`f${i}.txt`] = `${i}\n${LINES}`;
    const v1 = await templateVersion({ version: '1.0.0', files });
    const v2 = await templateVersion({ version: '2.0.0', files: Object.fromEntries(Object.entries(files).map(([p, t]) => [p, t.replace('six', 'six (v2)')])) });
    const { whole, subset, rendered } = await planBothWays(v1, v2, (repo) => {
      repo.vol.writeFileSync(posix.join(ROOT, 'f3.txt'), `# local\n3\n${LINES}`);
      repo.vol.rmSync(posix.join(ROOT, 'f7.txt'));
    });
    expect(subset).toEqual(whole);
    expect(subset.operations.find((op) => op.path === 'f3.txt')?.kind).toBe('merge');
    // f3 (edited), f7 (gone) and src/billing.ts (its path comes from an answer); not the 18 others.
    expect(rendered).toBe(3);
  });
});
