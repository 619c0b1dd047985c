/**
 * The merge engine's rules, as cases reproducing the shapes the merge corpus found in real
 * history (test/merge-corpus: synthetic content here, the real files stay in their repositories)
 * and as properties over generated YAML and JSON.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { gitTextMerger } from '../../src/merge/git-merge-file.js';
import { mergeFile } from '../../src/merge/merge-file.js';
import { mergeData, type Data } from '../../src/merge/data.js';
import { mergeStructured } from '../../src/merge/structured.js';

const labels = { ours: 'local', base: 'base', theirs: 'template' };
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const dec = (b: Uint8Array): string => new TextDecoder().decode(b);
const git = await gitTextMerger();
const merge = (path: string, base: string, ours: string, theirs: string) =>
  mergeFile({ path, base: enc(base), ours: enc(ours), theirs: enc(theirs), labels, textMerger: git });
const lineMerge = (base: string, ours: string, theirs: string) => git(base, ours, theirs, labels);

describe('where git\'s line merge conflicts, the data decides and only the conflict blocks change', () => {
  it('both sides add a language next to each other in a sorted map: both land, in sorted order, the rest byte for byte', async () => {
    const entry = (name: string, ext: string) => `${name}:\n  type: programming\n  extensions:\n  - "${ext}"\n  tm_scope: none\n\n`;
    const base = `# Languages, sorted\n${entry('Ada', '.adb')}${entry('Zig', '.zig')}`;
    const ours = base.replace(entry('Zig', '.zig'), `${entry('Mercury', '.m')}${entry('Zig', '.zig')}`);
    const theirs = base.replace(entry('Zig', '.zig'), `${entry('Lua', '.lua')}${entry('Zig', '.zig')}`);
    expect((await lineMerge(base, ours, theirs)).conflicts).toBe(1);
    const result = await merge('languages.yml', base, ours, theirs);
    expect(result).toMatchObject({ conflicts: 0, method: 'structure' });
    expect(dec(result.bytes)).toBe(base.replace(entry('Zig', '.zig'), `${entry('Lua', '.lua')}${entry('Mercury', '.m')}${entry('Zig', '.zig')}`));
  });

  it('one side edits a named list item, the other inserts an item right next to it: merged by name, not a conflict', async () => {
    const base = 'steps:\n  - name: checkout\n    uses: actions/checkout@v4 # pinned\n  - name: test\n    run: npm test\n';
    const ours = base.replace('uses: actions/checkout@v4 # pinned', 'uses: actions/checkout@v5 # pinned');
    const theirs = base.replace('  - name: test\n', '  - name: lint\n    run: npm run lint\n  - name: test\n');
    expect((await lineMerge(base, ours, theirs)).conflicts).toBe(1);
    const result = await merge('ci.yml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe(
      'steps:\n  - name: checkout\n    uses: actions/checkout@v5 # pinned\n  - name: lint\n    run: npm run lint\n  - name: test\n    run: npm test\n',
    );
  });

  it('a list of named items changed in different items on adjacent lines', async () => {
    const base = 'jobs:\n  - name: build\n    image: node:20\n  - name: test\n    image: node:20\n';
    const ours = base.replace('    image: node:20\n  - name: test', '    image: node:22\n  - name: test');
    const theirs = base.replace('  - name: test\n', '  - name: unit-test\n');
    // git sees two edits on neighbouring lines; the data sees two different items.
    const git1 = await lineMerge(base, ours, theirs);
    const result = await merge('jobs.yaml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(parse(dec(result.bytes))).toEqual(parse(git1.conflicts > 0 ? 'jobs:\n  - name: build\n    image: node:22\n  - name: unit-test\n    image: node:20\n' : git1.text));
  });

  it('a map key added on both sides with the same value, next to different additions, lands once', async () => {
    const base = 'a: 1\nz: 9\n';
    const ours = 'a: 1\nshared: true\nmine: 1\nz: 9\n';
    const theirs = 'a: 1\nshared: true\ntheirs: 2\nz: 9\n';
    expect((await lineMerge(base, ours, theirs)).conflicts).toBeGreaterThan(0);
    const result = await merge('config.yaml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe('a: 1\nshared: true\nmine: 1\ntheirs: 2\nz: 9\n');
  });

  it('a scalar changed on one side while the other side moved its parent: the change follows the move', async () => {
    const base = 'jobs:\n  lint:\n    run: make lint\n  test:\n    run: make test\n  deploy:\n    run: make deploy\n';
    const ours = 'jobs:\n  test:\n    run: make test\n  deploy:\n    run: make deploy\n  lint:\n    run: make lint\n';
    const theirs = base.replace('run: make lint', 'run: make lint-all');
    expect((await lineMerge(base, ours, theirs)).conflicts).toBeGreaterThan(0);
    const result = await merge('ci.yml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe(ours.replace('run: make lint', 'run: make lint-all'));
  });

  it('JSON: members both sides appended to one object, commas included', async () => {
    const base = '{\n  "scripts": {\n    "build": "tsc"\n  }\n}\n';
    const ours = '{\n  "scripts": {\n    "build": "tsc",\n    "e2e": "playwright test"\n  }\n}\n';
    const theirs = '{\n  "scripts": {\n    "build": "tsc",\n    "lint": "eslint ."\n  }\n}\n';
    expect((await lineMerge(base, ours, theirs)).conflicts).toBeGreaterThan(0);
    const result = await merge('package.json', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe('{\n  "scripts": {\n    "build": "tsc",\n    "e2e": "playwright test",\n    "lint": "eslint ."\n  }\n}\n');
  });

  it('an entry one side extended and the other both extended alike and changed: the side holding both edits', async () => {
    const base = 'Harbour:\n  extensions:\n  - .prg\n  tm_scope: none\n';
    const ours = 'Harbour:\n  extensions:\n  - .prg\n  - .ch\n  tm_scope: none\n';
    const theirs = 'Harbour:\n  extensions:\n  - .prg\n  - .ch\n  tm_scope: source.harbour\n';
    const result = await merge('languages.yml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe(theirs);
  });

  it('an item added on one side next to an item the other side deleted', async () => {
    const base = 'ApacheConf:\n  extensions:\n  - .apacheconf\n  - .conf\n  tm_scope: source.apache-config\n';
    const ours = base.replace('  - .conf\n', '  - .conf\n  - .vhost\n');
    const theirs = base.replace('  - .conf\n', '');
    expect((await lineMerge(base, ours, theirs)).conflicts).toBeGreaterThan(0);
    const result = await merge('languages.yml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe(base.replace('  - .conf\n', '  - .vhost\n'));
  });
});

describe('more shapes from the corpus', () => {
  it('JSON: items both sides appended to an array of objects, where git splits them at their braces', async () => {
    const item = (name: string, last = false) => `    {\n      "name": "${name}",\n      "url": "https://example.com/${name}.json"\n    }${last ? '' : ','}\n`;
    const doc = (...names: string[]) => `{\n  "schemas": [\n${names.map((n, i) => item(n, i === names.length - 1)).join('')}  ]\n}\n`;
    const base = doc('alpha');
    const ours = doc('alpha', 'bravo', 'charlie');
    const theirs = doc('alpha', 'delta');
    expect((await lineMerge(base, ours, theirs)).conflicts).toBeGreaterThan(0);
    const result = await merge('catalog.json', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe(doc('alpha', 'bravo', 'charlie', 'delta'));
  });

  it('a value changed on one side, a blank line added after it on the other (git trims the shared blank out of the block)', async () => {
    const base = 'concurrency:\n  group: pages\n  cancel-in-progress: true\njobs:\n  build:\n    runs-on: ubuntu-latest\n';
    const ours = base.replace('cancel-in-progress: true\n', 'cancel-in-progress: false\n\n');
    const theirs = base.replace('cancel-in-progress: true\n', 'cancel-in-progress: true\n\n');
    expect((await lineMerge(base, ours, theirs)).conflicts).toBe(1);
    const result = await merge('pages.yml', base, ours, theirs);
    expect(result.conflicts).toBe(0);
    expect(dec(result.bytes)).toBe(ours);
  });

  it('a file that already holds a duplicate key is not valid YAML: merged by git alone, markers and all', async () => {
    const base = 'Mercury:\n  type: programming\nMercury:\n  type: data\nZig:\n  type: programming\n';
    const ours = base.replace('Zig:\n', 'Lua:\n  type: programming\nZig:\n');
    const theirs = base.replace('Zig:\n', 'Nim:\n  type: programming\nZig:\n');
    const reference = await lineMerge(base, ours, theirs);
    const result = await merge('languages.yml', base, ours, theirs);
    expect({ text: dec(result.bytes), conflicts: result.conflicts }).toEqual(reference);
  });

  it('a side with an anchor (used or not) or a duplicate key deep in a list, where lines conflict: git\'s result, markers and all', async () => {
    // Both checks run in one walk of each document: whichever it meets first, the file is git's.
    const entries = 'jobs:\n  - name: build\n    env: {A: 1}\n  - name: test\n';
    for (const side of [`defaults: &d {shell: bash}\n${entries}`, `${entries}  - name: deploy\n    with: {x: 1, x: 2}\n`, `d: &d 1\ne: *d\n${entries}`]) {
      const base = `${side}tail: 1\n`;
      const ours = `${side}tail: 1\nmine: 1\n`;
      const theirs = `${side}tail: 1\ntheirs: 2\n`;
      const reference = await lineMerge(base, ours, theirs);
      expect(reference.conflicts).toBe(1);
      const result = await merge('ci.yml', base, ours, theirs);
      expect({ text: dec(result.bytes), conflicts: result.conflicts }).toEqual(reference);
    }
  });
});

describe('hostile sizes (the base is a template\'s)', () => {
  it('a conflict among 20,000 identical list lines is settled without trying every copy', async () => {
    const lines = '  - x\n'.repeat(20_000);
    const base = `list:\n${lines}tail: 1\n`;
    const ours = `list:\n${lines}  - mine\ntail: 2\n`;
    const theirs = `list:\n${lines}  - theirs\ntail: 3\n`;
    const reference = await lineMerge(base, ours, theirs);
    const result = await merge('big.yaml', base, ours, theirs);
    // tail changed on both sides: a conflict, never more blocks than git's.
    expect(result.conflicts).toBeGreaterThan(0);
    expect(result.conflicts).toBeLessThanOrEqual(reference.conflicts);
  });
});

describe('conflicts stay conflicts: never a silent choice', () => {
  it('a key moved on one side and deleted on the other is a conflict, not a delete', async () => {
    expect(mergeData({ a: 1, b: 2, c: 3 }, { b: 2, c: 3, a: 1 }, { b: 2, c: 3 }).conflicts).toEqual([['a']]);
    expect(mergeData({ a: 1, b: 2, c: 3 }, { b: 2, c: 3 }, { b: 2, c: 3, a: 1 }).conflicts).toEqual([['a']]);
    const items = [{ name: 'x' }, { name: 'y' }, { name: 'z' }];
    expect(mergeData({ steps: items }, { steps: [items[1]!, items[2]!, items[0]!] }, { steps: [items[1]!, items[2]!] }).conflicts.length).toBe(1);
    // Through the file merge: the moved key is still in the result, inside markers.
    const base = 'a: 1\nb: 2\nc: 3\n';
    const ours = 'b: 2\nc: 3\na: 1\n';
    const theirs = 'b: 20\nc: 3\n';
    const result = await merge('m.yaml', base, ours, theirs);
    expect(result.conflicts).toBeGreaterThan(0);
    expect(dec(result.bytes)).toContain('a: 1');
  });

  it('a move alone, with the other side deleting something else, merges', () => {
    expect(mergeData({ a: 1, b: 2, c: 3 }, { b: 2, c: 3, a: 1 }, { a: 1, b: 2 })).toEqual({ value: { b: 2, a: 1 }, conflicts: [] });
  });

  it('a comment both sides rewrote is left to a person, even though the data agrees', async () => {
    const base = 'name: scan\n';
    const ours = '# Scans every pull request.\nname: scan\n';
    const theirs = '# Scans pull requests for vulnerabilities.\nname: scan\n';
    const result = await merge('scan.yml', base, ours, theirs);
    expect(result.conflicts).toBe(1);
    expect(dec(result.bytes)).toBe((await lineMerge(base, ours, theirs)).text);
  });

  it('a comment the template changed where git merged cleanly is never lost to a structural merge elsewhere', async () => {
    const base = '# settings for x\nx: 1\nspacer: 0\nother: 0\ny: 2\nz: 3\n';
    const ours = base.replace('y: 2', 'y: 20');
    const theirs = '# settings for x, documented\nx: 1\nspacer: 0\nother: 0\nz: 3\ny: 2\n';
    const result = await merge('s.yaml', base, ours, theirs);
    const text = dec(result.bytes);
    expect(text).toContain('# settings for x, documented\n');
    if (result.conflicts === 0) expect(parse(text)).toEqual({ x: 1, spacer: 0, other: 0, z: 3, y: 20 });
  });

  it('where one block is a real conflict, the others still settle: git\'s markers on that one block only', async () => {
    const base = 'replicas: 1\nimage: app\nports:\n  - 80\nenv:\n  A: 1\n';
    const ours = 'replicas: 2\nimage: app\nports:\n  - 80\nenv:\n  A: 1\n  MINE: 1\n';
    const theirs = 'replicas: 3\nimage: app\nports:\n  - 80\nenv:\n  A: 1\n  THEIRS: 1\n';
    const reference = await lineMerge(base, ours, theirs);
    expect(reference.conflicts).toBe(2);
    const result = await merge('deploy.yaml', base, ours, theirs);
    expect(result.conflicts).toBe(1);
    expect(dec(result.bytes)).toBe('<<<<<<< local\nreplicas: 2\n=======\nreplicas: 3\n>>>>>>> template\nimage: app\nports:\n  - 80\nenv:\n  A: 1\n  MINE: 1\n  THEIRS: 1\n');
  });

  it('a comment both rewrote stays a conflict while a data block elsewhere settles', async () => {
    const base = '# about\na: 1\nb: 2\nc: 3\nd: 4\ne: 5\nz: 9\n';
    const ours = '# about, mine\na: 1\nb: 2\nc: 3\nd: 4\ne: 5\nx: 1\nz: 9\n';
    const theirs = '# about, theirs\na: 1\nb: 2\nc: 3\nd: 4\ne: 5\ny: 1\nz: 9\n';
    expect((await lineMerge(base, ours, theirs)).conflicts).toBe(2);
    const result = await merge('c.yaml', base, ours, theirs);
    expect(result.conflicts).toBe(1);
    expect(dec(result.bytes)).toBe('<<<<<<< local\n# about, mine\n=======\n# about, theirs\n>>>>>>> template\na: 1\nb: 2\nc: 3\nd: 4\ne: 5\nx: 1\ny: 1\nz: 9\n');
  });

  it('never worse than git: where the data conflicts, never more conflict blocks than git\'s', async () => {
    const base = 'replicas: 1\nimage: app:1\n';
    const result = await merge('deploy.yaml', base, 'replicas: 2\nimage: app:2\n', 'replicas: 3\nimage: app:3\n');
    const reference = await lineMerge(base, 'replicas: 2\nimage: app:2\n', 'replicas: 3\nimage: app:3\n');
    expect(result.conflicts).toBeGreaterThan(0);
    expect(result.conflicts).toBeLessThanOrEqual(reference.conflicts);
  });
});

describe('git\'s clean line merge is the result, byte for byte', () => {
  it('keeps comments between list items, quoting, flow spacing, indentation and the final newline exactly as git merges them', async () => {
    const base = "on: [ push ]\nenv:\n  MODE: 'fast'\n  FLAG: yes\nsteps:\n    - run: a\n    # between items\n    - run: b\n";
    const ours = base.replace('on: [ push ]', 'on: [ push, pull_request ]');
    const theirs = base.replace('FLAG: yes\n', 'FLAG: "yes"\n').replace('    - run: b\n', '    - run: b\n    - run: c');
    const reference = await lineMerge(base, ours, theirs);
    expect(reference.conflicts).toBe(0);
    const result = await merge('ci.yml', base, ours, theirs);
    expect(dec(result.bytes)).toBe(reference.text);
  });

  it('a clean line merge that adds a key twice stays git\'s bytes, but counts as a conflict with a warning that says so', async () => {
    const base = 'a: 1\nb: 2\nc: 3\n';
    const ours = 'new: x\na: 1\nb: 2\nc: 3\n';
    const theirs = 'a: 1\nb: 2\nc: 3\nnew: x\n';
    const reference = await lineMerge(base, ours, theirs);
    expect(reference.conflicts).toBe(0);
    const result = await merge('dup.yaml', base, ours, theirs);
    expect(dec(result.bytes)).toBe(reference.text);
    expect(result.conflicts).toBe(1);
    expect(result.warning).toMatch(/not valid YAML/);
  });

  it('a key added twice by a clean line merge is found after an alias too (aliases are allowed there, the walk goes on)', async () => {
    const base = 'a: &x 1\nb: *x\nc: 3\n';
    const ours = `new: x\n${base}`;
    const theirs = `${base}new: x\n`;
    const reference = await lineMerge(base, ours, theirs);
    expect(reference.conflicts).toBe(0);
    const result = await merge('dup.yaml', base, ours, theirs);
    expect(dec(result.bytes)).toBe(reference.text);
    expect(result.conflicts).toBe(1);
    expect(result.warning).toMatch(/not valid YAML/);
  });
});

describe('the structural route (whole file in the local layout)', () => {
  it('a comment on a mapping key line (`e2e: # note`) no longer makes it give up, and stays on its line', () => {
    const base = 'jobs:\n  e2e: # runs nightly too\n    runs-on: ubuntu-latest\n  test:\n    runs-on: ubuntu-latest\n';
    const ours = base.replace('  test:\n    runs-on: ubuntu-latest\n', '  test:\n    runs-on: ubuntu-24.04\n');
    const theirs = `${base}  lint:\n    runs-on: ubuntu-latest\n`;
    const result = mergeStructured('yaml', base, ours, theirs);
    expect(result.kind).toBe('merged');
    expect((result as { text: string }).text).toBe(`${ours}  lint:\n    runs-on: ubuntu-latest\n`);
  });
});

// ------------------------------------------------------------------ properties

type Doc = Record<string, number | Array<{ name: string; run: number }>>;
const KEYS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
const NAMES = ['build', 'test', 'lint', 'deploy'];
const docArb: fc.Arbitrary<Doc> = fc.dictionary(
  fc.constantFrom(...KEYS),
  fc.oneof(fc.nat(9), fc.uniqueArray(fc.record({ name: fc.constantFrom(...NAMES), run: fc.nat(9) }), { selector: (i) => i.name, maxLength: 3 })),
  { maxKeys: 5 },
);
type Edit = [kind: 'set' | 'delete' | 'add-item' | 'change-item' | 'drop-item', key: number, value: number];
const editsArb = fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'add-item', 'change-item', 'drop-item'), fc.nat(20), fc.nat(20)) as fc.Arbitrary<Edit>, { maxLength: 3 });

function edit(doc: Doc, edits: Edit[]): Doc {
  const out: Doc = JSON.parse(JSON.stringify(doc));
  for (const [kind, k, v] of edits) {
    const key = KEYS[k % KEYS.length]!;
    const value = out[key];
    if (kind === 'set') out[key] = v;
    else if (kind === 'delete') delete out[key];
    else if (Array.isArray(value)) {
      if (kind === 'add-item') {
        const name = NAMES.find((n) => !value.some((i) => i.name === n));
        if (name) value.splice(v % (value.length + 1), 0, { name, run: v });
      } else if (value.length > 0 && kind === 'change-item') value[v % value.length]!.run = v + 10;
      else if (value.length > 0) value.splice(v % value.length, 1);
    }
  }
  return out;
}

const yamlText = (doc: Doc) => (Object.keys(doc).length === 0 ? '{}\n' : stringify(doc));
const jsonText = (doc: Doc) => `${JSON.stringify(doc, null, 2)}\n`;
const triples = (render: (d: Doc) => string) => docArb.chain((base) => fc.tuple(fc.constant(base), editsArb.map((e) => edit(base, e)), editsArb.map((e) => edit(base, e)))).map((docs) => docs.map(render) as [string, string, string]);
const parses = (format: string, text: string) => {
  if (format === 'json') JSON.parse(text);
  else if (parseAllDocuments(text).some((d) => d.errors.length > 0)) throw new Error('invalid YAML');
};

describe.each([
  ['yaml', 'gen.yaml', yamlText],
  ['json', 'gen.json', jsonText],
] as const)('properties (%s)', (format, path, render) => {
  it('merge(base, x, base) is x and merge(base, base, y) is y, byte for byte', async () => {
    await fc.assert(
      fc.asyncProperty(triples(render), async ([base, ours, theirs]) => {
        expect(dec((await merge(path, base, ours, base)).bytes)).toBe(ours);
        expect(dec((await merge(path, base, base, theirs)).bytes)).toBe(theirs);
      }),
      { numRuns: 40 },
    );
  });

  it('wherever git is clean the result is git\'s bytes; conflicts are found either way round; a clean result parses to the merged data', async () => {
    await fc.assert(
      fc.asyncProperty(triples(render), async ([base, ours, theirs]) => {
        const reference = await lineMerge(base, ours, theirs);
        const result = await merge(path, base, ours, theirs);
        const swapped = await merge(path, base, theirs, ours);
        if (reference.conflicts === 0) expect(dec(result.bytes)).toBe(reference.text);
        expect(result.conflicts > 0).toBe(swapped.conflicts > 0);
        if (result.conflicts === 0) {
          expect(() => parses(format, dec(result.bytes))).not.toThrow();
          if (reference.conflicts > 0) {
            // Resolved by structure: exactly the data a structural merge gives, whichever order two insertions took.
            const data = (text: string) => (format === 'json' ? JSON.parse(text) : parse(text)) as Data;
            const expected = mergeData(data(base), data(ours), data(theirs));
            expect(expected.conflicts).toEqual([]);
            expect(normalise(data(dec(result.bytes)))).toEqual(normalise(expected.value));
          }
        }
        // Never worse than git: never more conflict blocks (a clean line merge that is not valid data counts one).
        expect(result.conflicts).toBeLessThanOrEqual(reference.conflicts === 0 ? (result.warning ? 1 : 0) : reference.conflicts);
      }),
      { numRuns: 120 },
    );
  });
});

/** Maps by key, lists as sorted multisets: the order two concurrent insertions land in is free. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise).map((v) => JSON.stringify(v)).sort();
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, normalise(v)]));
  return value;
}

describe('properties over line edits of YAML (comments, blank lines, lists, nested maps)', () => {
  const LINES = ['a: 1\n', 'b:\n', '  - x\n', '  - y\n', '  c: 2\n', '# note\n', '\n', 'd: [1, 2]\n', '- name: n\n', '  run: r\n', 'e: "q"\n', '  f: 3\n'];
  const line = fc.constantFrom(...LINES);
  const edits = (base: string[]) =>
    fc.array(fc.tuple(fc.nat(30), fc.constantFrom('delete', 'insert', 'replace'), line), { maxLength: 4 }).map((list) => {
      const lines = [...base];
      for (const [at, kind, text] of list) {
        const i = lines.length === 0 ? 0 : at % (lines.length + (kind === 'insert' ? 1 : 0));
        if (kind === 'delete') lines.splice(i, 1);
        else if (kind === 'insert') lines.splice(i, 0, text);
        else lines.splice(i, 1, text);
      }
      return lines.join('');
    });
  const triple = fc.array(line, { maxLength: 10 }).chain((base) => fc.tuple(fc.constant(base.join('')), edits(base), edits(base)));

  it('never throws; git-clean is git\'s bytes; a clean result of two valid sides parses; never more conflict blocks than git', async () => {
    await fc.assert(
      fc.asyncProperty(triple, async ([base, ours, theirs]) => {
        const reference = await lineMerge(base, ours, theirs);
        const result = await merge('fuzz.yaml', base, ours, theirs);
        if (reference.conflicts === 0) expect(dec(result.bytes)).toBe(reference.text);
        const valid = (text: string) => parseAllDocuments(text).every((d) => d.errors.length === 0);
        if (result.conflicts === 0 && valid(ours) && valid(theirs)) expect(valid(dec(result.bytes))).toBe(true);
        expect(result.conflicts).toBeLessThanOrEqual(reference.conflicts === 0 ? (result.warning ? 1 : 0) : reference.conflicts);
      }),
      { numRuns: 300 },
    );
  });

  it('a clean line merge that breaks the YAML structure (a key after a sequence whose parent was removed) is a conflict, with git\'s bytes', async () => {
    const result = await merge('fuzz.yaml', 'b:\n  - x\n', '  - x\n', 'b:\n  - x\na: 1\n');
    expect(dec(result.bytes)).toBe('  - x\na: 1\n');
    expect(result.conflicts).toBe(1);
    expect(result.warning).toContain('not valid YAML');
  });
});
