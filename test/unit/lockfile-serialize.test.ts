/**
 * `.platform.yaml` is written without the yaml library's document tree: whatever a template's
 * answers or paths hold, a YAML reader must get exactly the data back, and ordinary lockfiles
 * keep the bytes the yaml library wrote (no churn in repositories on the next upgrade).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { serializeLockfile, type Lockfile, type LockedTemplate } from '../../src/lock/lockfile.js';
import { emitYaml } from '../../src/lock/yaml-emit.js';

const HOSTILE = [
  '', ' ', ' lead', 'trail ', 'yes', 'No', 'ON', 'off', 'y', 'n', 'true', 'False', 'null', 'NULL', '~', '.inf', '-.inf', '.NaN', '.5', '1e5', '12e45',
  '0x1f', '0b101', '0o17', '017', '08', '+1', '-0', '1_000', '1:20', '12:30:45', '2001-12-14', '2001-12-14 21:59:43.10 -5', '1.2.0', '1.2', '1.2.0-rc.1+build.5',
  '#x', 'a #b', 'a#b', 'a: b', 'a:', ':a', '- x', '-', '--- ', '...', '? x', '*alias', '&anchor', '!tag', '%YAML', '@at', '`tick', '{x: 1}', '[1, 2]', '|', '>-',
  '"double"', "'single'", 'it\'s', 'back\\slash', 'line\nbreak', 'trailing newline\n', '\r\n', '\ttab', 'a  b', '\u2028', '\u2029', '\ufeff', '\u0085',
  '\u007f', '\u0000', '\u001b[31m', 'é', 'ü/ß', '😀', '\ud800', '\udfff', 'x'.repeat(1100), '<<', '=', 'a=b', '*', '41 5 * * 1', '0ba3d8', '1e15f7',
  'arn:aws:iam::123456789012:role/x', 'git+https://h/r.git#v1', 'npm:@scope/pkg@^1', 'builtin:service', '../escape', '/abs', '__proto__x',
];
const hostileString = fc.oneof(fc.constantFrom(...HOSTILE), fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
const key = hostileString.filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
const answer = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.array(fc.array(hostileString, { maxLength: 2 }), { maxLength: 2 }),
  fc.dictionary(key, fc.oneof(hostileString, fc.integer(), fc.array(hostileString, { maxLength: 2 })), { maxKeys: 3 }),
);
const file = fc.oneof(
  fc.record({ policy: fc.constantFrom('merge', 'once', 'owned') as fc.Arbitrary<'merge' | 'once' | 'owned'>, sha256: fc.stringMatching(/^[0-9a-f]{64}$/) }),
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
  cli: fc.option(fc.record({ package: hostileString, version: hostileString }), { nil: undefined }),
  templates: fc.uniqueArray(template, { selector: (t) => t.name, maxLength: 3 }),
});

/** The data serializeLockfile writes: templates by name, files by path, no undefined members. */
function expected(lock: Lockfile): unknown {
  return JSON.parse(
    JSON.stringify({
      schemaVersion: lock.schemaVersion,
      ...(lock.cli ? { cli: lock.cli } : {}),
      templates: [...lock.templates].sort((a, b) => a.name.localeCompare(b.name)),
    }),
    // JSON cannot carry -0, NaN or infinities; compare those through the original values below.
  );
}

describe('serializeLockfile', () => {
  it('reads back as the same data with the yaml library, for hostile-looking strings, numbers and nesting', () => {
    fc.assert(
      fc.property(lockfile, (lock) => {
        const text = serializeLockfile(lock);
        const back = parse(text) as Lockfile;
        // Numbers JSON cannot hold (NaN, infinities, -0) are compared as the yaml library writes them.
        expect(JSON.parse(JSON.stringify(back))).toEqual(expected(lock));
        expect(parse(stringify(back))).toEqual(back);
        for (const [i, t] of [...lock.templates].sort((a, b) => a.name.localeCompare(b.name)).entries()) {
          for (const [name, value] of Object.entries(t.answers)) {
            if (typeof value === 'number') expect(Object.is(back.templates[i]!.answers[name], value) || (Number.isNaN(value) && Number.isNaN(back.templates[i]!.answers[name]))).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every hostile string reads back as itself, as a value and as a key', () => {
    for (const text of HOSTILE) {
      expect(parse(emitYaml({ value: text }))).toEqual({ value: text });
      if (!['__proto__'].includes(text)) expect(Object.keys(parse(emitYaml({ [text]: 1 })) as object)).toEqual([text]);
    }
  });

  it('an ordinary lockfile keeps the bytes the yaml library wrote', () => {
    const lock: Lockfile = {
      schemaVersion: 1,
      cli: { package: 'create-service', version: '0.1.0' },
      templates: [
        {
          name: 'service',
          version: '1.2.0',
          source: 'builtin',
          answers: { name: 'orders-api', owner: 'team-payments', port: 8080, withCi: true, environments: ['dev', 'staging', 'prod'], none: [], schedule: '41 5 * * 1', role: 'arn:aws:iam::123456789012:role/orders-deploy', description: 'Order intake and fulfilment service' },
          files: {
            '.github/CODEOWNERS': { policy: 'once', sha256: '0ba3d892011dddc9f34536813b8e0c74cf7ce1ecb11a2558559560ec453fb37d' },
            'src/index.ts': { policy: 'merge', sha256: '1e15f7642fe31cb0bcde09375b80ebe346ae0f28a5c6c6d0943dfda7b0690b6c' },
            'scripts/dev.sh': { policy: 'owned', sha256: 'cc4be8063a64e240c7ceb28db90e4d10211cfdb4e4a1cc6e05709548406b07d4', executable: true },
            '.env': { policy: 'secret' },
          },
          hooks: 'pending',
        },
      ],
    };
    const text = serializeLockfile(lock);
    const body = text.split('\n').filter((line) => !line.startsWith('#')).join('\n');
    expect(body).toBe(stringify(parse(body), { lineWidth: 0 }));
  });
});
