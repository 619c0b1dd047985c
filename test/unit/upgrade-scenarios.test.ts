/**
 * Upgrade scenarios, in the spirit of Copier's update tests: a small template in two versions,
 * a repository created at the first on memfs, local edits, then plan + apply the upgrade to the
 * second. Each scenario asserts the exact bytes left on disk and the kind of each operation.
 */
import { describe, expect, it } from 'vitest';
import { posix } from 'node:path';
import {
  ROOT,
  createRepo,
  files,
  isExecutable,
  kinds,
  planRepoUpgrade,
  readLock,
  templateVersion,
  upgradeRepo,
  type Repo,
  type VersionSpec,
} from '../helpers/upgrade-repo.js';
import { stagingRmFreezer } from '../helpers/upgrade-fs.js';
import { renderTemplate } from '../../src/render/render.js';
import { recordedHash, sha256 } from '../../src/lock/lockfile.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { recoverInterrupted } from '../../src/apply/apply.js';
import { planBothWays } from '../helpers/base-subset.js';

const ANSWERS = { name: 'billing' };
const LINES = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';
const replace = (text: string, from: string, to: string): string => {
  if (!text.includes(from)) throw new Error(`fixture: ${JSON.stringify(from)} not found`);
  return text.replace(from, to);
};

function write(repo: Repo, path: string, content: string | Uint8Array): void {
  const full = posix.join(ROOT, path);
  repo.vol.mkdirSync(posix.dirname(full), { recursive: true });
  repo.vol.writeFileSync(full, content);
}
function read(repo: Repo, path: string): string {
  return repo.vol.readFileSync(posix.join(ROOT, path), 'utf8') as string;
}
function exists(repo: Repo, path: string): boolean {
  return repo.vol.existsSync(posix.join(ROOT, path));
}

// ---------------------------------------------------------------- the table

interface Scenario {
  name: string;
  v1: VersionSpec['files'];
  v2: VersionSpec['files'];
  /** Extra template.yaml lines of v2 (renames). */
  v2Manifest?: string;
  edit?: (repo: Repo) => void;
  /** Operation kind per path, for the paths that matter. */
  ops: Record<string, string>;
  /** Exact content after the upgrade; null: absent. */
  after: Record<string, string | null>;
  notes?: RegExp[];
  conflicts?: string[];
  /** How the merged file was merged, when one was. */
  method?: 'structure' | 'lines';
}

const WORKFLOW_V1 = `# CI for {{name}}
name: ci
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      # install, then test
      - run: npm ci
      - run: npm test
`;
const WORKFLOW_V2 = replace(WORKFLOW_V1, '      - run: npm ci\n', '      - run: npm ci\n      - run: npm run build\n');
const WORKFLOW_LOCAL_JOB = `  lint:
    # the team's own job
    runs-on: ubuntu-latest
    steps:
      - run: npm run lint
`;

const PKG_V1 = `{
  "name": "{{name}}",
  "version": "1.0.0",
  "scripts": {
    "build": "tsc",
    "test": "vitest run"
  },
  "dependencies": {
    "fastify": "^5.0.0"
  }
}
`;
const PKG_V2 = replace(PKG_V1, '"build": "tsc",\n', '"build": "tsc",\n    "lint": "eslint .",\n');

