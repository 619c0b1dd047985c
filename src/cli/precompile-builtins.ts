/**
 * Build step: compiles every built-in template ahead of time into dist/compiled/DIGEST.json, so
 * a create or upgrade with them never runs the Handlebars compiler.
 *   node dist/bundle/precompile-builtins.js
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { posix } from 'node:path';
import { nodeFs } from '../core/node-fs.js';
import { BUILTIN_ROOT, listCatalog } from '../template/builtin.js';
import { loadPins, loadTemplate } from '../template/load.js';
import { memoryCache, precompileInto } from '../render/handlebars.js';

const out = fileURLToPath(new URL('../compiled/', import.meta.url));
mkdirSync(out, { recursive: true });
const pins = await loadPins(nodeFs, BUILTIN_ROOT);
let count = 0;
for (const entry of await listCatalog(nodeFs, BUILTIN_ROOT)) {
  for (const version of entry.versions) {
    const template = await loadTemplate(nodeFs, posix.join(BUILTIN_ROOT, entry.name, version), { kind: 'builtin' }, pins);
    const cache = memoryCache();
    const decoder = new TextDecoder();
    for (const file of template.files) {
      const path = file.path.endsWith('.hbs') ? file.path.slice(0, -'.hbs'.length) : file.path;
      if (path.includes('{{')) precompileInto(cache, path);
      if (file.path.endsWith('.hbs')) precompileInto(cache, decoder.decode(file.bytes));
    }
    for (const partial of Object.values(template.partials)) precompileInto(cache, partial);
    for (const question of template.manifest.questions) {
      for (const expression of [question.default, question.when].flat()) {
        if (typeof expression === 'string' && expression.includes('{{')) precompileInto(cache, expression);
      }
    }
    for (const rule of template.manifest.files) if (rule.when?.includes('{{')) precompileInto(cache, rule.when);
    writeFileSync(posix.join(out, `${template.digest}.json`), JSON.stringify(cache.added));
    count++;
  }
}
process.stderr.write(`precompiled ${count} built-in template versions into ${out}\n`);
