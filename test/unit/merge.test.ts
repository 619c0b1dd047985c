import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse } from 'yaml';
import { diff3Merge, diff3Merger, type TextMerger } from '../../src/merge/text.js';
import { gitTextMerger } from '../../src/merge/git-merge-file.js';
import { mergeFile } from '../../src/merge/merge-file.js';

const labels = { ours: 'local', base: 'svc@1.0.0', theirs: 'svc@1.1.0' };
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const git = await gitTextMerger();

/** Texts as lists of lines, and edits of a base (delete, insert, replace at positions). */
const lineOf = (alphabet: string[]) => fc.constantFrom(...alphabet.map((l) => `${l}\n`));
const textOf = (alphabet: string[]) => fc.array(lineOf(alphabet), { maxLength: 12 }).map((lines) => lines.join(''));
function editsOf(base: string, alphabet: string[]) {
  return fc
    .array(fc.tuple(fc.nat(20), fc.constantFrom('delete', 'insert', 'replace'), lineOf(alphabet)), { maxLength: 4 })
    .map((edits) => {
      const lines = base.match(/[^\n]*\n/g) ?? [];
      for (const [at, kind, line] of edits) {
        const i = lines.length === 0 ? 0 : at % (lines.length + (kind === 'insert' ? 1 : 0));
        if (kind === 'delete') lines.splice(i, 1);
        else if (kind === 'insert') lines.splice(i, 0, line);
        else lines.splice(i, 1, line);
      }
      return lines.join('');
    });
}
const SMALL = ['a', 'b', 'c', 'd', 'e'];
const triple = (alphabet: string[]) => textOf(alphabet).chain((base) => fc.tuple(fc.constant(base), editsOf(base, alphabet), editsOf(base, alphabet)));

describe.each([
  ['git merge-file', git],
  ['diff3 fallback', diff3Merger],
] as Array<[string, TextMerger]>)('text merge properties (%s)', (_, merge) => {
  it('merge(b, b, t) = t and merge(b, o, b) = o', async () => {
    await fc.assert(
      fc.asyncProperty(triple(SMALL), async ([base, ours, theirs]) => {
        expect(await merge(base, base, theirs, labels)).toEqual({ text: theirs, conflicts: 0 });
        expect(await merge(base, ours, base, labels)).toEqual({ text: ours, conflicts: 0 });
      }),
      { numRuns: 60 },
    );
  });

  it('merge(b, x, x) = x', async () => {
    await fc.assert(
      fc.asyncProperty(triple(SMALL), async ([base, ours]) => {
        expect(await merge(base, ours, ours, labels)).toEqual({ text: ours, conflicts: 0 });
      }),
      { numRuns: 60 },
    );
  });

  it('keeps every line the user added, merged or inside a conflict block', async () => {
    // Lines the user adds are unique (U0, U1…), so they can be found in the result.
    await fc.assert(
      fc.asyncProperty(triple(SMALL), fc.array(fc.nat(12), { minLength: 1, maxLength: 3 }), async ([base, , theirs], positions) => {
        const lines = base.match(/[^\n]*\n/g) ?? [];
        const added = positions.map((_, i) => `U${i}\n`);
        positions.forEach((p, i) => lines.splice(Math.min(p, lines.length), 0, added[i]!));
        const result = await merge(base, lines.join(''), theirs, labels);
        for (const line of added) expect(result.text).toContain(line);
      }),
      { numRuns: 60 },
    );
  });
});