const SCENARIOS: Scenario[] = [
  {
    name: 'an untouched file the template changed is updated',
    v1: { 'notes.txt': LINES },
    v2: { 'notes.txt': replace(LINES, 'six', 'six (v2)') },
    ops: { 'notes.txt': 'update' },
    after: { 'notes.txt': replace(LINES, 'six', 'six (v2)') },
  },
  {
    name: 'a local edit the template did not touch is kept byte for byte',
    v1: { 'notes.txt': LINES, 'other.txt': 'a\n' },
    v2: { 'notes.txt': LINES, 'other.txt': 'a (v2)\n' },
    edit: (r) => write(r, 'notes.txt', 'my own notes\r\nno final newline'),
    ops: { 'notes.txt': 'keep', 'other.txt': 'update' },
    after: { 'notes.txt': 'my own notes\r\nno final newline', 'other.txt': 'a (v2)\n' },
  },
  {
    name: 'a local edit and a template change in different places merge cleanly',
    v1: { 'notes.txt': LINES },
    v2: { 'notes.txt': replace(LINES, 'six', 'six (v2)') },
    edit: (r) => write(r, 'notes.txt', replace(LINES, 'two', 'two (local)')),
    ops: { 'notes.txt': 'merge' },
    method: 'lines',
    after: { 'notes.txt': 'one\ntwo (local)\nthree\nfour\nfive\nsix (v2)\nseven\n' },
  },
  {
    name: 'the same line edited on both sides is a conflict with git markers',
    v1: { 'notes.txt': LINES },
    v2: { 'notes.txt': replace(LINES, 'four', 'four (v2)') },
    edit: (r) => write(r, 'notes.txt', replace(LINES, 'four', 'four (local)')),
    ops: { 'notes.txt': 'conflict' },
    after: { 'notes.txt': 'one\ntwo\nthree\n<<<<<<< local\nfour (local)\n=======\nfour (v2)\n>>>>>>> svc@2.0.0\nfive\nsix\nseven\n' },
    conflicts: ['notes.txt'],
  },
  {
    name: 'the same edit made on both sides is kept, no conflict',
    v1: { 'notes.txt': LINES },
    v2: { 'notes.txt': replace(LINES, 'four', 'FOUR') },
    edit: (r) => write(r, 'notes.txt', replace(LINES, 'four', 'FOUR')),
    ops: { 'notes.txt': 'keep' },
    after: { 'notes.txt': replace(LINES, 'four', 'FOUR') },
  },
  {
    name: 'YAML: a job added locally and a step added by the template merge as git merges them (lines apart), comments kept',
    v1: { '.github/workflows/ci.yml.hbs': WORKFLOW_V1 },
    v2: { '.github/workflows/ci.yml.hbs': WORKFLOW_V2 },
    edit: (r) => write(r, '.github/workflows/ci.yml', WORKFLOW_V1.replace('{{name}}', 'billing') + WORKFLOW_LOCAL_JOB),
    ops: { '.github/workflows/ci.yml': 'merge' },
    method: 'text',
    after: { '.github/workflows/ci.yml': WORKFLOW_V2.replace('{{name}}', 'billing') + WORKFLOW_LOCAL_JOB },
  },
  {
    name: 'JSON: a dependency added locally and a script added by the template merge as git merges them, key order kept',
    v1: { 'package.json.hbs': PKG_V1 },
    v2: { 'package.json.hbs': PKG_V2 },
    edit: (r) => write(r, 'package.json', replace(PKG_V1.replace('{{name}}', 'billing'), '"fastify": "^5.0.0"\n', '"fastify": "^5.0.0",\n    "zod": "^4.0.0"\n')),
    ops: { 'package.json': 'merge' },
    method: 'text',
    after: {
      'package.json': `{
  "name": "billing",
  "version": "1.0.0",
  "scripts": {
    "build": "tsc",
    "lint": "eslint .",
    "test": "vitest run"
  },
  "dependencies": {
    "fastify": "^5.0.0",
    "zod": "^4.0.0"
  }
}
`,
    },
  },
  {
    name: 'rename + edit: the local edit follows the file to its new name',
    v1: { 'docs/guide.md': LINES },
    v2: { 'docs/handbook.md': replace(LINES, 'six', 'six (v2)') },
    v2Manifest: 'renames:\n  - from: docs/guide.md\n    to: docs/handbook.md\n',
    edit: (r) => write(r, 'docs/guide.md', replace(LINES, 'two', 'two (local)')),
    ops: { 'docs/guide.md': 'delete', 'docs/handbook.md': 'merge' },
    after: { 'docs/guide.md': null, 'docs/handbook.md': 'one\ntwo (local)\nthree\nfour\nfive\nsix (v2)\nseven\n' },
  },
  {
    name: 'rename + edit of a file whose content the template kept: moved with the edits',
    v1: { 'docs/guide.md': LINES },
    v2: { 'docs/handbook.md': LINES },
    v2Manifest: 'renames:\n  - from: docs/guide.md\n    to: docs/handbook.md\n',
    edit: (r) => write(r, 'docs/guide.md', 'mine\n'),
    ops: { 'docs/guide.md': 'delete', 'docs/handbook.md': 'create' },
    after: { 'docs/guide.md': null, 'docs/handbook.md': 'mine\n' },
  },
  {
    name: 'rename of an untouched file: moved, with the template\'s new content',
    v1: { 'config/a.txt': 'a\n' },
    v2: { 'config/b.txt': 'a, now b\n' },
    v2Manifest: 'renames:\n  - from: config/a.txt\n    to: config/b.txt\n',
    ops: { 'config/a.txt': 'delete', 'config/b.txt': 'create' },
    after: { 'config/a.txt': null, 'config/b.txt': 'a, now b\n' },
  },
  {
    name: 'rename onto a name where the user already has a different file: a conflict, the user\'s file survives',
    v1: { 'config/a.txt': 'a\n' },
    v2: { 'config/b.txt': 'a\n' },
    v2Manifest: 'renames:\n  - from: config/a.txt\n    to: config/b.txt\n',
    edit: (r) => write(r, 'config/b.txt', 'my own b\n'),
    ops: { 'config/b.txt': 'conflict' },
    after: { 'config/b.txt': '<<<<<<< local\nmy own b\n=======\na\n>>>>>>> svc@2.0.0\n' },
    conflicts: ['config/b.txt'],
  },
  {
    name: 'rename of a file the user deleted: it stays deleted',
    v1: { 'docs/guide.md': LINES },
    v2: { 'docs/handbook.md': LINES },
    v2Manifest: 'renames:\n  - from: docs/guide.md\n    to: docs/handbook.md\n',
    edit: (r) => r.vol.unlinkSync(posix.join(ROOT, 'docs/guide.md')),
    ops: { 'docs/handbook.md': 'skip' },
    after: { 'docs/guide.md': null, 'docs/handbook.md': null },
  },
  {
    name: 'a retired file the user edited is kept, with a note; a retired untouched file is deleted',
    v1: { 'legacy.txt': 'legacy\n', 'obsolete.txt': 'obsolete\n', 'stay.txt': 'stay\n' },
    v2: { 'stay.txt': 'stay\n' },
    edit: (r) => write(r, 'legacy.txt', 'legacy, with my notes\n'),
    ops: { 'legacy.txt': 'keep', 'obsolete.txt': 'delete', 'stay.txt': 'keep' },
    after: { 'legacy.txt': 'legacy, with my notes\n', 'obsolete.txt': null, 'stay.txt': 'stay\n' },
    notes: [/legacy\.txt: the template retired it; kept because you edited it/],
  },
  {
    name: 'a file the user deleted and the template changed stays deleted, with a note',
    v1: { 'notes.txt': LINES, 'keep.txt': 'k\n' },
    v2: { 'notes.txt': replace(LINES, 'six', 'six (v2)'), 'keep.txt': 'k\n' },
    edit: (r) => r.vol.unlinkSync(posix.join(ROOT, 'notes.txt')),
    ops: { 'notes.txt': 'skip' },
    after: { 'notes.txt': null },
    notes: [/notes\.txt: you deleted it and the template changed it; it stays deleted/],
  },
  {
    name: 'a file added by the template that the user already has, different: a two-way conflict',
    v1: { 'a.txt': 'a\n' },
    v2: { 'a.txt': 'a\n', 'extra.txt': 'from the template\n' },
    edit: (r) => write(r, 'extra.txt', 'my own extra\n'),
    ops: { 'extra.txt': 'conflict' },
    after: { 'extra.txt': '<<<<<<< local\nmy own extra\n=======\nfrom the template\n>>>>>>> svc@2.0.0\n' },
    conflicts: ['extra.txt'],
  },
  {
    name: 'a file added by the template that the user already has, identical: kept',
    v1: { 'a.txt': 'a\n' },
    v2: { 'a.txt': 'a\n', 'extra.txt': 'same\n' },
    edit: (r) => write(r, 'extra.txt', 'same\n'),
    ops: { 'extra.txt': 'keep' },
    after: { 'extra.txt': 'same\n' },
  },
  {
    name: 'CRLF: a local CRLF file merges a template change made with LF and stays CRLF, no whole-file conflict',
    v1: { 'notes.md': LINES },
    v2: { 'notes.md': replace(LINES, 'six', 'six (v2)') },
    edit: (r) => write(r, 'notes.md', replace(LINES, 'two', 'two (local)').replace(/\n/g, '\r\n')),
    ops: { 'notes.md': 'merge' },
    after: { 'notes.md': 'one\r\ntwo (local)\r\nthree\r\nfour\r\nfive\r\nsix (v2)\r\nseven\r\n' },
  },
  {
    name: 'CRLF only: a file the user converted to CRLF takes the template change in CRLF',
    v1: { 'notes.md': LINES },
    v2: { 'notes.md': replace(LINES, 'six', 'six (v2)') },
    edit: (r) => write(r, 'notes.md', LINES.replace(/\n/g, '\r\n')),
    ops: { 'notes.md': 'merge' },
    after: { 'notes.md': replace(LINES, 'six', 'six (v2)').replace(/\n/g, '\r\n') },
  },
  {
    name: 'names with spaces and non-ASCII characters merge like any other',
    v1: { 'docs/read me ü.md': LINES },
    v2: { 'docs/read me ü.md': replace(LINES, 'six', 'sechs ü') },
    edit: (r) => write(r, 'docs/read me ü.md', replace(LINES, 'two', 'zwei é')),
    ops: { 'docs/read me ü.md': 'merge' },
    after: { 'docs/read me ü.md': 'one\nzwei é\nthree\nfour\nfive\nsechs ü\nseven\n' },
  },
  {
    name: 'a rename between names with spaces and non-ASCII characters carries the edit',
    v1: { 'docs/read me ü.md': LINES },
    v2: { 'docs/lisez moi é.md': replace(LINES, 'six', 'six (v2)') },
    v2Manifest: 'renames:\n  - from: "docs/read me ü.md"\n    to: "docs/lisez moi é.md"\n',
    edit: (r) => write(r, 'docs/read me ü.md', replace(LINES, 'two', 'two (local)')),
    ops: { 'docs/read me ü.md': 'delete', 'docs/lisez moi é.md': 'merge' },
    after: { 'docs/read me ü.md': null, 'docs/lisez moi é.md': 'one\ntwo (local)\nthree\nfour\nfive\nsix (v2)\nseven\n' },
  },
];

