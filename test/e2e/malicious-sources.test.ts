/**
 * Hostile templates from a local folder: refused before anything is written, nothing run.
 * (Hostile git refs and npm packages with install scripts: sources-git and sources-npm tests.)
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir } from './harness.js';

function folderTemplate(home: string, files: Record<string, string>): string {
  const dir = join(home, 'evil');
  mkdirSync(join(dir, 'files'), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), 'name: evil\nversion: 1.0.0\nquestions:\n  - { name: p, type: string, default: x }\n');
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, 'files', path, '..'), { recursive: true });
    writeFileSync(join(dir, 'files', path), text);
  }
  return dir;
}

describe('hostile local templates', () => {
  it('a template holding a symbolic link to /etc: exit 5, nothing written', async () => {
    const home = tempDir('evil-');
    const template = folderTemplate(home, { 'ok.txt': 'fine\n' });
    symlinkSync('/etc', join(template, 'files', 'etc'));
    const r = await cli('create-service', ['out', '--template', template, '--yes', '--no-install', '--no-git'], { cwd: home });
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('symbolic link');
    expect(existsSync(join(home, 'out'))).toBe(false);
  });

  it.each([['../escaped'], ['.git/hooks/pre-commit'], ['/tmp/absolute']])('a file name that renders to %s: exit 5, nothing written anywhere', async (answer) => {
    const home = tempDir('evil-');
    const template = folderTemplate(home, { '{{p}}.hbs': '#!/bin/sh\necho pwned\n' });
    const r = await cli('create-service', ['out', '--template', template, '--yes', '--set', `p=${answer}`, '--no-install', '--no-git'], { cwd: home });
    expect(r.code, r.stderr).toBe(5);
    expect(existsSync(join(home, 'out'))).toBe(false);
    expect(readdirSync(home).sort()).toEqual(['evil']);
  });
});
