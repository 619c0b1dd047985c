/**
 * The compiled-template cache on disk: what one run compiles, the next reads back unchanged (a
 * large template too), merged with what was there, and a damaged file only costs a compile.
 */
import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { COMPILE_OPTIONS, compileKey } from '../../src/render/handlebars.js';
import { CompiledStore, KEEP_COMPILED_VERSIONS } from '../../src/cli/compiled-store.js';
import { memoryFs, text } from '../helpers/memfs.js';
import { makeTemplate } from '../helpers/template.js';
import { renderTemplate } from '../../src/render/render.js';

const MANIFEST = 'name: svc\nversion: 1.0.0\nquestions:\n  - name: name\n    type: string\n';
const USER = '/home/u/.cache/platform/compiled';

async function template(files: Record<string, string>) {
  return makeTemplate(MANIFEST, files);
}

describe('the compiled-template cache on disk', () => {
  it('writes a large template\'s specs as one JSON object that the next run renders the same bytes from, compiling nothing', async () => {
    // 200 files of ~4 KB of text each.
    const files: Record<string, string> = {};
    for (let i = 0; i < 200; i++) files[`f${i}.txt.hbs`] = `# {{name}} ${i}\n${'line "quoted" \\ text\n'.repeat(200)}{{#if name}}yes{{/if}}\n`;
    const { fs } = memoryFs();
    const first = new CompiledStore(fs, { shipped: '/dist/compiled', user: USER });
    const tpl = await first.attach(await template(files));
    const cold = renderTemplate(tpl, { answers: { name: 'orders' }, targetName: 't' });
    await first.flush();

    const [name] = (await fs.readdir(USER, { withFileTypes: true })).map((e) => e.name);
    expect(name).toBe(`${tpl.digest}.json`);
    const written = text(await fs.readFile(`${USER}/${name}`));
    const specs = JSON.parse(written) as Record<string, string>;
    expect(Object.keys(specs)).toHaveLength(200);
    expect(written).toBe(JSON.stringify(specs));

    // The next run compiles nothing and renders the same bytes.
    const second = new CompiledStore(fs, { shipped: '/dist/compiled', user: USER });
    const again = await second.attach(await template(files));
    const warm = renderTemplate(again, { answers: { name: 'orders' }, targetName: 't' });
    expect([...warm].map(([p, f]) => [p, text(f.bytes)])).toEqual([...cold].map(([p, f]) => [p, text(f.bytes)]));
    expect(Object.keys((again.compiled as unknown as { added: object }).added)).toEqual([]);
    await second.flush();
    expect(text(await fs.readFile(`${USER}/${name}`))).toBe(written);
  });

  it('merges with what an earlier run wrote, and ignores a damaged file', async () => {
    const { fs } = memoryFs();
    const store = new CompiledStore(fs, { shipped: '/dist/compiled', user: USER });
    const one = await store.attach(await template({ 'a.hbs': '{{name}} a\n', 'b.hbs': '{{name}} b\n' }));
    const file = `${USER}/${one.digest}.json`;
    await fs.mkdir(USER, { recursive: true });
    await fs.writeFile(file, '{"k":"not a spec"}');
    renderTemplate(one, { answers: { name: 'x' }, targetName: 't' });
    await store.flush();
    const merged = JSON.parse(text(await fs.readFile(file))) as Record<string, string>;
    expect(merged.k).toBe('not a spec');
    expect(Object.keys(merged)).toHaveLength(3);

    await fs.writeFile(file, '{"truncated": "');
    const next = new CompiledStore(fs, { shipped: '/dist/compiled', user: USER });
    const tree = renderTemplate(await next.attach(await template({ 'a.hbs': '{{name}} a\n', 'b.hbs': '{{name}} b\n' })), { answers: { name: 'x' }, targetName: 't' });
    expect(text(tree.get('a')?.bytes)).toBe('x a\n');
  });

  it('another version\'s spec of an unchanged file is reused: an upgrade compiles only what the new version changed, and keeps it for next time', async () => {
    const { fs } = memoryFs();
    const store = new CompiledStore(fs, { shipped: '/dist/compiled', user: USER });
    const v1 = await store.attach(await makeTemplate(MANIFEST, { 'same.hbs': '{{name}} same\n', 'changed.hbs': '{{name}} one\n' }));
    // Marks v1's spec of the unchanged file, so the render shows whose spec it used.
    const marked = Handlebars.precompile('{{name}} from v1\n', { ...COMPILE_OPTIONS }) as unknown as string;
    v1.compiled!.set(compileKey('{{name}} same\n'), marked);
    const v2 = await store.attach(await makeTemplate(MANIFEST.replace('1.0.0', '2.0.0'), { 'same.hbs': '{{name}} same\n', 'changed.hbs': '{{name}} two\n' }));
    const tree = renderTemplate(v2, { answers: { name: 'x' }, targetName: 't' });
    expect(text(tree.get('same')?.bytes)).toBe('x from v1\n');
    expect(text(tree.get('changed')?.bytes)).toBe('x two\n');
    await store.flush();
    // v2's cache file holds both specs: the next run that loads only v2 compiles nothing.
    const written = JSON.parse(text(await fs.readFile(`${USER}/${v2.digest}.json`))) as Record<string, string>;
    expect(written[compileKey('{{name}} same\n')]).toBe(marked);
    expect(Object.keys(written)).toHaveLength(2);
  });

  it('keeps only the newest versions once a run wrote one, and never touches what it did not name', async () => {
    const { fs, vol } = memoryFs();
    vol.mkdirSync(USER, { recursive: true });
    vol.mkdirSync('/elsewhere', { recursive: true });
    // Older caches of other versions, one second apart (the oldest first).
    const older = Array.from({ length: KEEP_COMPILED_VERSIONS + 5 }, (_, i) => `${USER}/${createHash('sha256').update(String(i)).digest('hex')}.json`);
    older.forEach((path, i) => {
      vol.writeFileSync(path, '{}');
      vol.utimesSync(path, 1_000 + i, 1_000 + i);
    });
    // Not ours to remove, however old: another name, a link named like a cache (and its target), a temporary file.
    const foreign = [`${USER}/notes.json`, `${USER}/${'a'.repeat(64)}.json.123.tmp`, '/elsewhere/kept.json'];
    for (const path of foreign) {
      vol.writeFileSync(path, 'x');
      vol.utimesSync(path, 1, 1);
    }
    const link = `${USER}/${'b'.repeat(64)}.json`;
    vol.symlinkSync('/elsewhere/kept.json', link);

    // A warm run writes nothing and removes nothing.
    const warm = new CompiledStore(fs, { shipped: '/dist/compiled', user: USER });
    await warm.attach(await template({ 'a.hbs': '{{name}}\n' }));
    await warm.flush();
    expect(vol.readdirSync(USER)).toHaveLength(older.length + 3);

    const store = new CompiledStore(fs, { shipped: '/dist/compiled', user: USER });
    const tpl = await store.attach(await template({ 'a.hbs': '{{name}}\n' }));
    renderTemplate(tpl, { answers: { name: 'x' }, targetName: 't' });
    await store.flush();
    const left = new Set(vol.readdirSync(USER) as string[]);
    // The one just written and the newest of the others, KEEP_COMPILED_VERSIONS in all.
    expect(left.has(`${tpl.digest}.json`)).toBe(true);
    const kept = older.filter((path) => left.has(path.slice(USER.length + 1)));
    expect(kept).toEqual(older.slice(older.length - (KEEP_COMPILED_VERSIONS - 1)));
    for (const path of foreign) expect(vol.existsSync(path)).toBe(true);
    expect(vol.lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('keys specs as caches written by earlier versions did, so they still hit', () => {
    for (const source of ['{{name}}\n', 'é ✓ 😀 {{#if x}}\u2028{{/if}}', '']) {
      const earlier = createHash('sha256').update(`${Handlebars.VERSION}\0${JSON.stringify(COMPILE_OPTIONS)}\0`).update(source).digest('hex').slice(0, 40);
      expect(compileKey(source)).toBe(earlier);
    }
  });
});