describe('upgrade scenarios', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      const v1 = await templateVersion({ version: '1.0.0', files: s.v1 });
      const v2 = await templateVersion({
        version: '2.0.0',
        files: s.v2,
        manifest: `questions:\n  - name: name\n    type: string\n${s.v2Manifest ?? ''}`,
      });
      const repo = await createRepo(v1, ANSWERS);
      s.edit?.(repo);
      const plan = await upgradeRepo(repo, v1, v2);

      const got = kinds(plan);
      for (const [path, kind] of Object.entries(s.ops)) expect(got[path], `operation on ${path}`).toBe(kind);
      for (const [path, content] of Object.entries(s.after)) {
        if (content === null) expect(exists(repo, path), `${path} is gone`).toBe(false);
        else expect(read(repo, path), path).toBe(content);
      }
      expect(plan.conflicts).toEqual(s.conflicts ?? []);
      if (s.method) {
        const merged = plan.operations.filter((op) => op.kind === 'merge').map((op) => op.reason);
        expect(merged).toEqual([s.method === 'structure' ? 'merged by structure' : 'merged by lines']);
      }
      for (const note of s.notes ?? []) expect(plan.notes.some((n) => note.test(n)), `a note like ${note}\n${plan.notes.join('\n')}`).toBe(true);
      expect(exists(repo, '.platform-staging')).toBe(false);
      expect(readLock(repo).templates[0]!.version).toBe('2.0.0');
    });
  }
});