describe('the diff3 fallback against git merge-file', () => {
  // On text whose lines do not repeat (most source files), the fallback must never be worse
  // than git. (With repeated lines the two may align differently; git is then the reference.)
  const uniqueTriple = fc
    .uniqueArray(fc.integer({ min: 0, max: 99 }), { maxLength: 12 })
    .chain((ids) => {
      const base = ids.map((id) => `line ${id}\n`);
      const edit = (tag: string) =>
        fc.array(fc.tuple(fc.nat(20), fc.constantFrom('delete', 'insert', 'replace')), { maxLength: 3 }).map((edits) => {
          const lines = [...base];
          edits.forEach(([at, kind], n) => {
            const i = lines.length === 0 ? 0 : at % (lines.length + (kind === 'insert' ? 1 : 0));
            if (kind === 'delete') lines.splice(i, 1);
            else lines.splice(i, kind === 'insert' ? 0 : 1, `${tag} ${n} at ${at}\n`);
          });
          return lines.join('');
        });
      return fc.tuple(fc.constant(base.join('')), edit('ours'), edit('theirs'));
    });
  it('is clean wherever git is clean, with the same text', async () => {
    await fc.assert(
      fc.asyncProperty(uniqueTriple, async ([base, ours, theirs]) => {
        const reference = await git(base, ours, theirs, labels);
        const ours3 = diff3Merge(base, ours, theirs, labels);
        if (reference.conflicts === 0) expect(ours3).toEqual(reference);
      }),
      { numRuns: 150 },
    );
  });

  it('is what a merge uses when git is not installed (no git on PATH): same clean text, conflicts counted', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent-platform-test';
    try {
      const noGit = await gitTextMerger();
      expect(await noGit('a\nb\nc\n', 'A\nb\nc\n', 'a\nb\nC\n', labels)).toEqual({ text: 'A\nb\nC\n', conflicts: 0 });
      expect(await noGit('a\n', 'x\n', 'y\n', labels)).toEqual({ text: '<<<<<<< local\nx\n=======\ny\n>>>>>>> svc@1.1.0\n', conflicts: 1 });
    } finally {
      process.env.PATH = path;
    }
  });

  it('git merge-file gives the same results (its exit status is the number of conflicts)', async () => {
    expect(await git('a\nb\nc\n', 'A\nb\nc\n', 'a\nb\nC\n', labels)).toEqual({ text: 'A\nb\nC\n', conflicts: 0 });
    const base = 'a\n1\n2\n3\n4\n5\n6\n7\nb\n';
    expect(await git(base, base.replace('a', 'x').replace('b', 'X'), base.replace('a', 'y').replace('b', 'Y'), labels)).toMatchObject({ conflicts: 2 });
  });
});

