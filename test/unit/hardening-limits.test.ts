/**
 * SECURITY.md: a template that loops or inflates without bound is stopped with a clear error
 * (exit 2) naming the file and the limit, and nothing is written.
 */
import { describe, expect, it } from 'vitest';
import { makeTemplate } from '../helpers/template.js';
import { memoryFs, text } from '../helpers/memfs.js';
import { renderTemplate, type RenderContext } from '../../src/render/render.js';
import { planCreate } from '../helpers/upgrade-repo.js';
import { EMPTY_LOCKFILE } from '../../src/lock/lockfile.js';
import { PlatformError } from '../../src/core/errors.js';
import { RENDER_LIMITS } from '../../src/render/limits.js';
import { thrownPlatformError } from '../helpers/in-process.js';

const MANIFEST = `name: big
version: 1.0.0
questions:
  - name: items
    type: multiselect
    choices: [a]
`;


async function renderWith(files: Record<string, string>, answers: Record<string, unknown>, partials: Record<string, string> = {}, limits?: RenderContext['limits']) {
  const extra = Object.fromEntries(Object.entries(partials).map(([name, source]) => [`partials/${name}.hbs`, source]));
  const template = await makeTemplate(MANIFEST, files, extra);
  return () => renderTemplate(template, { answers, targetName: 't', ...(limits ? { limits } : {}) });
}