// ---------------------------------------------------------------- the base, only where needed

describe('the recorded version rendered only for the files that need a base', () => {
  for (const s of SCENARIOS) {
    it(`plans exactly as with every file rendered: ${s.name}`, async () => {
      const v1 = await templateVersion({ version: '1.0.0', files: s.v1 });
      const v2 = await templateVersion({ version: '2.0.0', files: s.v2, manifest: `questions:\n  - name: name\n    type: string\n${s.v2Manifest ?? ''}` });
      const { whole, subset } = await planBothWays(v1, v2, s.edit);
      expect(subset).toEqual(whole);
    });
  }
});

// ---------------------------------------------------------------- answers

describe('an answer that moves a file (src/{{name}}.ts)', () => {
  // The edited line is kept apart from the line the answer changes: adjacent edits conflict, as in git.
  const FILE = 'export const service = "{{name}}";\nexport const region = "eu";\nexport const port = 8080;\nexport const retries = 3;\n';
  const spec = (version: string): VersionSpec => ({ version, files: { 'src/{{name}}.ts.hbs': FILE, 'README.md.hbs': '# {{name}}\n' } });

  it('moves the untouched file to its new name and records the new answer', async () => {
    const v1 = await templateVersion(spec('1.0.0'));
    const v2 = await templateVersion(spec('2.0.0'));
    const repo = await createRepo(v1, ANSWERS);
    const plan = await upgradeRepo(repo, v1, v2, { answers: { name: 'payments' } });
    expect(kinds(plan)).toEqual({ 'README.md': 'update', 'src/billing.ts': 'delete', 'src/payments.ts': 'create' });
    expect(files(repo)).toEqual({
      'README.md': '# payments\n',
      'src/payments.ts': 'export const service = "payments";\nexport const region = "eu";\nexport const port = 8080;\nexport const retries = 3;\n',
    });
    expect(readLock(repo).templates[0]!.answers).toEqual({ name: 'payments' });
  });

  it('carries local edits to the new name, like a declared rename', async () => {
    const v1 = await templateVersion(spec('1.0.0'));
    const v2 = await templateVersion(spec('2.0.0'));
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'src/billing.ts', replace(read(repo, 'src/billing.ts'), 'port = 8080', 'port = 9090'));
    const plan = await upgradeRepo(repo, v1, v2, { answers: { name: 'payments' } });
    // No edit is lost either way...
    expect(Object.values(files(repo)).some((text) => text.includes('port = 9090'))).toBe(true);
    // ...but it must be in the file the service uses now, and the old name must be gone.
    expect(files(repo)).toEqual({
      'README.md': '# payments\n',
      'src/payments.ts': 'export const service = "payments";\nexport const region = "eu";\nexport const port = 9090;\nexport const retries = 3;\n',
    });
    expect(plan.notes.join('\n')).not.toMatch(/template retired/);
  });
});

// ---------------------------------------------------------------- executable bit

describe('executable bit', () => {
  const SCRIPT = '#!/bin/sh\necho run\n';

  it('the template making a script executable is applied when the file is untouched', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'bin/run.sh': SCRIPT } });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'bin/run.sh': SCRIPT }, executable: ['bin/run.sh'] });
    const repo = await createRepo(v1, ANSWERS);
    expect(isExecutable(repo, 'bin/run.sh')).toBe(false);
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan)['bin/run.sh']).toBe('update');
    expect(isExecutable(repo, 'bin/run.sh')).toBe(true);
    expect(read(repo, 'bin/run.sh')).toBe(SCRIPT);
    expect(readLock(repo).templates[0]!.files['bin/run.sh']).toMatchObject({ executable: true });
  });

  it('a bit the user changed, with edits, is kept while the content merges', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'bin/run.sh': `${SCRIPT}# end\n` }, executable: ['bin/run.sh'] });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'bin/run.sh': `${SCRIPT}# end (v2)\n` }, executable: ['bin/run.sh'] });
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'bin/run.sh', `#!/bin/bash\necho run\n# end\n`);
    repo.vol.chmodSync(posix.join(ROOT, 'bin/run.sh'), 0o644);
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan)['bin/run.sh']).toBe('merge');
    expect(read(repo, 'bin/run.sh')).toBe('#!/bin/bash\necho run\n# end (v2)\n');
    expect(isExecutable(repo, 'bin/run.sh')).toBe(false);
  });

  it('a bit the user changed (content untouched) is kept when the template changes the content', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'bin/run.sh': SCRIPT }, executable: ['bin/run.sh'] });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'bin/run.sh': `${SCRIPT}echo done\n` }, executable: ['bin/run.sh'] });
    const repo = await createRepo(v1, ANSWERS);
    repo.vol.chmodSync(posix.join(ROOT, 'bin/run.sh'), 0o644);
    await upgradeRepo(repo, v1, v2);
    expect(read(repo, 'bin/run.sh')).toBe(`${SCRIPT}echo done\n`);
    expect(isExecutable(repo, 'bin/run.sh'), 'the user made it non-executable').toBe(false);
  });

  it('the template making a script executable is applied when the user edited its content only', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'bin/run.sh': SCRIPT } });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'bin/run.sh': SCRIPT }, executable: ['bin/run.sh'] });
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'bin/run.sh', `${SCRIPT}echo mine\n`);
    await upgradeRepo(repo, v1, v2);
    expect(read(repo, 'bin/run.sh')).toBe(`${SCRIPT}echo mine\n`);
    expect(isExecutable(repo, 'bin/run.sh'), 'the user never touched the bit').toBe(true);
  });
});

