/**
 * A script author finds every question without reading YAML: `platform templates NAME` lists
 * them (and `--json` prints nothing on stderr), `platform answers NAME` writes an answers file
 * that `create-service --answers FILE --yes` accepts unchanged, creating what `--yes` alone does.
 */
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult) => `exit ${r.code}\n--- stdout ---\n${r.stdout}\n--- stderr ---\n${r.stderr}`;

/** Every file under dir with its bytes, by relative path. */
function tree(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of readdirSync(join(dir, prefix))) {
    const path = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, path)).isDirectory()) Object.assign(files, tree(dir, path));
    else files[path] = readFileSync(join(dir, path), 'utf8');
  }
  return files;
}

interface Listed {
  key: string;
  type: string;
  default: unknown;
  choices?: Array<{ value: string }>;
  when?: string;
  askedBy: string[];
}

describe('questions are discoverable', () => {
  it('templates NAME --json lists every question with who asks it, and nothing on stderr', async () => {
    const cwd = tempDir();
    const result = await cli('platform', ['templates', 'golden-path', '--json'], { cwd });
    expect(result.code, out(result)).toBe(0);
    expect(result.stderr).toBe('');
    const document = JSON.parse(result.stdout) as { kind: string; components: Array<{ name: string }>; questions: Listed[] };
    expect(document.kind).toBe('preset');
    expect(document.components.map((c) => c.name)).toContain('ci');
    const byKey = new Map(document.questions.map((q) => [q.key, q]));
    expect(byKey.get('name')).toMatchObject({ type: 'string', default: '{{@target}}' });
    expect(byKey.get('name')!.askedBy).toEqual(expect.arrayContaining(['service', 'ci', 'deploy']));
    expect(byKey.get('ciProvider')!.choices!.map((c) => c.value)).toEqual(['github', 'gitlab']);
    expect(byKey.get('codeScanning')!.when).toContain('ciProvider');
    expect(byKey.get('withCi')!.askedBy).toEqual(['golden-path']);
    // the list without a name is JSON only on stdout too
    const catalog = await cli('platform', ['templates', '--json'], { cwd });
    expect(catalog.stderr).toBe('');
    expect(JSON.parse(catalog.stdout)).toMatchObject({ ok: true });
  });

  it('templates NAME on a terminal-less stdout lists the questions; an unknown name is exit 2', async () => {
    const cwd = tempDir();
    const ci = await cli('platform', ['templates', 'ci@1.3.0'], { cwd });
    expect(ci.code, out(ci)).toBe(0);
    expect(ci.stdout).toContain('ciProvider');
    expect(ci.stdout).toContain('asked when:');
    const unknown = await cli('platform', ['templates', 'sevrice'], { cwd });
    expect(unknown.code, out(unknown)).toBe(2);
    expect(unknown.stderr).toContain('service');
    const outside = await cli('platform', ['answers', '../../../etc'], { cwd });
    expect(outside.code, out(outside)).toBe(2);
  });

  it('create-service --help points to the questions', async () => {
    const help = await cli('create-service', ['--help'], { cwd: tempDir() });
    expect(help.stdout).toContain('platform templates golden-path');
    expect(help.stdout).toContain('platform answers golden-path');
  });

  it('answers NAME > answers.yaml is accepted unchanged by create-service --answers --yes, which creates what --yes does', async () => {
    const cwd = tempDir();
    const answers = await cli('platform', ['answers', 'golden-path'], { cwd });
    expect(answers.code, out(answers)).toBe(0);
    expect(answers.stdout).toMatch(/^# Answers for golden-path/);
    expect(answers.stdout).toContain('\nport: 8080\n');
    writeFileSync(join(cwd, 'answers.yaml'), answers.stdout);
    mkdirSync(join(cwd, 'with-file'));
    mkdirSync(join(cwd, 'defaults'));
    const flags = ['--no-install', '--no-git'];
    const fromFile = await cli('create-service', ['payments-api', '--answers', '../answers.yaml', '--yes', ...flags], { cwd: join(cwd, 'with-file') });
    expect(fromFile.code, out(fromFile)).toBe(0);
    const fromDefaults = await cli('create-service', ['payments-api', '--yes', ...flags], { cwd: join(cwd, 'defaults') });
    expect(fromDefaults.code, out(fromDefaults)).toBe(0);
    expect(tree(join(cwd, 'with-file', 'payments-api'))).toEqual(tree(join(cwd, 'defaults', 'payments-api')));
  });
});