describe('render limits', () => {
  it('documents the limits: 10 MiB per file, 100 MiB per template, 5 million steps per file, partial depth', () => {
    expect(RENDER_LIMITS).toEqual({ maxFileBytes: 10 * 1024 * 1024, maxTemplateBytes: 100 * 1024 * 1024, maxFileSteps: 5_000_000, maxPartialDepth: 64 });
  });

  it('stops a nested {{#each}} over a long list answer at 10 MiB, exit 2, nothing written', async () => {
    const items = Array.from({ length: 2000 }, (_, i) => `item-${i}`);
    const template = await makeTemplate(MANIFEST, {
      'ok.txt': 'fine\n',
      'big.txt.hbs': '{{#each items}}{{#each ../items}}{{this}},{{/each}}\n{{/each}}',
    });
    const { fs, vol } = memoryFs();
    const error = await planCreate({ fs, root: '/repo', template, sourceLabel: 'builtin', answers: { values: { items }, secrets: new Set() }, lock: EMPTY_LOCKFILE }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlatformError);
    const e = error as PlatformError;
    expect([e.code, e.exitCode]).toEqual(['template-file-too-large', 2]);
    expect(e.message).toContain('files/big.txt.hbs');
    expect(e.message).toContain('10 MiB');
    expect(e.hint).toMatch(/Nothing was written/);
    expect(vol.toJSON()).toEqual({});
  });

  it('stops a partial that includes itself forever by the depth bound', async () => {
    const render = await renderWith({ 'loop.txt.hbs': 'start {{> self}}' }, { items: [] }, { self: 'again {{> self}}' });
    const e = thrownPlatformError(render);
    expect([e.code, e.exitCode]).toEqual(['template-partial-depth', 2]);
    expect(e.message).toContain('files/loop.txt.hbs');
    expect(e.message).toContain('"self"');
    expect(e.message).toContain(String(RENDER_LIMITS.maxPartialDepth));
  });

  it('stops a partial that doubles itself (fan-out) by size or depth before it explodes', async () => {
    const render = await renderWith({ 'boom.txt.hbs': '{{> twice}}' }, { items: [] }, { twice: 'xxxxxxxxxxxxxxxx{{> twice}}{{> twice}}' });
    const e = thrownPlatformError(render);
    expect(['template-partial-depth', 'template-file-too-large', 'template-render-steps']).toContain(e.code);
    expect(e.exitCode).toBe(2);
  });

  it('bounds partial recursion over data that inflates: size limit hit inside the partial', async () => {
    // Each level repeats the whole list: 600^2 lines through one partial that recurses once.
    const items = Array.from({ length: 600 }, (_, i) => `line-${i}-${'x'.repeat(40)}`);
    const render = await renderWith({ 'p.txt.hbs': '{{#each items}}{{> rows ../this}}{{/each}}' }, { items }, { rows: '{{#each items}}{{this}}\n{{/each}}' });
    const e = thrownPlatformError(render);
    expect([e.code, e.exitCode]).toEqual(['template-file-too-large', 2]);
  });

  it('stops a render that takes more steps than its budget, naming the file and the limit', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => i);
    const render = await renderWith({ 'slow.txt.hbs': '{{#each items}}{{#each ../items}}.{{/each}}{{/each}}' }, { items }, {}, { maxFileSteps: 1000 });
    const e = thrownPlatformError(render);
    expect([e.code, e.exitCode]).toEqual(['template-render-steps', 2]);
    expect(e.message).toContain('files/slow.txt.hbs');
    expect(e.message).toContain('1000 steps');
  });

  it('counts steps, not time: the same render stops at the same step every time', async () => {
    const items = Array.from({ length: 40 }, (_, i) => i);
    const files = { 'steps.txt.hbs': '{{#each items}}{{#each ../items}}.{{/each}}{{/each}}' };
    // 1 outer each + 40 outer bodies + 40 inner eaches + 1600 inner bodies + 1 for the file = 1682.
    const fits = (await renderWith(files, { items }, {}, { maxFileSteps: 1682 }))();
    expect(text(fits.get('steps.txt')?.bytes)).toBe('.'.repeat(1600));
    const e = thrownPlatformError(await renderWith(files, { items }, {}, { maxFileSteps: 1681 }));
    expect(e.code).toBe('template-render-steps');
  });

  it('counts the default budget in millions of steps, enough for a large ordinary loop', async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    const tree = (await renderWith({ 'ok.txt.hbs': '{{#each items}}{{#each ../items}}{{/each}}{{/each}}' }, { items }))();
    expect(tree.get('ok.txt')?.bytes.byteLength).toBe(0);
    expect(RENDER_LIMITS.maxFileSteps).toBeGreaterThan(1000 * 1000 + 2000);
  });

  it('refuses a helper asked to inflate (indent by a billion) before it allocates', async () => {
    const render = await renderWith({ 'i.txt.hbs': '{{indent "a\\nb" 1000000000}}' }, { items: [] });
    const e = thrownPlatformError(render);
    expect([e.code, e.exitCode]).toEqual(['template-file-too-large', 2]);
  });

  it('bounds the whole template as well as each file', async () => {
    const files = { 'a.txt.hbs': 'x'.repeat(100), 'b.txt.hbs': 'y'.repeat(100), 'c.txt.hbs': 'z'.repeat(100) };
    const e = thrownPlatformError(await renderWith(files, { items: [] }, {}, { maxTemplateBytes: 250 }));
    expect([e.code, e.exitCode]).toEqual(['template-too-large', 2]);
    expect(e.message).toContain('250 bytes');
    expect(e.message).toContain('files/c.txt.hbs');
  });

  it('bounds a file name render too (an each in the path)', async () => {
    const e = thrownPlatformError(await renderWith({ '{{#each items}}{{#each ../items}}ab{{/each}}{{/each}}.txt': 'x' }, { items: ['a', 'b', 'c'] }, {}, { maxFileBytes: 8 }));
    expect([e.code, e.exitCode]).toEqual(['template-file-too-large', 2]);
  });

  it('still renders ordinary templates, partials with blocks and recursion over finite data', async () => {
    const tree = (await renderWith(
      { 'list.txt.hbs': '{{#each items}}{{> item}}{{/each}}', 'tree.txt.hbs': '{{> node tree}}' },
      { items: ['a', 'b'], tree: { name: 'root', children: [{ name: 'leaf', children: [] }] } },
      { item: '- {{this}}\n', node: '{{name}}({{#each children}}{{> node}}{{/each}})' },
    ))();
    expect(text(tree.get('list.txt')?.bytes)).toBe('- a\n- b\n');
    expect(text(tree.get('tree.txt')?.bytes)).toBe('root(leaf())');
  });
});
