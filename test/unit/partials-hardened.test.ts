/**
 * Issue 11, class 8: a partial compiles exactly like a file (strict, no escaping, our helpers
 * only), so a partial cannot do what a file may not.
 */
import { describe, expect, it } from 'vitest';
import { makeTemplate } from '../helpers/template.js';
import { text } from '../helpers/memfs.js';
import { renderTemplate } from '../../src/render/render.js';
import { memoryCache } from '../../src/render/handlebars.js';
import { PlatformError } from '../../src/core/errors.js';
import { thrownPlatformError } from '../helpers/in-process.js';

const MANIFEST = `name: parts
version: 1.0.0
questions:
  - name: title
    type: string
`;

async function render(files: Record<string, string>, partials: Record<string, string>, answers: Record<string, unknown> = { title: 'a<b>&"c"' }) {
  const extra = Object.fromEntries(Object.entries(partials).map(([name, source]) => [`partials/${name}.hbs`, source]));
  const template = await makeTemplate(MANIFEST, files, extra);
  return { template, run: () => renderTemplate(template, { answers, targetName: 't' }) };
}


describe('partials are hardened like files', () => {
  it('a missing variable in a partial is the same error as in a file, naming the partial', async () => {
    const { run } = await render({ 'a.txt.hbs': 'x {{> head}}' }, { head: 'title: {{titel}}\n' });
    const e = thrownPlatformError(run);
    expect([e.code, e.exitCode]).toEqual(['template-undefined-variable', 2]);
    expect(e.message).toContain('partials/head.hbs');
    expect(e.message).toContain('files/a.txt.hbs');
    expect(e.message).toContain('"titel"');
  });

  it('does not HTML-escape in a partial (same output as the file itself)', async () => {
    const { run } = await render({ 'a.txt.hbs': '{{title}}|{{> head}}' }, { head: '{{title}}' });
    expect(text(run().get('a.txt')?.bytes)).toBe('a<b>&"c"|a<b>&"c"');
  });

  it('refuses an unknown helper in a partial, and the helpers Handlebars knows by default', async () => {
    for (const source of ['{{shout title}}', '{{lookup this "title"}}', '{{log title}}']) {
      const { run } = await render({ 'a.txt.hbs': '{{> head}}' }, { head: source });
      const e = thrownPlatformError(run);
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('partials/head.hbs');
    }
  });

  it('compiles a partial through the same cache as files', async () => {
    const { template } = await render({ 'a.txt.hbs': '{{> head}}' }, { head: 'H {{title}}' });
    const cache = memoryCache();
    renderTemplate({ ...template, compiled: cache }, { answers: { title: 't' }, targetName: 't' });
    expect(Object.keys(cache.added)).toHaveLength(2);
    // A second run with the cache compiles nothing new.
    const again = memoryCache(cache.added);
    renderTemplate({ ...template, compiled: again }, { answers: { title: 't' }, targetName: 't' });
    expect(Object.keys(again.added)).toHaveLength(0);
  });
});
