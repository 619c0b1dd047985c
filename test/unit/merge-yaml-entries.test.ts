/**
 * yaml-entries reads YAML entry by entry and remembers entries across the texts of one merge:
 * every read must be exactly what a whole parse of that text gives (same data, same key order,
 * same own properties, undefined for the same texts), whatever came before it.
 */
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Data } from '../../src/merge/data.js';
import { yamlDataReader } from '../../src/merge/yaml-entries.js';
import { parseYamlDocumentsWithoutAliases, toData } from '../../src/merge/yaml-documents.js';

const whole = (text: string): Data[] | undefined => parseYamlDocumentsWithoutAliases(text)?.map(toData);

/** Equal data with the same key order everywhere, and the same own properties (__proto__ as a key). */
function same(a: unknown, b: unknown): boolean {
  if (!isDeepStrictEqual(a, b)) return false;
  if (a && typeof a === 'object') {
    const ka = Reflect.ownKeys(a);
    const kb = Reflect.ownKeys(b as object);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i] && same((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k]));
  }
  return true;
}

/** A reader whose parses are recorded: which texts yaml was asked to parse. */
function recording() {
  const parsed: string[] = [];
  const read = yamlDataReader((text) => {
    parsed.push(text);
    return parseYamlDocumentsWithoutAliases(text);
  });
  return { read, parsed };
}

/** Reads every text in turn with one reader, each checked against a whole parse. */
function expectReadsLikeWhole(texts: string[]): void {
  const { read } = recording();
  for (const text of texts) {
    const got = read(text);
    const want = whole(text);
    if (!same(got, want)) expect({ text, got }).toEqual({ text, got: want });
  }
}

