/**
 * `.platform.yaml` as the CLI wrote it is read without the yaml library's document tree. That
 * shortcut must never change a result: whatever it returns is what the library reads from the
 * same text (the slow path), and text it is not sure of — hand edits, comments, anchors,
 * duplicate or reserved keys, CRLF, any single-character corruption — goes to the library,
 * which then reports the same errors, with their lines, as before.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseYamlSource } from '../../src/core/yaml-source.js';
import { parseLockfile, serializeLockfile, type Lockfile, type LockedTemplate } from '../../src/lock/lockfile.js';
import { readEmittedYaml } from '../../src/lock/yaml-read.js';

const HOSTILE = [
  '', ' ', ' lead', 'trail ', 'yes', 'No', 'ON', 'off', 'true', 'False', 'null', '~', '.inf', '-.inf', '.NaN', '.5', '1e5', '0x1f', '017', '08', '+1', '-0',
  '1_000', '1:20', '2001-12-14', '1.2.0', '1.2', '1.2.0-rc.1+build.5', '#x', 'a #b', 'a: b', 'a:', ':a', '- x', '-', '--- ', '? x', '*alias', '&anchor',
  '!tag', '{x: 1}', '[1, 2]', '[]', '{}', '|', '"double"', "'single'", 'back\\slash', 'line\nbreak', '\r\n', '\ttab', 'a  b', '\u2028', '\ufeff', '\u0085',
  '\u0000', 'é', '😀', '\ud800', 'x'.repeat(1100), '<<', 'a=b', '../escape', '/abs', '__proto__x', 'src/{{name}}.ts', '.env.example',
];
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string(), fc.string({ unit: 'grapheme' }));
const key = hostileString.filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
const answer = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.array(fc.array(hostileString, { maxLength: 2 }), { maxLength: 2 }),
  fc.dictionary(key, fc.oneof(hostileString, fc.integer(), fc.array(hostileString, { maxLength: 2 }), fc.constant({})), { maxKeys: 3 }),
);
const file = fc.oneof(
  fc.record({ policy: fc.constantFrom('merge', 'once', 'owned') as fc.Arbitrary<'merge' | 'once' | 'owned'>, sha256: fc.stringMatching(/^[0-9a-f]{64}$/) }),
  fc.record({ policy: fc.constantFrom('merge', 'owned') as fc.Arbitrary<'merge' | 'owned'>, sha256: fc.stringMatching(/^[0-9a-f]{64}$/), executable: fc.constant(true) }),
  fc.record({ policy: fc.constant('secret' as const), executable: fc.constant(true) }),
);
const template: fc.Arbitrary<LockedTemplate> = fc.record({
  name: hostileString,
  version: hostileString,
  source: hostileString,
  answers: fc.dictionary(key, answer, { maxKeys: 6 }),
  files: fc.dictionary(key, file, { maxKeys: 6 }),
  hooks: fc.constantFrom(undefined, 'pending' as const, 'failed' as const),
});
const lockfile: fc.Arbitrary<Lockfile> = fc.record({
  schemaVersion: fc.constant(1 as const),
  cli: fc.option(fc.record({ package: fc.constantFrom('create-service', '@acme/platform', 'bad name\n#x'), version: hostileString }), { nil: undefined }),
  templates: fc.uniqueArray(template, { selector: (t) => t.name, maxLength: 3 }),
});

/** The one YAML reader's outcome for a text: its data, or the error it reports. */
function slow(text: string): { data: unknown } | { error: string } {
  try {
    return { data: parseYamlSource(text, '.platform.yaml', 'Lockfile').data };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** A lockfile as the CLI writes it for an ordinary service (the shape every real upgrade reads). */
function realistic(files: number): Lockfile {
  const sha = (i: number) => i.toString(16).padStart(64, '0');
  return {
    schemaVersion: 1,
    cli: { package: 'create-service', version: 'file:/work/cli' },
    templates: [
      {
        name: 'service',
        version: '1.2.0',
        source: 'builtin',
        answers: { serviceName: 'orders-api', port: '8080', replicas: 3, enableMetrics: true, environments: ['dev', 'staging', 'prod'], owner: null, ratio: 0.5 },
        files: Object.fromEntries(Array.from({ length: files }, (_, i) => [`src/dir-${i % 7}/file-${i}.ts`, i % 9 === 0 ? { policy: 'secret' as const } : { policy: i % 5 === 0 ? ('owned' as const) : ('merge' as const), sha256: sha(i), ...(i % 11 === 0 ? { executable: true } : {}) }])),
      },
      { name: 'ci', version: '1.0.0', source: 'dir:../templates', answers: {}, files: {}, hooks: 'pending' },
    ],
  };
}

describe('reading the lockfile as written', () => {
  it('reads what the CLI writes without the library, as the same data the library reads', () => {
    for (const size of [0, 1, 40, 400]) {
      const text = serializeLockfile(realistic(size));
      const fast = readEmittedYaml(text);
      expect(fast).toBeDefined();
      expect(fast).toEqual((slow(text) as { data: unknown }).data);
      expect(parseLockfile(text, '.platform.yaml')).toEqual(parseYamlSource(text, '.platform.yaml', 'Lockfile').data);
    }
  });

  it('returns only data the library reads from the same text, for hostile answers, paths and sources', () => {
    fc.assert(
      fc.property(lockfile, (lock) => {
        const text = serializeLockfile(lock);
        const fast = readEmittedYaml(text);
        const reference = slow(text);
        if (fast !== undefined) expect(reference).toEqual({ data: fast });
      }),
      { numRuns: 400 },
    );
  });

  it('leaves every corrupted or hand-edited lockfile to the library (its data or its error, unchanged)', () => {
    const base = serializeLockfile(realistic(12));
    const edits = fc.array(
      fc.record({
        at: fc.nat({ max: base.length }),
        remove: fc.nat({ max: 3 }),
        insert: fc.oneof(fc.constantFrom('', ' ', '  ', '\n', '\r', '\t', '#', ': ', ':', '-', '- ', '"', "'", '\\', '&a ', '*a', '!', '{', '}', '[', ']', '?', '|', '>', '%', '~', '__proto__: 1\n', 'x: 1\n', '\ufeff', '\u2028'), fc.string({ maxLength: 3 })),
      }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(edits, (list) => {
        let text = base;
        for (const edit of list) text = text.slice(0, edit.at) + edit.insert + text.slice(edit.at + edit.remove);
        const fast = readEmittedYaml(text);
        if (fast !== undefined) expect(slow(text)).toEqual({ data: fast });
        // Through parseLockfile: the same lockfile, or the same error as the library's path gives.
        let viaParse: unknown;
        try {
          viaParse = { data: parseLockfile(text, '.platform.yaml') };
        } catch (error) {
          viaParse = { error: (error as Error).message };
        }
        const reference = slow(text);
        if ('error' in reference) expect(viaParse).toEqual(reference);
      }),
      { numRuns: 1500 },
    );
  });

  it('hands these texts to the library', () => {
    const good = serializeLockfile(realistic(2));
    const cases = [
      good.replaceAll('\n', '\r\n'),
      `${good}# a comment at the end\n`,
      good.replace('schemaVersion: 1', 'schemaVersion: 1 # pinned'),
      good.replace('templates:', '---\ntemplates:'),
      `\ufeff${good}`,
      good.replace('#', '#\rschemaVersion: 2\n#'),
      good.replace('    answers:', '    answers: &a\n      x: 1\n    again: *a\n    answers2:'),
      good.replace('serviceName: orders-api', 'serviceName: orders-api\n      serviceName: other'),
      good.replace('serviceName: orders-api', '__proto__: {}\n      serviceName: orders-api'),
      good.replace('port: "8080"', "port: '8080'"),
      good.replace('replicas: 3', 'replicas: 0x3'),
      good.replace('enableMetrics: true', 'enableMetrics: yes'),
      good.replace('- dev', '- dev\n          - nested'),
      good.replace('environments:\n        - dev\n        - staging\n        - prod', 'environments: [dev, staging, prod]'),
      good.slice(0, -1),
    ];
    for (const text of cases) {
      expect(text).not.toBe(good);
      expect(readEmittedYaml(text)).toBeUndefined();
    }
  });

  it('leaves deep nesting and huge lines to the library without a stack overflow or a quadratic scan', () => {
    const deep = `schemaVersion: 1\ntemplates:\n${Array.from({ length: 5000 }, (_, i) => `${'  '.repeat(i + 1)}k${i}:`).join('\n')}\n${'  '.repeat(5001)}x: 1\n`;
    expect(readEmittedYaml(deep)).toBeUndefined();
    const dashes = `schemaVersion: 1\ntemplates:\n  ${'- '.repeat(200_000)}x\n`;
    expect(readEmittedYaml(dashes)).toBeUndefined();
    const long = `schemaVersion: 1\nx: "${'\\"'.repeat(300_000)}\n`;
    expect(readEmittedYaml(long)).toBeUndefined();
    const comment = `#${'x'.repeat(1_000_000)}\nschemaVersion: 1\ntemplates: []\n`;
    expect(readEmittedYaml(comment)).toEqual({ schemaVersion: 1, templates: [] });
  });

  it('reports a bad lockfile with its line as the library path does (the line comes from the library)', () => {
    const lock = realistic(3);
    const text = serializeLockfile({ ...lock, templates: [{ ...lock.templates[0]!, files: { ...lock.templates[0]!.files, '../outside': { policy: 'merge', sha256: 'a'.repeat(64) } } }] });
    expect(readEmittedYaml(text)).toBeDefined();
    expect(() => parseLockfile(text, '.platform.yaml')).toThrow(/\.\.\/outside/);
    try {
      parseLockfile(text, '.platform.yaml');
    } catch (error) {
      expect((error as { where?: { line?: number } }).where?.line).toBe(text.split('\n').findIndex((l) => l.includes('../outside')) + 1);
    }
    const badHash = text.replace('a'.repeat(64), 'A'.repeat(64));
    expect(readEmittedYaml(badHash)).toBeDefined();
    expect(() => parseLockfile(badHash, '.platform.yaml')).toThrow(/line \d+: templates\.0\.files\.\.\.\/outside\.sha256/);
  });
});
