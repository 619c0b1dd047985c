/**
 * The render budget counts steps, not time: a template that loops without producing output
 * (nested {{#each}} over a long list, 8 million block runs) is stopped with exit 2, naming the
 * file and the limit, and nothing is written. The outcome does not depend on the machine's load.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

describe('render budget', () => {
  it('stops a silent triple loop at the step limit: exit 2, file and limit named, nothing written', async () => {
    const home = tempDir('budget-');
    const dir = join(home, 'tpl');
    mkdirSync(join(dir, 'files'), { recursive: true });
    const choices = Array.from({ length: 200 }, (_, i) => `c${i}`);
    writeFileSync(join(dir, 'template.yaml'), `name: spin\nversion: 1.0.0\nquestions:\n  - name: items\n    type: multiselect\n    choices: [${choices.join(', ')}]\n    default: [${choices.join(', ')}]\n`);
    writeFileSync(join(dir, 'files', 'spin.txt.hbs'), '{{#each items}}{{#each @root.items}}{{#each @root.items}}{{/each}}{{/each}}{{/each}}');
    const r = await cli('create-service', ['out', '--template', dir, '--yes', '--no-install', '--no-git'], { cwd: home });
    expect(r.code, out(r)).toBe(2);
    expect(r.stderr).toContain('files/spin.txt.hbs');
    expect(r.stderr).toContain('5000000 steps');
    expect(readdirSync(home)).toEqual(['tpl']);
  });
});
