/**
 * The precompiled form of a template version: its specs evaluated as one script with V8's code
 * cache. Whatever the cache file holds, a render gives the same output as compiling afresh.
 */
import { describe, expect, it } from 'vitest';
import { compileKey, createRenderer, memoryCache, precompileInto } from '../../src/render/handlebars.js';
import { specScript } from '../../src/render/spec-script.js';

const SOURCES = ['name: {{name}}\n', '{{#each envs}}\n- {{this}} of {{../name}}\n{{/each}}\n', '{{#if on}}\nyes\n{{/if}}\n'];
const CONTEXT = { name: 'orders', envs: ['dev', 'prod'], on: true };

function specs(): Record<string, string> {
  const cache = memoryCache();
  for (const source of SOURCES) precompileInto(cache, source);
  return cache.added;
}

function renderAll(spec?: (key: string) => unknown): string[] {
  const cache = { ...memoryCache(specs()), ...(spec ? { spec } : {}) };
  const renderer = createRenderer({ templateId: 't@1.0.0', cache });
  return SOURCES.map((source, i) => renderer.render(source, CONTEXT, `file-${i}`));
}

describe('specScript', () => {
  const expected = renderAll();

  it('renders what a fresh compile renders, without a code cache and then with the one it saved', () => {
    const first = specScript(specs(), undefined, 'x');
    expect(renderAll(first.spec)).toEqual(expected);
    const saved = first.cacheToSave();
    expect(saved?.length).toBeGreaterThan(64);
    const second = specScript(specs(), saved, 'x');
    expect(renderAll(second.spec)).toEqual(expected);
    expect(second.cacheToSave()).toBeUndefined(); // the saved cache was used: nothing to write
  });

  it('a damaged, truncated or foreign code cache is not used (and a new one is offered)', () => {
    const saved = specScript(specs(), undefined, 'x');
    renderAll(saved.spec);
    const good = Buffer.from(saved.cacheToSave()!);
    const flipped = Buffer.from(good);
    flipped[good.length - 10] = flipped[good.length - 10]! ^ 0xff;
    const otherSpecs = { ...specs(), [compileKey('other')]: specs()[compileKey(SOURCES[0]!)]! };
    const foreign = specScript(otherSpecs, undefined, 'y');
    renderAll(foreign.spec);
    for (const bad of [flipped, good.subarray(0, 100), Buffer.alloc(0), Buffer.from(foreign.cacheToSave()!)]) {
      const script = specScript(specs(), bad, 'x');
      expect(renderAll(script.spec)).toEqual(expected);
      expect(script.cacheToSave()).toBeDefined();
    }
  });

  it('a spec that is not valid JavaScript: every file revives on its own, the bad one fails as before', () => {
    const broken = { ...specs(), [compileKey('broken')]: '{"main": function( {' };
    const script = specScript(broken, undefined, 'x');
    expect(script.spec(compileKey(SOURCES[0]!))).toBeUndefined();
    expect(renderAll(script.spec)).toEqual(expected);
    expect(script.cacheToSave()).toBeUndefined();
  });

  it('keys it does not hold are left to the compiler', () => {
    const script = specScript(specs(), undefined, 'x');
    expect(script.spec(compileKey('not compiled'))).toBeUndefined();
    expect(script.spec('__proto__')).toBeUndefined();
  });
});
