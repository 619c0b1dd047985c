/**
 * Issue 11, class 8, end to end: a partial is compiled like a file (strict, no escaping, our
 * helpers only). A template whose partial uses an undefined variable or a helper Handlebars
 * knows by default (lookup, log) is refused, exit 2, naming the partial; nothing is written.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

function writeTemplate(dir: string, partial: string): void {
  mkdirSync(join(dir, 'files'), { recursive: true });
  mkdirSync(join(dir, 'partials'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), 'name: parts\nversion: 1.0.0\nquestions:\n  - { name: title, type: string, default: "a<b> & \\"c\\"" }\n');
  writeFileSync(join(dir, 'files', 'page.txt.hbs'), '{{title}}|{{> head}}\n');
  writeFileSync(join(dir, 'partials', 'head.hbs'), partial);
}

describe('partials are hardened like files', () => {
  it.each([
    ['an undefined variable', '{{titel}}', 'partials/head.hbs'],
    ['lookup', '{{lookup this "title"}}', 'partials/head.hbs'],
    ['an unknown helper', '{{shout title}}', 'partials/head.hbs'],
  ])('refuses a partial using %s: exit 2, named, nothing written', async (_what, partial, named) => {
    const home = tempDir('partials-');
    writeTemplate(join(home, 'tpl'), partial);
    const r = await cli('create-service', ['out', '--template', join(home, 'tpl'), '--yes', '--no-install', '--no-git'], { cwd: home });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain(named);
    expect(readdirSync(home)).toEqual(['tpl']);
  });

  it('renders a partial without HTML escaping, byte for byte like the file', async () => {
    const home = tempDir('partials-');
    writeTemplate(join(home, 'tpl'), '{{title}}');
    const r = await cli('create-service', ['out', '--template', join(home, 'tpl'), '--yes', '--no-install', '--no-git'], { cwd: home });
    expect(r.code, out(r)).toBe(0);
    expect(readFileSync(join(home, 'out', 'page.txt'), 'utf8')).toBe('a<b> & "c"|a<b> & "c"\n');
  });
});