describe('reading YAML entry by entry gives what a whole parse gives', () => {
  const base = 'name: ci\non: [push]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4 # v4\n      - name: test\n        run: npm test\n';
  const ours = `${base}  e2e:\n    runs-on: ubuntu-latest\n`;
  const theirs = `${base}  lint:\n    runs-on: ubuntu-latest\n`;

  it('texts that differ in an entry: the entries seen before are not parsed again, the data is the same', () => {
    const texts = [base, ours, theirs, `${base}  e2e:\n  lint:\n    runs-on: ubuntu-latest\n`, `${ours}  lint:\n    runs-on: ubuntu-latest\n`];
    expectReadsLikeWhole(texts);
    const { read, parsed } = recording();
    read(base);
    expect(parsed).toEqual([base]);
    for (const text of texts.slice(1)) read(text);
    // ours' and theirs' new jobs hold a line base has (runs-on): nothing new to parse in any of them.
    expect(parsed).toEqual([base]);
    read(base.replace('npm test', 'npm run test:ci'));
    expect(parsed.slice(1)).toEqual(['    steps:\n      - uses: actions/checkout@v4 # v4\n      - name: test\n        run: npm run test:ci\n']);
  });

  it.each([
    ['a key repeated in another entry', 'a: 1\nb: 2\n', 'a: 1\nb: 2\na: 3\n'],
    ['a key repeated one level down', 'top:\n  a: 1\n  b: 2\n', 'top:\n  a: 1\n  b: 2\n  a: 1\n'],
    ['a quoted string left open across key lines', 'a: 1\nb: 2\n', 'a: "x\nb: 2"\n'],
    ['a flow sequence left open across key lines', 'a: 1\nb: 2\n', 'a: [1,\nb: 2]\n'],
    ['an anchor in one entry and its alias in another', 'a: 1\nb: 2\n', 'a: &x 1\nb: *x\n'],
    ['an alias bomb', 'a: 1\n', 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n'],
    ['keys that read as the same property', 'a: 1\n1: x\n', 'a: 1\n1: x\n"1": y\n'],
    ['__proto__ and toString as keys', 'a: 1\n', 'a: 1\n__proto__:\n  polluted: yes\ntoString: 2\n'],
    ['keys that are not their text', 'a: 1\n', 'a: 1\nnull: 1\ntrue:\n  x: 1\n~: 2\n.inf: 3\n0x10: 4\n1e3: 5\n'],
    ['documents and directives', 'a: 1\n', '---\na: 1\n---\nb: 2\n'],
    ['a document start marker, then another', '---\na: 1\nb: 2\n', '---\na: 1\nb: 3\n---\n'],
    ['a document start marker with content', '--- # c\na: 1\nb: 2\n', '--- !!map\na: 1\nb: 2\n'],
    ['a document end marker', 'a: 1\n', 'a: 1\n... : 2\n'],
    ['a YAML 1.1 directive', 'a: 1\n', '%YAML 1.1\n---\na: yes\n'],
    ['a sequence at its key\'s indentation', 'steps:\n- a\n- b\nx: 1\n', 'steps:\n- a\n- c\nx: 1\n'],
    ['a block scalar whose lines look like keys', 'run: |\n  a: 1\nb: 2\n', 'run: |\n  a: 1\n  b: 2\nb: 2\n'],
    ['a block scalar with an indentation indicator', 'a:\n  run: |2\n      x\n  b: 1\n', 'a:\n  run: |2\n      y\n  b: 1\n'],
    ['a tab where indentation goes', 'a:\n  b: 1\n', 'a:\n\tb: 1\n'],
    ['CRLF line endings', 'a: 1\r\nb: 2\r\n', 'a: 1\r\nb: 3\r\n'],
    ['a byte order mark', 'a: 1\n', '\ufeffa: 1\nb: 2\n'],
    ['a multi-line plain scalar', 'a: x\n  y\nb: 1\n', 'a: x\n  z\nb: 1\n'],
    ['a less indented line inside a nested map', 'top:\n  a: 1\n  b: 2\n', 'top:\n  a: 1\n b: 2\n'],
    ['a complex key', 'a: 1\n', 'a: 1\n? b\n: 2\n'],
    ['comments and blank lines everywhere', '# head\na: 1\n\n# mid\nb:\n  # in\n  c: 1\n', '# head\na: 1\n\n# mid\nb:\n  # in\n  c: 2\n# tail\n'],
    ['a key line alone, then the same key with a value', 'jobs:\n  a:\n  b: 1\n', 'jobs:\n  a:\n    x: 1\n  b: 1\n'],
    ['a root map that is indented', '  a: 1\n  b: 2\n', '  a: 1\n  b: 3\n'],
    ['no final newline', 'a: 1\nb: 2', 'a: 1\nb: 3'],
    ['an empty text and only comments', '', '# nothing\n'],
  ])('%s', (_, first, second) => {
    expectReadsLikeWhole([first, second, first, second]);
  });

  it('a map nested thousands deep is read like a whole parse (splitting stops at a fixed depth)', () => {
    const deep = (n: number, leaf: string) => Array.from({ length: n }, (_, i) => `${' '.repeat(i)}k${i}:\n`).join('') + `${' '.repeat(n)}v: ${leaf}\n`;
    expectReadsLikeWhole([deep(2000, '1'), deep(2000, '2'), deep(2000, '1')]);
  });

  it('a long line of spaces after a key character does not make the key pattern backtrack', () => {
    const text = `a: 1\nb${' '.repeat(200_000)}x\n`;
    expectReadsLikeWhole([text, text.replace('a: 1', 'a: 2')]);
  });
});

// ------------------------------------------------------------------ property

// Mostly what real files hold, with a share of what breaks splitting: keys that are not their
// text, quoting, open flows and strings, anchors, block scalars, document markers, tabs.
const weighted = <T>(common: T[], rare: T[]) => fc.oneof({ arbitrary: fc.constantFrom(...common), weight: 6 }, { arbitrary: fc.constantFrom(...rare), weight: 1 });
const keyArb = weighted(['a', 'b', 'c', 'jobs', 'e2e', 'x-y', 'a.b', 'runs-on'], ['1', '01', 'null', 'true', 'yes', '__proto__', 'toString', '"a"', "'b'", '"1"', '"a\\"b"', "'it''s'", '.x', 'a b', '...', '$ref', 'C#', 'F*', 'a:b', 'a #b', 'http://x', 'a[1]', '(x)', '<<', '"a" ']);
const valueArb = weighted(['1', 'x', '"q"', "'s'", '[1, 2]', '{a: 1}', '', 'ubuntu-latest # pinned'], ['[1,', '"open', '|', '>-', '&anc x', '*anc', '!!str 1', '# note', 'a: b', '- x']);
const extraLine = weighted(['', '# c', '  # c'], ['---', '--- # c', '--- x', '...', '%YAML 1.1', '\tx: 1', '- x', '  - x', ' odd: 1', 'z', '? q', ': v']);

interface Node {
  key: string;
  value: string;
  children: Node[];
  /** The children's indentation, relative to the key. */
  step: number;
  /** Lines under the key: sequence items, block scalar lines, comments. */
  lines: string[];
}

const nodeArb: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.record({
    key: keyArb,
    value: valueArb,
    children: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant([]), fc.array(tie('node'), { minLength: 1, maxLength: 3 })),
    step: weighted([2], [1, 4]),
    lines: fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: fc.array(weighted(['- i', '- name: x', '# c'], ['x', 'y: 1', '']), { maxLength: 2 }), weight: 1 }),
  }),
})).node;