// ---------------------------------------------------------------- binary files

describe('binary files', () => {
  const PNG_V1 = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 1, 1]);
  const PNG_V2 = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 2, 2, 2]);
  const MINE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 9, 9, 9]);
  const bytes = (repo: Repo, path: string) => new Uint8Array(repo.vol.readFileSync(posix.join(ROOT, path)) as Buffer);

  it('untouched: takes the template\'s bytes', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'logo.png': PNG_V1 } });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'logo.png': PNG_V2 } });
    const repo = await createRepo(v1, ANSWERS);
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan)['logo.png']).toBe('update');
    expect(bytes(repo, 'logo.png')).toEqual(PNG_V2);
  });

  it('changed on both sides: a conflict that keeps the user\'s bytes', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: { 'logo.png': PNG_V1 } });
    const v2 = await templateVersion({ version: '2.0.0', files: { 'logo.png': PNG_V2 } });
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'logo.png', MINE);
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan)['logo.png']).toBe('conflict');
    expect(plan.conflicts).toEqual(['logo.png']);
    expect(bytes(repo, 'logo.png')).toEqual(MINE);
    const op = plan.operations.find((o) => o.path === 'logo.png');
    // git's index gets all three versions (base, ours, theirs) for a merge tool.
    const stages = op && op.kind === 'conflict' ? op.stages : undefined;
    expect([stages?.base, stages?.ours, stages?.theirs].map((b) => (b ? [...b] : b))).toEqual([[...PNG_V1], [...MINE], [...PNG_V2]]);
  });
});

// ---------------------------------------------------------------- policies

describe('policies', () => {
  const MANIFEST = `questions:
  - name: name
    type: string
files:
  - glob: "src/**"
    policy: once
  - glob: Dockerfile
    policy: owned
`;
  const V1 = { 'src/main.ts': 'console.log(1);\n', Dockerfile: 'FROM node:22\nCMD ["node", "main.js"]\n', 'notes.txt': LINES };
  const V2 = { 'src/main.ts': 'console.log(2);\n', Dockerfile: 'FROM node:24\nCMD ["node", "main.js"]\n', 'notes.txt': replace(LINES, 'four', 'four (v2)') };
  const versions = async () => [
    await templateVersion({ version: '1.0.0', manifest: MANIFEST, files: V1 }),
    await templateVersion({ version: '2.0.0', manifest: MANIFEST, files: V2 }),
  ] as const;

  it('once: a file the template changed is never touched again, edited or not', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan)['src/main.ts']).toBe('skip');
    expect(read(repo, 'src/main.ts')).toBe('console.log(1);\n');
    // The lockfile still records what was written then, so drift stays honest.
    expect(recordedHash(readLock(repo).templates[0]!.files['src/main.ts']!)).toBe(sha256(new TextEncoder().encode('console.log(1);\n')));
  });

  it('once, moved by the template: stays where it is, and the lockfile keeps recording it there', async () => {
    const v1 = await templateVersion({ version: '1.0.0', manifest: MANIFEST, files: V1 });
    const moved = `${MANIFEST}renames:\n  - { from: src/main.ts, to: src/index.ts }\n`;
    const v2 = await templateVersion({ version: '2.0.0', manifest: moved, files: { ...V2, 'src/main.ts': undefined as never, 'src/index.ts': 'console.log(2);\n' } });
    v2.files = v2.files.filter((f) => f.path !== 'src/main.ts');
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'src/main.ts', 'console.log("mine");\n');
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan)['src/main.ts']).toBe('skip');
    expect(read(repo, 'src/main.ts')).toBe('console.log("mine");\n');
    const recorded = readLock(repo).templates[0]!.files;
    // Recorded where it is, as it was written: the next upgrade does not take it for deleted.
    expect(Object.keys(recorded)).toContain('src/main.ts');
    expect(Object.keys(recorded)).not.toContain('src/index.ts');
    expect(recordedHash(recorded['src/main.ts']!)).toBe(sha256(new TextEncoder().encode('console.log(1);\n')));
    expect(kinds(await upgradeRepo(repo, v2, v2))['src/main.ts']).toBe('skip');
  });

  it("owned: a local edit is a conflict that keeps the local bytes, with the template's version written beside it (not only in git's index)", async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'Dockerfile', 'FROM node:22-alpine\nCMD ["node", "main.js"]\n');
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan)).toMatchObject({ Dockerfile: 'conflict', 'Dockerfile.platform-new': 'create' });
    expect(plan.conflicts).toEqual(['Dockerfile']);
    expect(read(repo, 'Dockerfile')).toBe('FROM node:22-alpine\nCMD ["node", "main.js"]\n');
    expect(read(repo, 'Dockerfile.platform-new')).toBe(V2.Dockerfile);
    // The side file is not the template's: the lockfile does not track it.
    expect(readLock(repo).templates[0]!.files['Dockerfile.platform-new']).toBeUndefined();
  });

  it('owned with force: the template\'s version replaces the local edit', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'Dockerfile', 'FROM node:22-alpine\nCMD ["node", "main.js"]\n');
    const plan = await upgradeRepo(repo, v1, v2, { force: true });
    expect(kinds(plan).Dockerfile).toBe('update');
    expect(plan.conflicts).toEqual([]);
    expect(read(repo, 'Dockerfile')).toBe(V2.Dockerfile);
  });

  it('owned, untouched: updated like any file', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    const plan = await upgradeRepo(repo, v1, v2);
    expect(kinds(plan).Dockerfile).toBe('update');
    expect(read(repo, 'Dockerfile')).toBe(V2.Dockerfile);
  });

  it('conflictStyle reject: the file keeps the user\'s bytes and PATH.rej holds the conflict', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    const mine = replace(LINES, 'four', 'four (local)');
    write(repo, 'notes.txt', mine);
    const plan = await upgradeRepo(repo, v1, v2, { conflictStyle: 'reject' });
    expect(kinds(plan)).toMatchObject({ 'notes.txt': 'conflict', 'notes.txt.rej': 'create' });
    expect(read(repo, 'notes.txt')).toBe(mine);
    expect(read(repo, 'notes.txt.rej')).toBe('one\ntwo\nthree\n<<<<<<< local\nfour (local)\n=======\nfour (v2)\n>>>>>>> svc@2.0.0\nfive\nsix\nseven\n');
    expect(plan.conflicts).toEqual(['notes.txt']);
    // The .rej file is not the template's: the lockfile does not track it.
    expect(readLock(repo).templates[0]!.files['notes.txt.rej']).toBeUndefined();
  });

  it('conflictStyle reject on an edited owned file: the .rej shows the template\'s version', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'Dockerfile', 'FROM node:22-alpine\nCMD ["node", "main.js"]\n');
    await upgradeRepo(repo, v1, v2, { conflictStyle: 'reject' });
    expect(read(repo, 'Dockerfile')).toBe('FROM node:22-alpine\nCMD ["node", "main.js"]\n');
    expect(read(repo, 'Dockerfile.rej')).toContain('FROM node:24');
  });
});

