/**
 * Issue 17 "done when": the placeholder warnings appear in human and JSON output and in
 * `status --check` — the golden path created with --yes by the packed CLI, as a script would.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, type CliResult } from './harness.js';

const out = (r: CliResult): string => `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

function gitEnv(home: string): Record<string, string> {
  const file = join(home, 'gitconfig');
  writeFileSync(file, '[user]\n\tname = E2E\n\temail = e2e@example.com\n[init]\n\tdefaultBranch = main\n');
  return { GIT_CONFIG_GLOBAL: file, GIT_CONFIG_NOSYSTEM: '1' };
}

describe('the golden path with --yes: environment-specific answers are placeholders, said everywhere', () => {
  it('create --json: warnings and placeholders; human output: the same warnings; status --check: exit 6 with file:line', async () => {
    const home = tempDir('placeholders-');
    const env = gitEnv(home);
    const json = await cli('create-service', ['payments-api', '--yes', '--no-install', '--no-git', '--json'], { cwd: home, env });
    expect(json.code, out(json)).toBe(0);
    const doc = JSON.parse(json.stdout) as { warnings: string[]; placeholders: Array<{ name: string; where: string[] }> };
    expect(doc.placeholders.map((p) => p.name).sort()).toEqual(['awsDeployRoleArn', 'awsRoleArn', 'registry', 'repoUrl']);
    const rollout = readFileSync(join(home, 'payments-api/deploy/base/rollout.yaml'), 'utf8');
    const line = rollout.split('\n').findIndex((l) => l.includes('image: <set-me:registry>/payments-api')) + 1;
    expect(line).toBeGreaterThan(0);
    expect(doc.placeholders.find((p) => p.name === 'registry')!.where).toContain(`deploy/base/rollout.yaml:${line}`);
    expect(doc.warnings.find((w) => w.startsWith('awsDeployRoleArn has no value yet'))).toMatch(/\.github\/workflows\/ci\.yml:\d+.*platform upgrade --set awsDeployRoleArn=VALUE/);

    const human = await cli('create-service', ['again', '--yes', '--no-install', '--no-git'], { cwd: home, env });
    expect(human.code, out(human)).toBe(0);
    expect(human.stderr).toMatch(/^warning registry has no value yet: the files hold <set-me:registry> \(/m);

    const check = await cli('platform', ['status', '--check'], { cwd: join(home, 'payments-api'), env });
    expect(check.code, out(check)).toBe(6);
    expect(check.stdout).toContain(`placeholder deploy/base/rollout.yaml:${line}: registry is not set`);
    expect(check.stdout).toContain('registry (');
    expect(check.stdout).toContain('platform upgrade --set registry=VALUE');
  });

  it('in a clone with a GitHub remote, repoUrl and the registry come from the remote, not the team name', async () => {
    const home = tempDir('placeholders-remote-');
    const env = gitEnv(home);
    const mono = join(home, 'mono');
    mkdirSync(mono);
    expect(spawnSync('git', ['init', '-q'], { cwd: mono, env: { ...process.env, ...env } }).status).toBe(0);
    expect(spawnSync('git', ['remote', 'add', 'origin', 'https://ci-bot:ghp_NOT_A_REAL_TOKEN@github.com/Acme/mono.git'], { cwd: mono, env: { ...process.env, ...env } }).status).toBe(0);
    const created = await cli('create-service', ['payments-api', '--yes', '--no-install', '--json'], { cwd: mono, env });
    expect(created.code, out(created)).toBe(0);
    const doc = JSON.parse(created.stdout) as { placeholders: Array<{ name: string }> };
    expect(doc.placeholders.map((p) => p.name).sort()).toEqual(['awsDeployRoleArn', 'awsRoleArn']);
    const dir = join(mono, 'payments-api');
    expect(readFileSync(join(dir, 'deploy/base/rollout.yaml'), 'utf8')).toContain('image: ghcr.io/acme/payments-api');
    expect(readFileSync(join(dir, '.github/CODEOWNERS'), 'utf8')).toContain('* @Acme/payments-api-team');
    expect(readFileSync(join(dir, '.platform.yaml'), 'utf8')).not.toContain('NOT_A_REAL_TOKEN');
  });
});