function render(nodes: Node[], indent = 0): string[] {
  const pad = ' '.repeat(indent);
  return nodes.flatMap((n) => [
    `${pad}${n.key}:${n.children.length > 0 || n.lines.length > 0 || n.value === '' ? '' : ` ${n.value}`}`,
    ...n.lines.map((line) => (line === '' ? '' : `${pad}${' '.repeat(n.step)}${line}`)),
    ...render(n.children, indent + n.step),
  ]);
}

/** A tree edit as a person makes one: a value changed, an entry added, removed or renamed, somewhere in the tree. */
type Edit = [kind: 'value' | 'add' | 'remove' | 'rename', path: number[], value: string, node: Node];
const editArb = fc.tuple(fc.constantFrom('value', 'add', 'remove', 'rename'), fc.array(fc.nat(3), { minLength: 1, maxLength: 4 }), valueArb, nodeArb) as fc.Arbitrary<Edit>;

function edit(nodes: Node[], [kind, path, value, node]: Edit): Node[] {
  const copy = structuredClone(nodes);
  let list = copy;
  for (const step of path.slice(0, -1)) {
    const next = list[step % Math.max(1, list.length)];
    if (!next || next.children.length === 0) break;
    list = next.children;
  }
  const i = path[path.length - 1]! % Math.max(1, list.length);
  if (kind === 'add') list.splice(i, 0, node);
  else if (list.length === 0) return copy;
  else if (kind === 'remove') list.splice(i, 1);
  else if (kind === 'rename') list[i]!.key = node.key;
  else list[i] = { ...list[i]!, value, children: [], lines: [] };
  return copy;
}

/** Line damage: what a bad hand edit or a line merge can leave. */
type Damage = [kind: 'delete' | 'duplicate' | 'indent' | 'outdent' | 'insert' | 'swap', at: number, line: string];
const damageArb = fc.tuple(fc.constantFrom('delete', 'duplicate', 'indent', 'outdent', 'insert', 'swap'), fc.nat(40), extraLine) as fc.Arbitrary<Damage>;

function damage(lines: string[], list: Damage[]): string[] {
  const out = [...lines];
  for (const [kind, at, line] of list) {
    const i = out.length === 0 ? 0 : at % out.length;
    if (kind === 'insert') out.splice(i, 0, line);
    else if (out.length === 0) continue;
    else if (kind === 'delete') out.splice(i, 1);
    else if (kind === 'duplicate') out.splice(i, 0, out[i]!);
    else if (kind === 'indent') out[i] = ` ${out[i]}`;
    else if (kind === 'outdent') out[i] = out[i]!.replace(/^ /, '');
    else if (out.length > 1) [out[i], out[(i + 1) % out.length]] = [out[(i + 1) % out.length]!, out[i]!];
  }
  return out;
}

describe('property: any sequence of related texts reads like whole parses', () => {
  it('a generated file, then versions of it (entries edited, added, removed, renamed; some lines damaged)', () => {
    const version = fc.tuple(fc.array(editArb, { minLength: 1, maxLength: 3 }), fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, { arbitrary: fc.array(damageArb, { minLength: 1, maxLength: 2 }), weight: 1 }));
    const arb = fc.tuple(fc.array(nodeArb, { minLength: 1, maxLength: 5 }), fc.array(version, { minLength: 1, maxLength: 5 }), fc.boolean());
    let reads = 0;
    let partial = 0;
    fc.assert(
      fc.property(arb, ([tree, versions, finalNewline]) => {
        const text = (lines: string[]) => lines.join('\n') + (finalNewline ? '\n' : '');
        const texts = [text(render(tree)), ...versions.map(([edits, damages]) => text(damage(render(edits.reduce(edit, tree)), damages)))];
        const { read, parsed } = recording();
        texts.forEach((t, i) => {
          const before = parsed.length;
          const got = read(t);
          const want = whole(t);
          if (!same(got, want)) throw new Error(`read ${JSON.stringify(t)} as ${JSON.stringify(got)}, a whole parse gives ${JSON.stringify(want)}`);
          // Counted: texts after the first that a whole parse reads.
          if (i === 0 || want === undefined) return;
          reads++;
          if (!parsed.slice(before).includes(t)) partial++;
        });
        return true;
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 3000) },
    );
    // The property says something only if many reads went entry by entry.
    expect(partial / reads).toBeGreaterThan(0.3);
  });
});