// ---------------------------------------------------------------- no base

describe('a base that cannot be reproduced (base: undefined)', () => {
  const V1 = { 'a.txt': LINES, 'b.txt': LINES, 'c.txt': 'c\n' };
  const V2 = { 'a.txt': replace(LINES, 'six', 'six (v2)'), 'b.txt': replace(LINES, 'six', 'six (v2)'), 'c.txt': 'c\n' };

  it('updates untouched files by their hashes and makes edited ones two-way conflicts', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: V1 });
    const v2 = await templateVersion({ version: '2.0.0', files: V2 });
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'b.txt', replace(LINES, 'two', 'two (local)'));
    const plan = await upgradeRepo(repo, v1, v2, { base: 'none' });
    expect(kinds(plan)).toEqual({ 'a.txt': 'update', 'b.txt': 'conflict', 'c.txt': 'keep' });
    expect(plan.twoWay).toEqual(['b.txt']);
    expect(plan.conflicts).toEqual(['b.txt']);
    expect(read(repo, 'a.txt')).toBe(V2['a.txt']);
    expect(read(repo, 'b.txt')).toBe(`<<<<<<< local\n${replace(LINES, 'two', 'two (local)')}=======\n${V2['b.txt']}>>>>>>> svc@2.0.0\n`);
    expect(plan.notes.some((n) => /could not be rendered again/.test(n))).toBe(true);
  });

  it('keeps an edited file the template did not change (the lockfile hash proves it)', async () => {
    const v1 = await templateVersion({ version: '1.0.0', files: V1 });
    const v2 = await templateVersion({ version: '2.0.0', files: V2 });
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'c.txt', 'c, edited\n');
    const plan = await upgradeRepo(repo, v1, v2, { base: 'none' });
    expect(kinds(plan)['c.txt']).toBe('keep');
    expect(read(repo, 'c.txt')).toBe('c, edited\n');
    expect(plan.twoWay).toEqual([]);
  });
});

// ---------------------------------------------------------------- same version, lockfile

