/**
 * The bundle builds Handlebars without source-map (.build/bundle.mjs), so its code generator is
 * Handlebars' own string builder, not SourceNode trees: cheaper, and the generated code differs
 * only in not hoisting repeated pure expressions into variables. Tests and the bundle must render
 * the same bytes: templates compiled by both generators render alike, on fixed and random texts.
 */
import { createRequire } from 'node:module';
import Module from 'node:module';
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { COMPILE_OPTIONS, compileKey, createRenderer, memoryCache } from '../../src/render/handlebars.js';
import { PlatformError } from '../../src/core/errors.js';

/** A second, fresh Handlebars whose `require('source-map')` fails, as in the bundle. */
function handlebarsWithoutSourceMap(): typeof Handlebars {
  const require = createRequire(import.meta.url);
  const cache = (Module as unknown as { _cache: Record<string, unknown> })._cache;
  const ours = (path: string) => /[\\/]node_modules[\\/](handlebars|source-map)[\\/]/.test(path);
  const saved = Object.entries(cache).filter(([path]) => ours(path));
  for (const [path] of saved) delete cache[path];
  const loader = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    if (request === 'source-map') throw new Error('not in the bundle');
    return load.call(this, request, ...rest);
  };
  try {
    return require('handlebars') as typeof Handlebars;
  } finally {
    loader._load = load;
    for (const path of Object.keys(cache)) if (ours(path)) delete cache[path];
    for (const [path, module] of saved) cache[path] = module;
  }
}

const bundled = handlebarsWithoutSourceMap();
const PARTIALS = { footer: '-- {{upper name}} {{@target}}\n', list: '{{#each envs}}  - {{this}}\n{{/each}}' };
const DATA = { target: 'dir', template: { name: 'svc', version: '1.0.0' }, pins: {}, cli: { package: 'p', version: '1' } };
const CONTEXT = { name: 'payments-api', metrics: false, envs: ['dev', 'prod'], port: 8080, team: { lead: 'ana' } };

/** Renders source with specs from one generator (partials too): output, or the error's code and message. */
function renderWith(hbs: typeof Handlebars, source: string): string {
  const cache = memoryCache();
  for (const text of [source, ...Object.values(PARTIALS)]) {
    try {
      cache.set(compileKey(text), hbs.precompile(text, { ...COMPILE_OPTIONS }) as unknown as string);
    } catch {
      // A syntax error: the renderer compiles it itself and reports it.
    }
  }
  const renderer = createRenderer({ templateId: 'svc@1.0.0', partials: PARTIALS, data: DATA, cache });
  try {
    return `ok:${renderer.render(source, CONTEXT, 'files/x.hbs')}`;
  } catch (error) {
    return error instanceof PlatformError ? `error:${error.code}:${error.message}` : `throw:${String(error)}`;
  }
}

describe('the bundle compiles templates without source-map', () => {
  it('generates different code from the same template (so the comparison below means something)', () => {
    const source = '{{name}} {{name}} {{#if metrics}}{{port}}{{/if}} {{name}}';
    expect(bundled.precompile(source, { ...COMPILE_OPTIONS })).not.toBe(Handlebars.precompile(source, { ...COMPILE_OPTIONS }));
    expect(String(Handlebars.precompile(source, { ...COMPILE_OPTIONS }))).toContain('alias1');
    expect(String(bundled.precompile(source, { ...COMPILE_OPTIONS }))).not.toContain('alias1');
  });

  it('renders the same bytes as the default generator, errors included', () => {
    const cases = [
      '# {{name}}\n{{#each envs}}\n  - {{this}} of {{../name}} ({{@index}}{{#if @first}}, first{{/if}})\n{{/each}}\n',
      '{{#if metrics}}\nmetrics: on\n{{else}}\nmetrics: off\n{{/if}}\n{{> footer}}',
      '  {{> list}}\n{{#with team}}{{lead}}{{/with}}',
      '\\{{name}} {{{{raw}}}}{{name}}{{{{/raw}}}} ${{ github.sha }}',
      '{{~name~}}  \n  {{! a comment }}\n{{!-- {{ long }} --}}\n',
      '{{kebabCase (upper name)}} {{json envs}} {{indent (yaml team) 2}} {{default missing "x"}}',
      '{{undefinedName}}',
      '{{#unknownBlock}}x{{/unknownBlock}}',
      '{{#if}}',
      '{{lookup . "constructor"}}',
      '{{name.constructor}} {{__proto__}}',
    ];
    for (const source of cases) expect(renderWith(bundled, source), source).toBe(renderWith(Handlebars, source));
  });

  it('renders the same bytes on random texts with and without mustaches', () => {
    const piece = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom('text ', '\n', '  ', '\t', '\r\n', '{', '}', '\\', '"', "'", '<script>', '\u2028', 'é', '😀') },
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '{{name}}', '{{ port }}', '{{{name}}}', '{{~name}}', '{{name~}}', '\\{{name}}', '\\\\{{name}}', '{{! c }}', '{{!-- c --}}',
          '{{#if metrics}}', '{{else}}', '{{/if}}', '{{#each envs}}', '{{this}}', '{{@index}}', '{{../name}}', '{{/each}}',
          '{{#with team}}', '{{lead}}', '{{/with}}', '{{> footer}}', '{{upper name}}', '{{eq name "x"}}', '{{missing}}', '{{@target}}',
          '{{{{raw}}}}', '{{{{/raw}}}}', '{{', '}}', '{{#unless metrics}}', '{{/unless}}',
        ),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const source = pieces.join('');
        expect(renderWith(bundled, source)).toBe(renderWith(Handlebars, source));
      }),
      { numRuns: 400 },
    );
  });
});
