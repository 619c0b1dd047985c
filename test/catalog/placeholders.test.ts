/**
 * Honest defaults in the built-in templates (issue 17, item 2): ci 1.3.0, deploy 1.2.0, secrets
 * 1.2.0 and observability 1.2.0 give no environment-specific answer a made-up value (documentation
 * account ids, your-gcp-project, example hosts, the team's name as the GitHub organisation).
 * Unanswered, those answers are `<set-me:NAME>` placeholders, and the generated CI stops the
 * publish/deploy jobs while one is left, never the build, lint, test and scan jobs.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { builtinTemplate, renderBuiltin, writeTree } from '../helpers/builtin.js';
import type { RenderedTree } from '../../src/render/render.js';

type Obj = Record<string, any>;
const text = (tree: RenderedTree, path: string): string => Buffer.from(tree.get(path)!.bytes).toString('utf8');
const all = (tree: RenderedTree): string => [...tree].map(([path, file]) => `${path}\n${Buffer.from(file.bytes).toString('utf8')}`).join('\n');

/** What 1.2.0-era defaults made up; none of it may come back as a default. */
const MADE_UP = [/123456789012/, /111122223333/, /your-gcp-project/, /vault\.example\.internal/, /payments-api\.example\.com/, /payments-api-team\/payments-api/, /ghcr\.io\/payments-api-team/, /@payments-api-team\/payments-api-team/];

const CASES: Array<[string, Obj, string[]]> = [
  ['ci@1.3.0', { withDeploy: true }, ['repoUrl', 'registry', 'awsDeployRoleArn']],
  ['ci@1.3.0', { withDeploy: true, cloud: 'gcp' }, ['repoUrl', 'registry', 'gcpWorkloadIdentityProvider', 'gcpServiceAccount']],
  ['ci@1.3.0', { withDeploy: true, ciProvider: 'gitlab' }, ['registry', 'awsDeployRoleArn']],
  ['ci@1.3.0', { withDeploy: true, ciProvider: 'gitlab', cloud: 'gcp' }, ['registry', 'gcpWorkloadIdentityProvider', 'gcpServiceAccount']],
  ['deploy@1.2.0', { trafficRouter: 'gateway-api' }, ['registry', 'repoUrl', 'hostname']],
  ['secrets@1.2.0', {}, ['awsRoleArn']],
  ['secrets@1.2.0', { cloud: 'gcp' }, ['gcpProject']],
  ['secrets@1.2.0', { secretStore: 'vault' }, ['vaultAddress']],
  ['secrets@1.2.0', { secretsProvider: 'vault-agent' }, ['vaultAddress']],
  ['secrets@1.2.0', { secretsProvider: 'sops' }, ['sopsKms']],
  ['secrets@1.2.0', { secretsProvider: 'sops', cloud: 'gcp' }, ['gcpProject', 'sopsKms']],
  ['observability@1.2.0', {}, ['repoUrl']],
];

describe('environment-specific answers have no made-up default', () => {
  it.each(CASES)('%s %j: --yes writes placeholders for %j, and no made-up value', async (spec, answers, expected) => {
    const { tree, values } = await renderBuiltin(spec, answers);
    const files = all(tree);
    for (const pattern of MADE_UP) expect(files, String(pattern)).not.toMatch(pattern);
    for (const name of expected) {
      expect(values[name]).toBe(`<set-me:${name}>`);
      expect(files, name).toContain(`<set-me:${name}>`);
    }
  });

  it('a real answer leaves no placeholder', async () => {
    const { tree } = await renderBuiltin('ci@1.3.0', {
      withDeploy: true,
      repoUrl: 'https://github.com/acme/payments-api',
      registry: 'ghcr.io/acme',
      awsDeployRoleArn: 'arn:aws:iam::210987654321:role/payments-api-deploy',
    });
    expect(all(tree)).not.toMatch(/<set-me:[A-Za-z]/);
    expect(text(tree, '.github/CODEOWNERS')).toContain('* @acme/payments-api-team');
  });

  it('on GCP, the sops key is derived from a real project, and stays a placeholder while the project is one', async () => {
    expect((await renderBuiltin('secrets@1.2.0', { secretsProvider: 'sops', cloud: 'gcp', gcpProject: 'acme-payments' })).values.sopsKms).toBe('projects/acme-payments/locations/global/keyRings/sops/cryptoKeys/payments-api');
    expect((await renderBuiltin('secrets@1.2.0', { secretsProvider: 'sops', cloud: 'gcp' })).values.sopsKms).toBe('<set-me:sopsKms>');
  });

  it('every placeholder question is a string question with no literal default', async () => {
    for (const spec of ['ci@1.3.0', 'deploy@1.2.0', 'secrets@1.2.0', 'observability@1.2.0']) {
      const questions = (await builtinTemplate(spec)).manifest.questions.filter((q) => q.type === 'string' && q.placeholder);
      expect(questions.length, spec).toBeGreaterThan(0);
      for (const q of questions) expect(q.default === undefined || q.default.includes('{{'), `${spec} ${q.name}`).toBe(true);
    }
  });
});