describe('the lockfile', () => {
  const MANIFEST = `questions:
  - name: name
    type: string
files:
  - glob: "src/**"
    policy: once
`;
  const V1 = { 'README.md.hbs': '# {{name}}\n', 'notes.txt': LINES, 'src/main.ts': 'main\n', 'bin/run.sh': '#!/bin/sh\n' };

  it('upgrading to the same version writes nothing: every operation is keep or skip, same lockfile bytes', async () => {
    const v1 = await templateVersion({ version: '1.0.0', manifest: MANIFEST, files: V1, executable: ['bin/run.sh'] });
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'notes.txt', replace(LINES, 'two', 'two (local)'));
    write(repo, 'src/main.ts', 'my main\n');
    repo.vol.unlinkSync(posix.join(ROOT, 'README.md'));
    const lockBefore = read(repo, '.platform.yaml');
    const plan = await planRepoUpgrade(repo, v1, v1);
    expect(plan.operations.map((op) => [op.path, op.kind])).toEqual([
      ['README.md', 'skip'],
      ['bin/run.sh', 'keep'],
      ['notes.txt', 'keep'],
      ['src/main.ts', 'skip'],
    ]);
    expect(plan.conflicts).toEqual([]);
    expect(plan.notes).toEqual([]);
    expect(plan.lockText).toBe(lockBefore);
  });

  it('records the target version, the answers and the sha256 of each rendered file', async () => {
    const v2Files = { ...V1, 'notes.txt': replace(LINES, 'six', 'six (v2)'), 'new.txt.hbs': 'new in {{name}}\n' };
    const v1 = await templateVersion({ version: '1.0.0', manifest: MANIFEST, files: V1, executable: ['bin/run.sh'] });
    const v2 = await templateVersion({ version: '2.0.0', manifest: MANIFEST, files: v2Files, executable: ['bin/run.sh'] });
    const repo = await createRepo(v1, ANSWERS);
    write(repo, 'notes.txt', replace(LINES, 'two', 'two (local)'));
    await upgradeRepo(repo, v1, v2);

    const entry = readLock(repo).templates[0]!;
    expect(entry).toMatchObject({ name: 'svc', version: '2.0.0', source: 'builtin', answers: ANSWERS });
    const rendered = renderTemplate(v2, { answers: ANSWERS, targetName: 'repo' });
    expect(Object.keys(entry.files).sort()).toEqual([...rendered.keys()].sort());
    for (const [path, file] of rendered) {
      // once files the upgrade left alone keep the hash of what was written then
      const expected = file.policy === 'once' ? sha256(new TextEncoder().encode(V1['src/main.ts'])) : sha256(file.bytes);
      expect(entry.files[path], path).toEqual({ policy: file.policy, sha256: expected, ...(file.executable ? { executable: true } : {}) });
    }
    // The merged file's bytes are not what the lockfile records: it is "edited", as it should be.
    expect(sha256(new TextEncoder().encode(read(repo, 'notes.txt')))).not.toBe(recordedHash(entry.files['notes.txt']!));
    expect(read(repo, 'notes.txt')).toBe('one\ntwo (local)\nthree\nfour\nfive\nsix (v2)\nseven\n');
  });
});

// ---------------------------------------------------------------- killed while finishing

describe('an upgrade killed while it removes its staging folder', () => {
  it('loses no file, whatever order the file system removes the staging entries in', async () => {
    const V1 = { 'notes.txt': LINES, 'keep.txt': 'keep\n' };
    const V2 = { 'notes.txt': replace(LINES, 'six', 'six (v2)'), 'keep.txt': 'keep\n', 'new.txt': 'new\n' };
    const v1 = await templateVersion({ version: '1.0.0', files: V1 });
    const v2 = await templateVersion({ version: '2.0.0', files: V2 });
    const before = { 'keep.txt': 'keep\n', 'notes.txt': replace(LINES, 'two', 'two (local)') };
    const after = { 'keep.txt': 'keep\n', 'new.txt': 'new\n', 'notes.txt': 'one\ntwo (local)\nthree\nfour\nfive\nsix (v2)\nseven\n' };
    const wrong: unknown[] = [];
    for (let removedBeforeKill = 1; removedBeforeKill <= 3; removedBeforeKill++) {
      const repo = await createRepo(v1, ANSWERS);
      write(repo, 'notes.txt', before['notes.txt']);
      const plan = await planRepoUpgrade(repo, v1, v2);
      // Journal last: an order a file system may well return (readdir order is unspecified:
      // hash order on ext4, for one).
      const frozen = stagingRmFreezer(repo.fs, posix.join(ROOT, '.platform-staging'), removedBeforeKill, (names) => [...names].sort().reverse());
      const run = applyPlan(frozen.fs, plan, { pid: 4242 });
      await Promise.race([frozen.killed, run.then(() => Promise.reject(new Error('the run ended without removing its staging folder')))]);

      // The next run recovers first. Then the repository must be either as before the run, with
      // its 1.0.0 lockfile, or as after it, with its 2.0.0 lockfile: nothing in between.
      await recoverInterrupted(repo.fs, ROOT, () => false);
      const lock = exists(repo, '.platform.yaml') ? readLock(repo).templates[0]!.version : 'no .platform.yaml';
      const state = { lock, files: files(repo) };
      const ok = [{ lock: '1.0.0', files: before }, { lock: '2.0.0', files: after }];
      if (!ok.some((good) => JSON.stringify(good) === JSON.stringify(state))) wrong.push({ removedBeforeKill, ...state });
    }
    expect(wrong).toEqual([]);
  });
});

// ---------------------------------------------------------------- files the team moved

