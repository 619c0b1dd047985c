/**
 * renderTemplate compiles the files it is about to render together (one JavaScript compile for
 * all their specs) before rendering them in order. That is only a speed-up: the files, bytes
 * and the first error must be exactly those of rendering the files one by one.
 */
import fc from 'fast-check';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { makeTemplate } from '../helpers/template.js';
import { text } from '../helpers/memfs.js';
import { renderTemplate, STAND_IN_CLI } from '../../src/render/render.js';
import { COMPILE_OPTIONS, createRenderer, memoryCache, reviveSpecs } from '../../src/render/handlebars.js';
import { PlatformError } from '../../src/core/errors.js';

const MANIFEST = `name: svc
version: 1.2.3
questions:
  - name: name
    type: string
  - name: metrics
    type: boolean
  - name: envs
    type: multiselect
    choices: [dev, staging, prod]
`;
const ANSWERS = { name: 'payments-api', metrics: false, envs: ['dev', 'prod'] };

/** The result a user sees: every path and its text, or the first error's code and message. */
function outcome(run: () => Map<string, { bytes: Uint8Array }>): unknown {
  try {
    return [...run()].map(([path, file]) => [path, text(file.bytes)]);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    return { code: error.code, message: error.message };
  }
}

/** The reference: each chosen file rendered one by one by a renderer that is never prepared. */
async function oneByOne(files: Record<string, string>): Promise<unknown> {
  const template = await makeTemplate(MANIFEST, files);
  const renderer = createRenderer({
    templateId: 'svc@1.2.3',
    data: { target: 't', template: { name: 'svc', version: '1.2.3' }, pins: template.pins, cli: STAND_IN_CLI },
  });
  return outcome(() => {
    const tree = new Map<string, { bytes: Uint8Array }>();
    for (const file of template.files) {
      const path = file.path.replace(/\.hbs$/, '');
      const body = file.path.endsWith('.hbs') ? renderer.render(new TextDecoder().decode(file.bytes), ANSWERS, `files/${file.path}`) : text(file.bytes);
      tree.set(path, { bytes: new TextEncoder().encode(body) });
    }
    return tree;
  });
}

async function prepared(files: Record<string, string>): Promise<unknown> {
  const template = await makeTemplate(MANIFEST, files);
  return outcome(() => renderTemplate(template, { answers: ANSWERS, targetName: 't' }));
}