/** The rendered ci and deploy components of one repository, written to a folder. */
async function repository(answers: Obj): Promise<{ dir: string; ci: RenderedTree }> {
  const dir = mkdtempSync(join(tmpdir(), 'placeholders-'));
  const ci = (await renderBuiltin('ci@1.3.0', { withDeploy: true, ...answers })).tree;
  writeTree(ci, dir);
  // deploy asks neither ciProvider nor cloud; without secrets its overlays build on their own
  const { ciProvider: _provider, cloud: _cloud, ...deploy } = answers;
  writeTree((await renderBuiltin('deploy@1.2.0', { ...deploy, withSecrets: false })).tree, dir);
  writeFileSync(join(dir, '.platform.yaml'), 'answers: { registry: <set-me:registry> }\n');
  return { dir, ci };
}

function setAnswers(dir: string, files: string[]): void {
  for (const file of files) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replace(/<set-me:([A-Za-z]+)>/g, 'set-by-the-team'));
  }
}

describe('the generated CI stops publishing and deploying while a placeholder is left', () => {
  it('GitHub: the publish job (which every deploy needs) checks first and names file:line; build, lint, test and the image scan do not', async () => {
    const { dir, ci } = await repository({});
    try {
      const workflow = parseYaml(text(ci, '.github/workflows/ci.yml')) as Obj;
      const steps = workflow.jobs.publish.steps as Obj[];
      expect(steps[1]!.name).toBe('Check that no answer is still a placeholder');
      for (const env of ['dev', 'staging', 'prod']) expect(JSON.stringify(workflow.jobs[`deploy-${env}`].needs)).toMatch(/publish|deploy-/);
      for (const job of ['verify', 'image', 'manifests', 'secret-scan']) expect(JSON.stringify(workflow.jobs[job]), job).not.toContain('placeholder');
      // a local image name: the scan of a pull request passes before the registry is set
      expect(JSON.stringify(workflow.jobs.image)).not.toContain('env.IMAGE');

      const script = steps[1]!.run as string;
      const runnerTemp = mkdtempSync(join(tmpdir(), 'runner-'));
      const failing = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: dir, env: { PATH: process.env.PATH, RUNNER_TEMP: runnerTemp }, encoding: 'utf8' });
      expect(failing.status).toBe(1);
      const rollout = readFileSync(join(dir, 'deploy/base/rollout.yaml'), 'utf8').split('\n').findIndex((l) => l.includes('<set-me:registry>')) + 1;
      expect(failing.stdout).toContain(`::error file=deploy/base/rollout.yaml,line=${rollout}::registry is still a placeholder: npx --no-install platform upgrade --set registry=VALUE`);
      expect(failing.stdout).toContain('::error file=.github/workflows/ci.yml,line=');
      expect(failing.stdout).not.toContain('.platform.yaml');

      setAnswers(dir, ['.github/workflows/ci.yml', '.github/CODEOWNERS', 'deploy/base/rollout.yaml', 'deploy/base/kustomization.yaml', 'deploy/README.md', 'docs/runbooks/rollback.md', ...['dev', 'staging', 'prod'].map((e) => `deploy/overlays/${e}/kustomization.yaml`)]);
      const passing = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], { cwd: dir, env: { PATH: process.env.PATH, RUNNER_TEMP: runnerTemp }, encoding: 'utf8' });
      expect(passing.stdout + passing.stderr).toBe('');
      expect(passing.status).toBe(0);
      rmSync(runnerTemp, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('GitLab: every deploy job checks first (POSIX sh) and names file:line; the image is built and scanned without the registry', async () => {
    const { dir, ci } = await repository({ ciProvider: 'gitlab' });
    try {
      const pipeline = parseYaml(text(ci, '.gitlab-ci.yml')) as Obj;
      const script = (pipeline['.deploy'].script as string[])[0]!;
      expect(script).toContain('<set-me:[A-Za-z_][A-Za-z0-9_]*>');
      for (const job of ['build', 'lint', 'unit-test', 'image-build', 'image-scan', 'kubeconform']) expect(JSON.stringify(pipeline[job] ?? {}), job).not.toContain('set-me');
      const failing = spawnSync('sh', ['-c', script], { cwd: dir, env: { PATH: process.env.PATH }, encoding: 'utf8' });
      expect(failing.status).toBe(1);
      expect(failing.stderr).toMatch(/^\.gitlab-ci\.yml:\d+: {2}MANIFEST_IMAGE: <set-me:registry>\/payments-api$/m);
      expect(failing.stderr).toContain('Answers are still placeholders (above: file:line): set each with npx --no-install platform upgrade --set NAME=VALUE');
      setAnswers(dir, ['.gitlab-ci.yml', 'deploy/base/rollout.yaml', 'deploy/base/kustomization.yaml', 'deploy/README.md', 'docs/runbooks/rollback.md', ...['dev', 'staging', 'prod'].map((e) => `deploy/overlays/${e}/kustomization.yaml`)]);
      const passing = spawnSync('sh', ['-c', script], { cwd: dir, env: { PATH: process.env.PATH }, encoding: 'utf8' });
      expect(passing.status, passing.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('kustomize builds every overlay while the registry is a placeholder (the manifests job passes on day one)', async () => {
    const { dir } = await repository({});
    try {
      for (const env of ['dev', 'staging', 'prod']) {
        const out = execFileSync('kubectl', ['kustomize', join(dir, 'deploy/overlays', env)], { encoding: 'utf8' });
        expect(out).toContain('image: <set-me:registry>/payments-api@sha256:');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