describe('a file the team moved (git sees the rename)', () => {
  const MANIFEST = `questions:
  - name: name
    type: string
files:
  - glob: Dockerfile
    policy: owned
  - glob: "src/**"
    policy: once
`;
  const V1 = { 'notes.txt': LINES, Dockerfile: 'FROM node:22\n', 'src/main.ts': 'console.log(1);\n' };
  const V2 = { 'notes.txt': replace(LINES, 'six', 'six (v2)'), Dockerfile: 'FROM node:24\n', 'src/main.ts': 'console.log(2);\n' };
  const versions = async () => [
    await templateVersion({ version: '1.0.0', manifest: MANIFEST, files: V1 }),
    await templateVersion({ version: '2.0.0', manifest: MANIFEST, files: V2 }),
  ] as const;
  const move = (repo: Repo, from: string, to: string, content?: string): void => {
    write(repo, to, content ?? read(repo, from));
    repo.vol.rmSync(posix.join(ROOT, from));
  };

  it("moved untouched: the template's change lands at the new path; nothing comes back at the old one", async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    move(repo, 'notes.txt', 'docs/notes.txt');
    const plan = await upgradeRepo(repo, v1, v2, { moved: { 'notes.txt': 'docs/notes.txt' } });
    expect(kinds(plan)['docs/notes.txt']).toBe('update');
    expect(read(repo, 'docs/notes.txt')).toBe(V2['notes.txt']);
    expect(exists(repo, 'notes.txt')).toBe(false);
    expect(plan.notes.some((n) => n.includes('notes.txt: you moved it to docs/notes.txt'))).toBe(true);
    // Recorded under the template's path, so the next upgrade finds it again through git.
    expect(Object.keys(readLock(repo).templates[0]!.files)).toContain('notes.txt');
  });

  it('moved and edited: your edits and the template change merge at the new path', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    move(repo, 'notes.txt', 'docs/notes.txt', replace(LINES, 'two', 'two (local)'));
    const plan = await upgradeRepo(repo, v1, v2, { moved: { 'notes.txt': 'docs/notes.txt' } });
    expect(kinds(plan)['docs/notes.txt']).toBe('merge');
    expect(read(repo, 'docs/notes.txt')).toBe('one\ntwo (local)\nthree\nfour\nfive\nsix (v2)\nseven\n');
  });

  it('moved and edited on the same line: the conflict markers are at the new path', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    move(repo, 'notes.txt', 'docs/notes.txt', replace(LINES, 'six', 'six (local)'));
    const plan = await upgradeRepo(repo, v1, v2, { moved: { 'notes.txt': 'docs/notes.txt' } });
    expect(plan.conflicts).toEqual(['docs/notes.txt']);
    expect(read(repo, 'docs/notes.txt')).toContain('<<<<<<< local\nsix (local)\n=======\nsix (v2)\n>>>>>>> svc@2.0.0\n');
  });

  it("an edited owned file the team moved: yours stays, the template's version beside it at the new path", async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    move(repo, 'Dockerfile', 'build/Dockerfile', 'FROM node:22\nUSER app\n');
    const plan = await upgradeRepo(repo, v1, v2, { moved: { Dockerfile: 'build/Dockerfile' } });
    expect(kinds(plan)).toMatchObject({ 'build/Dockerfile': 'conflict', 'build/Dockerfile.platform-new': 'create' });
    expect(read(repo, 'build/Dockerfile')).toBe('FROM node:22\nUSER app\n');
    expect(read(repo, 'build/Dockerfile.platform-new')).toBe('FROM node:24\n');
    const conflict = plan.operations.find((op) => op.kind === 'conflict');
    expect(conflict?.kind === 'conflict' && conflict.side?.path).toBe('build/Dockerfile.platform-new');
  });

  it('a once file the team moved stays yours', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    move(repo, 'src/main.ts', 'src/index.ts');
    await upgradeRepo(repo, v1, v2, { moved: { 'src/main.ts': 'src/index.ts' } });
    expect(read(repo, 'src/index.ts')).toBe('console.log(1);\n');
    expect(exists(repo, 'src/main.ts')).toBe(false);
  });

  it('a rename git reports onto a path the template writes is not followed: the file stays deleted, and the upgrade says so', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    repo.vol.rmSync(posix.join(ROOT, 'notes.txt'));
    const plan = await upgradeRepo(repo, v1, v2, { moved: { 'notes.txt': 'Dockerfile' } });
    expect(kinds(plan)['notes.txt']).toBe('skip');
    expect(read(repo, 'Dockerfile')).toBe('FROM node:24\n');
    const note = plan.notes.find((n) => /notes\.txt: you deleted it and the template changed it/.test(n));
    // The change it could not place, as a diff to apply by hand.
    expect(note).toContain('--- a/notes.txt\n+++ b/notes.txt\n@@');
    expect(note).toContain('\n-six\n+six (v2)\n');
  });

  it('a rename git reports through a symbolic link is ignored: nothing is read or written outside', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    repo.vol.mkdirSync('/outside', { recursive: true });
    repo.vol.writeFileSync('/outside/notes.txt', LINES);
    repo.vol.symlinkSync('/outside', posix.join(ROOT, 'docs'));
    repo.vol.rmSync(posix.join(ROOT, 'notes.txt'));
    const plan = await upgradeRepo(repo, v1, v2, { moved: { 'notes.txt': 'docs/notes.txt' } });
    expect(kinds(plan)['notes.txt']).toBe('skip');
    expect(plan.operations.some((op) => op.path.startsWith('docs/'))).toBe(false);
    expect(repo.vol.readFileSync('/outside/notes.txt', 'utf8')).toBe(LINES);
  });

  it('a rename git reports out of the repository is ignored (the repository is input too)', async () => {
    const [v1, v2] = await versions();
    const repo = await createRepo(v1, ANSWERS);
    repo.vol.rmSync(posix.join(ROOT, 'notes.txt'));
    const plan = await upgradeRepo(repo, v1, v2, { moved: { 'notes.txt': '../outside.txt' } });
    expect(kinds(plan)['notes.txt']).toBe('skip');
    expect(plan.operations.some((op) => op.path.includes('outside'))).toBe(false);
  });
});