describe('mergeFile', () => {
  const merge = (path: string, base: string, ours: string, theirs: string) =>
    mergeFile({ path, base: enc(base), ours: enc(ours), theirs: enc(theirs), labels, textMerger: git });

  it('agrees with git merge-file on text files, byte for byte and in conflicts', async () => {
    await fc.assert(
      fc.asyncProperty(triple(SMALL), async ([base, ours, theirs]) => {
        const result = await merge('notes.txt', base, ours, theirs);
        const reference = await git(base, ours, theirs, labels);
        expect({ text: dec(result.bytes), conflicts: result.conflicts }).toEqual(reference);
      }),
      { numRuns: 60 },
    );
  });

  const WORKFLOW = `# CI for the service
name: CI
on:
  push:
    branches: [main]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4 # pinned
      - run: npm ci
      - run: npm test
`;

  it.each([
    [
      'a job the user appended and a step the template added elsewhere',
      WORKFLOW,
      `${WORKFLOW}  # our end-to-end job
  e2e:
    runs-on: ubuntu-latest
    steps:
      - run: npm run e2e
`,
      WORKFLOW.replace('      - run: npm test\n', '      - run: npm test\n      - run: npm run lint\n'),
      {
        name: 'CI',
        on: { push: { branches: ['main'] } },
        jobs: {
          build: { 'runs-on': 'ubuntu-latest', steps: [{ uses: 'actions/checkout@v4' }, { run: 'npm ci' }, { run: 'npm test' }, { run: 'npm run lint' }] },
          e2e: { 'runs-on': 'ubuntu-latest', steps: [{ run: 'npm run e2e' }] },
        },
      },
    ],
    ['two keys added at the same place', 'a: 1\nb: 2\n', 'a: 1\nmine: true\nb: 2\n', 'a: 1\ntheirs: true\nb: 2\n', { a: 1, mine: true, theirs: true, b: 2 }],
    [
      'a key changed on one side and a sibling moved on the other',
      'x: 1\ny: 2\nz: 3\n',
      'x: 1\ny: 20\nz: 3\n',
      'x: 1\nz: 3\ny: 2\n',
      { x: 1, y: 20, z: 3 },
    ],
    [
      'list items added by name on both sides',
      'steps:\n  - name: build\n    run: make\n',
      'steps:\n  - name: build\n    run: make\n  - name: mine\n    run: ./mine\n',
      'steps:\n  - name: build\n    run: make\n  - name: lint\n    run: make lint\n',
      { steps: [{ name: 'build', run: 'make' }, { name: 'mine', run: './mine' }, { name: 'lint', run: 'make lint' }] },
    ],
  ])('YAML: resolves %s, where a line merge conflicts', async (_, base, ours, theirs, expected) => {
    expect((await git(base, ours, theirs, labels)).conflicts).toBeGreaterThan(0);
    const result = await merge('file.yaml', base, ours, theirs);
    expect(result).toMatchObject({ conflicts: 0, method: 'structure' });
    const text = dec(result.bytes);
    expect(parse(text)).toEqual(expected);
    for (const comment of ours.split('\n').filter((l) => l.includes('#'))) expect(text).toContain(comment);
  });

  it('YAML: the job and the step both land, and the user\'s comment stays', async () => {
    const ours = `${WORKFLOW}  # our end-to-end job\n  e2e:\n    runs-on: ubuntu-latest\n`;
    const theirs = WORKFLOW.replace('name: CI', 'name: CI pipeline');
    const text = dec((await merge('ci.yml', WORKFLOW, ours, theirs)).bytes);
    expect(text).toBe(`${WORKFLOW.replace('name: CI', 'name: CI pipeline')}  # our end-to-end job\n  e2e:\n    runs-on: ubuntu-latest\n`);
  });

  it('YAML: what the template adds or bumps keeps the template\'s comments (pinned versions, notes)', async () => {
    const base = 'jobs:\n  build:\n    steps:\n      - uses: actions/checkout@aaa # v4.0.0\n      - run: npm test\n';
    const ours = `${base}  mine:\n    runs-on: x\n`;
    const theirs =
      'jobs:\n  build:\n    steps:\n      - uses: actions/checkout@bbb # v5.0.0\n      - run: npm test\n  # the audit job checks signatures\n  audit:\n    steps:\n      - uses: actions/setup-node@ccc # v6.0.0\n';
    const result = await merge('ci.yml', base, ours, theirs);
    expect(result.method).toBe('structure');
    expect(dec(result.bytes)).toBe(
      'jobs:\n  build:\n    steps:\n      - uses: actions/checkout@bbb # v5.0.0\n      - run: npm test\n  mine:\n    runs-on: x\n  # the audit job checks signatures\n  audit:\n    steps:\n      - uses: actions/setup-node@ccc # v6.0.0\n',
    );
  });

  it('JSON: a dependency the user added and a script the template added, in ours\' key order', async () => {
    const base = '{\n  "name": "svc",\n  "scripts": {\n    "build": "tsc"\n  },\n  "dependencies": {\n    "fastify": "^5.0.0"\n  }\n}\n';
    const ours = base.replace('"fastify": "^5.0.0"', '"fastify": "^5.0.0",\n    "zod": "^4.0.0"');
    const theirs = base.replace('"build": "tsc"', '"build": "tsc",\n    "lint": "tsc --noEmit"');
    const result = await merge('package.json', base, ours, theirs);
    // Lines apart: git merges them cleanly, and its bytes are the result.
    expect(result.method).toBe('text');
    expect(dec(result.bytes)).toBe(ours.replace('"build": "tsc"', '"build": "tsc",\n    "lint": "tsc --noEmit"'));
    expect(dec(result.bytes)).toBe((await git(base, ours, theirs, labels)).text);
  });

  it('the same scalar changed differently is a conflict, marked the git way', async () => {
    const result = await merge('config.yaml', 'replicas: 1\nimage: app\n', 'replicas: 2\nimage: app\n', 'replicas: 3\nimage: app\n');
    expect(result.conflicts).toBe(1);
    expect(result.conflicts).toBeGreaterThan(0);
    expect(dec(result.bytes)).toContain('<<<<<<< local\nreplicas: 2\n=======\nreplicas: 3\n>>>>>>> svc@1.1.0\n');
  });

  it('a real conflict is as small as the data allows, and everything around it merges', async () => {
    const base = 'jobs:\n  test:\n    timeout-minutes: 10\n    steps:\n      - run: npm test\n';
    const ours = 'jobs:\n  test:\n    timeout-minutes: 15\n    steps:\n      - run: npm test\n  e2e:\n    runs-on: ubuntu-latest\n';
    const theirs = 'jobs:\n  test:\n    timeout-minutes: 20\n    steps:\n      - run: npm test\n      - run: npm run lint\n';
    // git puts the whole stretch, the job and the step included, in one conflict block.
    const lineMerge = await git(base, ours, theirs, labels);
    expect(lineMerge.text.slice(lineMerge.text.indexOf('<<<<<<<'))).toContain('e2e:');
    const result = await merge('ci.yml', base, ours, theirs);
    expect(result).toMatchObject({ conflicts: 1, method: 'structure' });
    expect(dec(result.bytes)).toBe(
      'jobs:\n  test:\n<<<<<<< local\n    timeout-minutes: 15\n=======\n    timeout-minutes: 20\n>>>>>>> svc@1.1.0\n    steps:\n      - run: npm test\n      - run: npm run lint\n  e2e:\n    runs-on: ubuntu-latest\n',
    );
  });

  it('a JSON conflict is marked around the one value, the rest merged in the file\'s layout', async () => {
    const base = '{\n  "version": "1.0.0",\n  "scripts": {\n    "test": "vitest"\n  }\n}\n';
    const ours = base.replace('1.0.0', '1.1.0').replace('"test": "vitest"', '"test": "vitest",\n    "e2e": "playwright test"');
    const theirs = base.replace('1.0.0', '2.0.0').replace('"test": "vitest"', '"test": "vitest",\n    "lint": "eslint ."');
    const result = await merge('package.json', base, ours, theirs);
    expect(result.conflicts).toBe(1);
    expect(dec(result.bytes)).toBe(
      '{\n<<<<<<< local\n  "version": "1.1.0",\n=======\n  "version": "2.0.0",\n>>>>>>> svc@1.1.0\n  "scripts": {\n    "test": "vitest",\n    "e2e": "playwright test",\n    "lint": "eslint ."\n  }\n}\n',
    );
  });

  it('returns a file untouched on both sides byte for byte, whatever its format', async () => {
    for (const [path, text] of [
      ['a.json', '{"compact":true,"list":[1,2]}'],
      ['b.yaml', '# only a comment\nkey:   "quoted"   # trailing\nlist: [ a, b ]\n---\nsecond: doc\n'],
      ['c.txt', 'no newline at end'],
      ['d.yml', 'anchor: &a {x: 1}\nalias: *a\n'],
    ] as const) {
      const result = await merge(path, text, text, text);
      expect(dec(result.bytes)).toBe(text);
      expect(result.conflicts).toBe(0);
    }
  });

  it('never expands an alias bomb, whichever side holds it (the base is a template\'s, hence hostile)', async () => {
    // Nine levels of ten aliases: expanded, a billion strings.
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 10; i++) levels.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    const bomb = `${levels.join('\n')}\nkeep: 1\n`;
    const plain = 'keep: 1\n';
    for (const [base, ours, theirs] of [
      [bomb, plain, 'keep: 2\n'],
      [plain, bomb, 'keep: 2\n'],
      [plain, 'keep: 3\n', bomb],
    ] as const) {
      const result = await merge('bomb.yaml', base, ours, theirs);
      expect(result.method).toBe('text');
      expect(result.bytes.length).toBeLessThan(10_000);
    }
  });

  it('merges a YAML map of 40,000 keys edited on both sides (duplicate keys are found in linear time)', async () => {
    const n = 40_000;
    const base = Array.from({ length: n }, (_, i) => `k${i}: v${i}\n`).join('');
    const ours = base.replace('k5: v5\n', 'k5: mine\n');
    const theirs = base.replace(`k${n - 5}: v${n - 5}\n`, `k${n - 5}: theirs\n`);
    const result = await merge('big.yaml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe(ours.replace(`k${n - 5}: v${n - 5}\n`, `k${n - 5}: theirs\n`));
  });

  it('keeps the local file\'s CRLF line endings', async () => {
    const base = 'one\ntwo\nthree\nfour\nfive\n';
    const ours = 'one (mine)\r\ntwo\r\nthree\r\nfour\r\nfive\r\n';
    const theirs = 'one\ntwo\nthree\nfour\nfive (theirs)\n';
    const result = await merge('notes.txt', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe('one (mine)\r\ntwo\r\nthree\r\nfour\r\nfive (theirs)\r\n');
  });

  it('keeps a byte order mark as git does: clean merges byte for byte (JSON too), conflicts as git\'s lines', async () => {
    const bom = '\ufeff';
    const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8'); // keeps the mark
    const json = (a: number, c: number) => `${bom}{\n  "a": ${a},\n  "b": 1,\n  "c": ${c}\n}\n`;
    // JSON.parse refuses a mark: a clean merge is still clean, the data read after the mark.
    const clean = await merge('package.json', json(1, 1), json(2, 1), json(1, 2));
    expect(clean).toMatchObject({ conflicts: 0, method: 'text' });
    expect(text(clean.bytes)).toBe(json(2, 2));
    expect(text(clean.bytes)).toBe((await git(json(1, 1), json(2, 1), json(1, 2), labels)).text);
    // One side drops the mark, the other edits elsewhere: git's bytes, no mark.
    const dropped = await merge('package.json', json(1, 1), json(1, 2), json(1, 1).slice(1));
    expect(dropped.conflicts).toBe(0);
    expect(text(dropped.bytes)).toBe(json(1, 2).slice(1));
    // Where lines conflict, the structural routes (which read and write data, not marks) stand
    // aside: git's conflict, mark and all, never a result without it.
    const yaml = (a: number, b: number) => `${bom}a: ${a}\nb: ${b}\n`;
    const conflict = await merge('c.yaml', yaml(1, 1), yaml(2, 1), yaml(1, 2));
    expect(conflict).toMatchObject({ method: 'text', note: 'a byte order mark: merged by lines only' });
    expect({ text: text(conflict.bytes), conflicts: conflict.conflicts }).toEqual(await git(yaml(1, 1), yaml(2, 1), yaml(1, 2), labels));
    // Without the mark the same YAML settles by structure.
    expect(await merge('c.yaml', yaml(1, 1).slice(1), yaml(2, 1).slice(1), yaml(1, 2).slice(1))).toMatchObject({ conflicts: 0, method: 'structure' });
  });

  it('never merges binary files: a change on both sides keeps ours and conflicts', async () => {
    const result = await mergeFile({ path: 'logo.png', base: Uint8Array.of(0, 1), ours: Uint8Array.of(0, 2), theirs: Uint8Array.of(0, 3), labels, textMerger: git });
    expect(result).toMatchObject({ conflicts: 1, method: 'binary' });
    expect([...result.bytes]).toEqual([0, 2]);
  });

  it('decides binary as git does: a NUL in the first 8,000 bytes, wherever the bytes sit in their buffer', async () => {
    const text = (nulAt: number): Uint8Array => {
      const bytes = Buffer.alloc(9000, 'a');
      bytes[nulAt] = 0;
      // A view into a larger buffer, as Buffer.subarray and pooled reads give.
      return Buffer.concat([Buffer.from([0, 0, 0]), bytes]).subarray(3);
    };
    const merge = (bytes: Uint8Array) => mergeFile({ path: 'data.txt', base: bytes, ours: bytes, theirs: bytes, labels, textMerger: git });
    expect((await merge(text(7999))).method).toBe('binary');
    expect((await merge(text(8000))).method).toBe('text');
  });

  it('YAML and JSON results parse whenever no conflict is reported', async () => {
    const yamlLine = fc.constantFrom('a: 1\n', 'b: [1, 2]\n', 'c:\n  d: x\n', '# note\n', 'e: "q"\n', 'f: {g: h}\n');
    const doc = fc.uniqueArray(yamlLine, { maxLength: 5 }).map((lines) => lines.join(''));
    await fc.assert(
      fc.asyncProperty(doc, doc, doc, async (base, ours, theirs) => {
        const result = await merge('gen.yaml', base, ours, theirs);
        if (result.conflicts === 0) expect(() => parse(dec(result.bytes))).not.toThrow();
      }),
      { numRuns: 150 },
    );
  });
});