describe('compiling a template\'s files together before rendering them', () => {
  it('reports the first file that fails, in file order, not the first that fails to compile', async () => {
    const files = { 'a.txt.hbs': 'hello {{nmae}}', 'b.txt.hbs': '{{#if metrics}}no end' };
    const result = (await prepared(files)) as { code: string; message: string };
    expect(result.code).toBe('template-undefined-variable');
    expect(result.message).toContain('files/a.txt.hbs');
    expect(result).toEqual(await oneByOne(files));
  });

  it('reports a syntax error in a later file once the files before it rendered', async () => {
    const files = { 'a.txt.hbs': '{{name}}', 'b.txt.hbs': 'one\n{{#each envs}}' };
    const result = (await prepared(files)) as { code: string; message: string };
    expect(result.code).toBe('template-syntax');
    expect(result.message).toContain('files/b.txt.hbs:2');
  });

  it('reports a bad file name after the contents of the files before it', async () => {
    const template = await makeTemplate(MANIFEST, { 'a.txt.hbs': '{{nmae}}', '{{name}}.txt': 'x' });
    const error = (() => {
      try {
        renderTemplate(template, { answers: { ...ANSWERS, name: '../outside' }, targetName: 't' });
      } catch (caught) {
        return caught as PlatformError;
      }
      return undefined;
    })();
    expect(error?.code).toBe('template-undefined-variable');
  });

  it('never compiles a file that a condition leaves out', async () => {
    const template = await makeTemplate(MANIFEST, { '{{#if metrics}}metrics.yaml{{/if}}.hbs': '{{#if broken', 'a.txt.hbs': '{{name}}' });
    const tree = renderTemplate(template, { answers: ANSWERS, targetName: 't' });
    expect([...tree.keys()]).toEqual(['a.txt']);
  });

  it('renders the same files and bytes as rendering them one by one (random templates)', async () => {
    const piece = fc.constantFrom(
      'plain text\n',
      '{{name}}',
      '{{upper name}}',
      '{{#if metrics}}on{{else}}off{{/if}}',
      '{{#each envs}}- {{this}}\n{{/each}}',
      '{{#each envs as |env i|}}{{i}}={{env}} {{/each}}',
      '{{missing}}',
      '{{#if metrics}}unclosed',
      '{{bogus name}}',
      '\\{{ raw }}',
      '{{@target}}',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(piece, { maxLength: 4 }), { minLength: 1, maxLength: 6 }), async (bodies) => {
        // Some files share a body: one spec serves both.
        const files = Object.fromEntries(bodies.map((parts, i) => [`f${i}.txt.hbs`, parts.join('')]));
        expect(await prepared(files)).toEqual(await oneByOne(files));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same output from specs read from a cache as from a fresh compile', async () => {
    const files = { 'a.txt.hbs': '{{#each envs}}{{upper this}},{{/each}}', 'b.txt.hbs': '{{name}} {{#if metrics}}m{{/if}}' };
    const template = await makeTemplate(MANIFEST, files);
    const cache = memoryCache();
    const fresh = outcome(() => renderTemplate({ ...template, compiled: cache }, { answers: ANSWERS, targetName: 't' }));
    expect(Object.keys(cache.added)).toHaveLength(2);
    const warm = outcome(() => renderTemplate({ ...template, compiled: memoryCache({ ...cache.added }) }, { answers: ANSWERS, targetName: 't' }));
    expect(warm).toEqual(fresh);
  });
});

describe('a damaged compiled-template cache', () => {
  it('only costs a compile: the render is the same, and the entry is replaced', async () => {
    const files = { 'a.txt.hbs': '{{name}} a', 'b.txt.hbs': '{{#each envs}}{{this}} {{/each}}' };
    const template = await makeTemplate(MANIFEST, files);
    const fresh = memoryCache();
    const expected = outcome(() => renderTemplate({ ...template, compiled: fresh }, { answers: ANSWERS, targetName: 't' }));
    for (const damage of ['{', '1', '{"main": 1}', 'null']) {
      const [first, second] = Object.keys(fresh.added);
      const cache = memoryCache({ [first!]: damage, [second!]: fresh.added[second!]! });
      expect(outcome(() => renderTemplate({ ...template, compiled: cache }, { answers: ANSWERS, targetName: 't' }))).toEqual(expected);
      expect(cache.added[first!]).toBe(fresh.added[first!]);
    }
  });
});

describe('reviveSpecs', () => {
  const spec = (source: string) => Handlebars.precompile(source, { ...COMPILE_OPTIONS }) as unknown as string;

  it('revives one spec object per spec, in order', () => {
    const specs = [spec('a {{x}}'), spec('b'), spec('{{#if y}}c{{/if}}')];
    const revived = reviveSpecs(specs);
    expect(revived).toHaveLength(3);
    const render = (i: number) => Handlebars.template(revived![i]!)({ x: 1, y: true });
    expect([render(0), render(1), render(2)]).toEqual(['a 1', 'b', 'c']);
  });

  it('gives up on a damaged cache entry (the caller then revives one by one and fails on it alone)', () => {
    const good = spec('ok');
    expect(reviveSpecs([good, '{"main": '])).toBeUndefined();
    // A spec that would pass for two, or for none, cannot shift the others.
    expect(reviveSpecs([`${good}), (${good}`, good])).toBeUndefined();
    expect(reviveSpecs(['1', good])).toBeUndefined();
    expect(reviveSpecs([])).toEqual([]);
  });
});
