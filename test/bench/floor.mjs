// The floor for a Node scaffolder: compile and render every file (and its name) of the
// Handlebars workload with plain Handlebars, and write the output. No validation, no hashing,
// no atomic writes, no lockfile: what any Node implementation must at least do.
//
// usage: node floor.mjs TEMPLATE_DIR ANSWERS_JSON OUT_DIR
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import Handlebars from 'handlebars';

const [templateDir, answersFile, outDir] = process.argv.slice(2);
const answers = JSON.parse(readFileSync(answersFile, 'utf8'));
const hbs = Handlebars.create();

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

for (const file of walk(templateDir)) {
  const path = hbs.compile(relative(templateDir, file), { noEscape: true })(answers);
  const out = join(outDir, path);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, hbs.compile(readFileSync(file, 'utf8'), { noEscape: true })(answers), { mode: statSync(file).mode });
}
