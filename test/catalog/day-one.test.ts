/**
 * Day one works as a whole (issue 13, item 1): a repository created on the golden path passes
 * its own CI on its first commit.
 *
 * For a matrix of answers (GitHub and GitLab; each secrets provider; deploy and observability on
 * and off; long names; other ports; Node 24; no secrets) each variant is:
 *  1. created with the real CLI (`create-service NAME --yes --no-git --no-install --set …`, through
 *     src/cli/main.ts `run`), at the latest version of every built-in template (checked);
 *  2. installed: once per dependency set (package.json without name and description, and the
 *     Node.js major), with create's `npm install` then CI's `npm ci`, one shared npm cache; each
 *     variant gets that lockfile and a link to that node_modules (test/helpers/day-one.ts says why
 *     and how the pipeline's own install steps then behave);
 *  3. committed (the first commit, lockfile included), then its pipeline runs as a push to main
 *     would run it: GitHub's run: steps (test/helpers/day-one-github.ts), GitLab's jobs with
 *     gitlab-ci-local or, without rsync, their script lines (test/helpers/day-one-gitlab.ts).
 *     What cannot run here (actions, deploys, container builds, scans needing the network) is
 *     listed with the reason in the output; the jobs the issue names must run: install, lint,
 *     typecheck, test, build, promtool and kustomize (the last two when their files exist);
 *  4. checked directly, whatever the pipeline says: npm run lint / typecheck / build, npm test,
 *     promtool check + test rules, kubectl kustomize of every overlay with schema and name checks.
 *
 * Speed: all the work starts at once in beforeAll and runs under one limit on concurrent
 * processes (DAY_ONE_CONCURRENCY, default the number of cores, at least 2), so the variants overlap
 * while the tests below only await their variant's results, in order. (A describe.concurrent over
 * the variants would give the same overlap, but its tests would hold vitest's concurrency slots
 * while they wait for the shared installs.) No timing is asserted.
 *
 * Each failure says which variant, job and step, the command, and the tool's last 30 lines.
 * DAY_ONE_KEEP=1 keeps the folders; DAY_ONE_ONLY=id,id runs some variants only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import {
  CONCURRENCY,
  createVariant,
  createWorkspace,
  firstCommit,
  hostHas,
  indent,
  installKey,
  linkNodeModules,
  lockfileFor,
  notLatest,
  removeWorkspace,
  sharedInstall,
  tail,
  type Created,
  type Install,
  type PipelineOutcome,
  type Variant,
  type Workspace,
} from '../helpers/day-one.js';
import { cannotRunHere, missingRequired, programOf, shellCommands } from '../helpers/day-one-jobs.js';
import { condition, evaluate, interpolate, runGithubPipeline, triggeredByPush } from '../helpers/day-one-github.js';
import { gitlabCiLocalMissing, runGitlabPipeline } from '../helpers/day-one-gitlab.js';
import { kustomize, npmScript, overlays, promtool, type CheckResult } from '../helpers/day-one-checks.js';

const LONG_GITHUB_NAME = 'customer-notification-preferences-gateway'; // 41 characters
const LONG_GITLAB_NAME = 'international-payments-reconciliation-worker'; // 44 characters

/** Every value of the matrix at least once; see the table in the report printed at the end. */
const ALL_VARIANTS: Variant[] = [
  { id: 'gh-defaults', name: 'payments-api', set: {} },
  { id: 'gh-vault-agent-long-name', name: LONG_GITHUB_NAME, set: { secretsProvider: 'vault-agent', port: '9090' } },
  { id: 'gh-sops-no-deploy', name: 'ledger', set: { secretsProvider: 'sops', withDeploy: 'false', port: '3000' } },
  { id: 'gh-vault-store-no-observability', name: 'search-api', set: { secretStore: 'vault', withObservability: 'false' } },
  { id: 'gh-node24-no-secrets', name: 'edge-proxy', set: { nodeVersion: '24', withSecrets: 'false', port: '1024' } },
  { id: 'gl-gcp-secret-manager', name: 'billing', set: { ciProvider: 'gitlab', cloud: 'gcp', secretStore: 'gcp-secret-manager' } },
  { id: 'gl-vault-agent-minimal', name: 'notifier', set: { ciProvider: 'gitlab', secretsProvider: 'vault-agent', withObservability: 'false', withDeploy: 'false' } },
  { id: 'gl-sops-long-name', name: LONG_GITLAB_NAME, set: { ciProvider: 'gitlab', secretsProvider: 'sops', port: '10443' } },
];
const only = process.env.DAY_ONE_ONLY?.split(',').map((s) => s.trim());
const VARIANTS = (only ? ALL_VARIANTS.filter((v) => only.includes(v.id)) : ALL_VARIANTS).map((v) => ({
  ...v,
  label: `${v.name}${Object.entries(v.set).map(([k, value]) => ` ${k}=${value}`).join('') || ' (defaults)'}`,
}));

const TIMEOUT = 40 * 60_000;

interface Setup {
  created: Created;
  install: Install;
  sha: string;
  stale: string[];
  ms: number;
}

interface Direct {
  lint: CheckResult;
  typecheck: CheckResult;
  test: CheckResult;
  build: CheckResult;
  promtool?: CheckResult[];
  kustomize?: CheckResult[];
}

interface Work {
  variant: Variant;
  setup: Promise<Setup>;
  pipeline: Promise<PipelineOutcome>;
  direct: Promise<Direct>;
  started: number;
  /** When setup, pipeline and direct checks ended (for the summary). */
  ended: Partial<Record<'setup' | 'pipeline' | 'direct', number>>;
  finished?: number;
}

let ws: Workspace | undefined;
const works = new Map<string, Work>();
const startedAt = Date.now();

/** A promise that may be awaited late: its rejection is not "unhandled" meanwhile. */
function settled<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

async function setUp(variant: Variant): Promise<Setup> {
  const t0 = Date.now();
  const created = await createVariant(ws!, variant);
  const stale = await notLatest(created.components);
  const install = await sharedInstall(ws!, created);
  if (!install.ok) {
    const last = install.steps.at(-1)!;
    throw new Error(`[${variant.id}] the shared install ${install.description} failed: \`${last.command}\` exited ${last.ran.code}; last lines:\n${indent(tail(last.ran.output))}`);
  }
  writeFileSync(join(created.dir, 'package-lock.json'), lockfileFor(install, created.packageJson));
  const sha = firstCommit(created.dir, `Create ${variant.name} from golden-path`);
  linkNodeModules(created.dir, install);
  return { created, install, sha, stale, ms: Date.now() - t0 };
}

async function runPipeline(setup: Setup): Promise<PipelineOutcome> {
  const { created, install, sha } = setup;
  const common = { ws: ws!, dir: created.dir, sha, nodeMajor: created.nodeMajor, sharedInstall: install.description };
  return created.provider === 'github'
    ? runGithubPipeline({ ...common, repository: `${String(created.answers.owner ?? `${created.variant.name}-team`)}/${created.variant.name}` })
    : runGitlabPipeline({ ...common, name: created.variant.name });
}

async function runDirect(setup: Setup): Promise<Direct> {
  const c = { ws: ws!, dir: setup.created.dir, nodeMajor: setup.created.nodeMajor, sharedInstall: setup.install.description };
  const [lint, typecheck, test, build, prom, kust] = await Promise.all([
    npmScript(c, 'lint'),
    npmScript(c, 'typecheck'),
    npmScript(c, 'test'),
    npmScript(c, 'build'),
    existsSync(join(c.dir, 'observability/prometheus')) ? promtool(c) : Promise.resolve(undefined),
    overlays(c.dir).length > 0 ? kustomize(c) : Promise.resolve(undefined),
  ]);
  return { lint, typecheck, test, build, ...(prom ? { promtool: prom } : {}), ...(kust ? { kustomize: kust } : {}) };
}

function start(variant: Variant): Work {
  const started = Date.now();
  const setup = settled(setUp(variant));
  const pipeline = settled(setup.then(runPipeline));
  // The direct checks run in the same folder: after the pipeline, so their builds do not overlap.
  const direct = settled(pipeline.then(() => undefined, () => undefined).then(() => setup).then(runDirect));
  const work: Work = { variant, setup, pipeline, direct, started, ended: {} };
  for (const [phase, p] of [['setup', setup], ['pipeline', pipeline], ['direct', direct]] as const) void p.then(() => (work.ended[phase] = Date.now()), () => (work.ended[phase] = Date.now()));
  void Promise.allSettled([setup, pipeline, direct]).then(() => (work.finished = Date.now()));
  return work;
}

beforeAll(() => {
  for (const [tool, hint] of [
    ['git', 'Install git.'],
    ['promtool', 'Install it: apt-get install prometheus (.ci/run does).'],
    ['kubectl', 'Install kubectl (it embeds kustomize as `kubectl kustomize`).'],
    ['npm', 'Install Node.js with npm.'],
  ] as const) {
    if (!hostHas(tool)) throw new Error(`The day-one test needs ${tool} on PATH. ${hint}`);
  }
  ws = createWorkspace();
});

afterAll(async () => {
  await Promise.allSettled([...works.values()].flatMap((w) => [w.setup, w.pipeline, w.direct]));
  if (works.size > 0) console.log(await summary());
  removeWorkspace(ws);
}, TIMEOUT);

// ---------------------------------------------------------------------------------------------
// Reporting
// ---------------------------------------------------------------------------------------------

function describePipeline(id: string, p: PipelineOutcome): string {
  const lines = [`[${id}] ${p.provider === 'github' ? 'GitHub Actions' : 'GitLab CI'}, push of the first commit to main (${p.mode}):`];
  for (const job of p.jobs) {
    lines.push(`  ${job.status.padEnd(15)} job "${job.id}" (${job.name})${job.reason ? ` - ${job.reason}` : ''}`);
    for (const step of job.steps) {
      lines.push(`      ${step.status.padEnd(8)} ${step.name}${step.reason ? ` - ${step.reason}` : ''}${step.ms !== undefined ? ` (${(step.ms / 1000).toFixed(1)} s)` : ''}`);
    }
  }
  for (const note of p.notes) lines.push(`  note: ${note}`);
  return lines.join('\n');
}

function pipelineFailures(id: string, p: PipelineOutcome): string[] {
  const failures: string[] = [];
  for (const job of p.jobs.filter((j) => j.status === 'failed')) {
    const steps = job.steps.filter((s) => s.status === 'failed');
    if (steps.length === 0) failures.push(`[${id}] job "${job.id}" (${job.name}) failed: ${job.reason ?? 'no step output'}`);
    for (const step of steps) {
      const command = step.command && step.command.trim() !== step.name.trim() ? `\n    $ ${step.command.trim().split('\n').join('\n      ')}` : '';
      failures.push(`[${id}] job "${job.id}" (${job.name}), step "${step.name}" ${step.reason ?? 'failed'}:${command}\n    last lines:\n${indent(step.tail ?? '(no output)', '      ')}`);
    }
  }
  return failures;
}

function checkFailures(id: string, results: CheckResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) => `[${id}] ${r.detail ?? `\`${r.command}\` failed`}`.replace(/\n/g, '\n    '));
}

async function summary(): Promise<string> {
  const rows: string[] = ['', `[day-one] summary (${((Date.now() - startedAt) / 1000).toFixed(0)} s from the first create to the last check):`];
  const groups = new Map<string, string[]>();
  for (const w of works.values()) {
    const [setup, pipeline, direct] = await Promise.allSettled([w.setup, w.pipeline, w.direct]);
    const id = w.variant.id.padEnd(34);
    if (setup.status === 'rejected') {
      rows.push(`  ${id} setup failed: ${String((setup.reason as Error).message).split('\n')[0]}`);
      continue;
    }
    const s = setup.value;
    const key = installKey(s.created);
    groups.set(key, [...(groups.get(key) ?? []), w.variant.id]);
    const comps = Object.entries(s.created.components).map(([n, v]) => `${n}@${v}`).join(' ');
    let pipe = 'pipeline: error';
    if (pipeline.status === 'fulfilled') {
      const p = pipeline.value;
      const count = (st: string) => p.jobs.filter((j) => j.status === st).length;
      pipe = `jobs ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} not runnable here, ${count('not-in-pipeline')} not on push`;
    }
    let checks = 'checks: error';
    if (direct.status === 'fulfilled') {
      const all = [direct.value.lint, direct.value.typecheck, direct.value.test, direct.value.build, ...(direct.value.promtool ?? []), ...(direct.value.kustomize ?? [])];
      checks = `direct ${all.filter((r) => r.ok).length}/${all.length} ok (failing: ${all.filter((r) => !r.ok).map((r) => r.command.replace(/^\(cd [^)]*&& /, '').split(' (')[0]).join(', ') || 'none'})`;
    }
    const sec = (a: number | undefined, b: number | undefined) => (a && b ? `${((b - a) / 1000).toFixed(0)}` : '?');
    const took = `${sec(w.started, w.finished)} s (setup ${sec(w.started, w.ended.setup)}, pipeline ${sec(w.ended.setup, w.ended.pipeline)}, checks ${sec(w.ended.pipeline, w.ended.direct)})`;
    rows.push(`  ${id} ${s.created.provider}, node ${s.created.nodeMajor}, ${comps}, install ${key}; ${pipe}; ${checks}; ${took}`);
  }
  for (const [key, ids] of groups) rows.push(`  install ${key}: ${ids.join(', ')} (one npm install + npm ci, node_modules linked)`);
  return rows.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The matrix
// ---------------------------------------------------------------------------------------------

describe('the day-one runner itself', () => {
  const ctx = (contexts: Record<string, unknown> = {}, success = true) => ({ contexts: { github: { event_name: 'push', ref: 'refs/heads/main' }, vars: {}, env: { A: 'a' }, ...contexts }, status: { success, failure: !success } });

  it('evaluates GitHub expressions and if: conditions as the runner does', () => {
    expect(evaluate("github.event_name == 'pull_request'", ctx())).toBe(false);
    expect(evaluate("github.event_name == 'PUSH' && github.ref == 'refs/heads/main'", ctx())).toBe(true);
    expect(evaluate("vars.AWS_REGION || 'eu-west-1'", ctx())).toBe('eu-west-1');
    expect(evaluate("contains(fromJSON('[\"a\",\"b\"]'), 'b') && startsWith(github.ref, 'refs/heads/')", ctx())).toBe(true);
    expect(interpolate('x=${{ env.A }}-${{ format(\'{0}{1}\', 1, 2) }}', ctx())).toBe('x=a-12');
    expect(condition(undefined, ctx({}, false))).toBe(false);
    expect(condition('always()', ctx({}, false))).toBe(true);
    expect(condition("${{ github.event_name == 'push' }}", ctx({}, false))).toBe(false);
    expect(triggeredByPush({ on: { push: { branches: ['main'] }, pull_request: null } }, 'main').runs).toBe(true);
    expect(triggeredByPush({ on: ['push'] }, 'main').runs).toBe(true);
    expect(triggeredByPush({ on: { push: { branches: ['release/**'] } } }, 'main').runs).toBe(false);
    expect(triggeredByPush({ on: { schedule: [{ cron: '0 0 * * 1' }] } }, 'main').runs).toBe(false);
  });

  it('tells which scripts need what this machine lacks, from the programs they start', () => {
    expect(cannotRunHere('docker run --rm x')).toMatch(/container engine/);
    expect(cannotRunHere('set -eu\n(cd "$OVERLAY" && kustomize edit set image "$IMAGE=$IMAGE@$DIGEST")')).toMatch(/kustomize edit/);
    expect(cannotRunHere('kubectl kustomize deploy/overlays/dev | tee out.yaml')).toBeUndefined();
    expect(cannotRunHere('kustomize build deploy/overlays/dev > /dev/null')).toBeUndefined();
    expect(cannotRunHere('x="$(kubectl --namespace svc get rollout svc -o json)" || true')).toMatch(/kubectl get.*cluster/);
    expect(cannotRunHere('npm ci --ignore-scripts\nnpm audit signatures')).toMatch(/npm audit signatures/);
    expect(cannotRunHere('cat <<EOF\ndocker is only mentioned here\nEOF\necho done >&2')).toBeUndefined();
    expect(cannotRunHere('case "$code" in\n  0|3) ;;\n  *) exit "$code" ;;\nesac')).toBeUndefined();
    expect(shellCommands('A=1 B="x y" npm run lint && promtool check rules a.yaml; echo "$(date +%s)" >&2').map((c) => programOf(c)?.program).filter(Boolean)).toEqual(['npm', 'promtool', 'date']);
  });

  it('runs a GitHub workflow: env files, if:, needs, matrices, deploy jobs skipped, and a failing step with its last lines', { timeout: TIMEOUT }, async () => {
    const dir = join(ws!.root, 'self-test-github');
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), 'self test\n');
    writeFileSync(
      join(dir, '.github/workflows/ci.yml'),
      stringifyYaml({
        on: { push: { branches: ['main'] } },
        env: { GREETING: 'hello' },
        jobs: {
          a: {
            'runs-on': 'ubuntu-24.04',
            steps: [
              { uses: 'actions/checkout@0000000000000000000000000000000000000000' },
              { name: 'Export', run: 'echo "FROM_STEP=$GREETING-${{ github.ref_name }}" >> "$GITHUB_ENV"' },
              { name: 'Read', run: 'test "$FROM_STEP" = hello-main && test "$CI" = true && test -f README.md' },
              { name: 'Fails', run: 'for i in $(seq 1 40); do echo "line $i"; done\nexit 3' },
              { name: 'After', run: 'echo never' },
            ],
          },
          b: { needs: 'a', 'runs-on': 'ubuntu-24.04', steps: [{ run: 'echo b' }] },
          c: { if: "github.event_name == 'pull_request'", 'runs-on': 'ubuntu-24.04', steps: [{ run: 'echo c' }] },
          d: { environment: 'prod', 'runs-on': 'ubuntu-24.04', steps: [{ run: 'echo d' }] },
          e: { 'runs-on': 'ubuntu-24.04', strategy: { matrix: { v: ['x', 'y'] } }, steps: [{ name: 'Matrix', run: 'test -n "${{ matrix.v }}" && test "$MODE" = on', env: { MODE: 'on' } }] },
        },
      }),
    );
    const sha = firstCommit(dir, 'self test');
    const p = await runGithubPipeline({ ws: ws!, dir, sha, repository: 'o/r', nodeMajor: Number(process.versions.node.split('.')[0]), sharedInstall: 'none' });
    const job = (id: string) => p.jobs.filter((j) => j.id.startsWith(`ci.yml: ${id}`));
    const a = job('a')[0]!;
    expect(a.status).toBe('failed');
    expect(a.steps.map((s) => [s.name, s.status])).toEqual([
      ['uses actions/checkout@0000000000000000000000000000000000000000', 'skipped'],
      ['Export', 'passed'],
      ['Read', 'passed'],
      ['Fails', 'failed'],
      ['After', 'skipped'],
    ]);
    const fails = a.steps[3]!;
    expect(fails.exitCode).toBe(3);
    expect(fails.tail).toContain('line 40');
    expect(fails.tail).not.toContain('line 10\n');
    expect(a.steps[4]!.blocked).toBe(true);
    expect(job('b')[0]).toMatchObject({ status: 'skipped', blocked: true });
    expect(job('c')[0]).toMatchObject({ status: 'not-in-pipeline' });
    expect(job('d')[0]!.reason).toMatch(/deploys to the prod environment/);
    expect(job('e').map((j) => [j.id, j.status])).toEqual([
      ['ci.yml: e (v=x)', 'passed'],
      ['ci.yml: e (v=y)', 'passed'],
    ]);
    const required = missingRequired(p, dir);
    expect(required.find((m) => m.startsWith('no job runs lint'))).toBeDefined();
    expect(required.some((m) => m.includes('promtool'))).toBe(false); // no observability/prometheus here
  });

  for (const [runner, isolation] of [['script', false], ['gitlab-ci-local', false], ['gitlab-ci-local', true]] as const) {
    it(`runs a GitLab pipeline (${runner}${isolation ? ', isolated jobs' : ''}): rules, needs, artifacts, deploys skipped, and a failing line with its last lines`, { timeout: TIMEOUT }, async () => {
      // .ci/run installs rsync, which gitlab-ci-local needs: without it this is a failure, not a skip.
      if (runner === 'gitlab-ci-local') expect(gitlabCiLocalMissing()).toBeUndefined();
      const dir = join(ws!.root, `self-test-gitlab-${runner}-${isolation}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, '.gitlab-ci.yml'),
        stringifyYaml({
          stages: ['build', 'test', 'deploy'],
          variables: { WHERE: '$CI_PROJECT_DIR/out' },
          build: { stage: 'build', script: ['mkdir -p "$WHERE"', 'echo built > "$WHERE/x"'], artifacts: { paths: ['out/'] } },
          check: { stage: 'test', needs: ['build'], script: ['test "$(cat out/x)" = built', 'for i in $(seq 1 40); do echo "line $i"; done', 'exit 4'] },
          after: { stage: 'test', needs: ['check'], script: ['echo after'] },
          review: { stage: 'test', rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }], script: ['echo review'] },
          ship: { stage: 'deploy', environment: { name: 'prod' }, script: ['echo ship'] },
        }),
      );
      const sha = firstCommit(dir, 'self test');
      const p = await runGitlabPipeline({ ws: ws!, dir, sha, name: 'self-test', nodeMajor: Number(process.versions.node.split('.')[0]), sharedInstall: 'none', runner, isolation });
      const job = (id: string) => p.jobs.find((j) => j.id === id)!;
      expect(p.problems).toEqual([]);
      expect(job('build').status, describePipeline('self-test', p)).toBe('passed');
      expect(job('check').status).toBe('failed');
      const failing = job('check').steps.find((s) => s.status === 'failed')!;
      expect(failing.name).toBe('exit 4');
      expect(failing.tail).toContain('line 40');
      expect(job('after')).toMatchObject({ status: 'skipped', blocked: true });
      expect(job('review').status).toBe('not-in-pipeline');
      expect(job('ship').reason).toMatch(/deploys to the prod environment/);
    });
  }
});

describe.runIf(VARIANTS.length > 0)('the matrix', () => {
  beforeAll(() => {
    console.log(
      `[day-one] ${VARIANTS.length} variants in ${ws!.root}; up to ${CONCURRENCY} processes at once; npm cache ${ws!.npmCache}; GitLab jobs: ${gitlabCiLocalMissing() ? `script lines (${gitlabCiLocalMissing()})` : 'gitlab-ci-local'}`,
    );
    for (const variant of VARIANTS) works.set(variant.id, start(variant));
  });

  // A loop, not describe.each: vitest would shorten the labels.
  for (const variant of VARIANTS) describe(`day one: ${variant.id}: ${variant.label}`, () => {
    const work = () => works.get(variant.id)!;

    it('is created at the latest version of every component, installed once per dependency set, and committed', { timeout: TIMEOUT }, async () => {
      const setup = await work().setup;
      console.log(
        `[${variant.id}] created ${Object.entries(setup.created.components).map(([n, v]) => `${n}@${v}`).join(', ')} (${setup.created.provider}, Node ${setup.created.nodeMajor}); ` +
          `dependencies from ${setup.install.description}${setup.install.leader === variant.id ? ' (installed here first)' : ''}; first commit ${setup.sha.slice(0, 8)}`,
      );
      expect(setup.stale, `[${variant.id}] create did not use the latest version of: ${setup.stale.join(', ')}`).toEqual([]);
      // The lockfile is the one npm wrote (for the variant that installed it, byte for byte).
      if (setup.install.leader === variant.id) {
        expect(readFileSync(join(setup.install.dir, 'package-lock.json'), 'utf8'), `[${variant.id}] the shared lockfile re-serialises as npm wrote it`).toBe(
          readFileSync(join(setup.created.dir, 'package-lock.json'), 'utf8'),
        );
      }
    });

    it('passes its own CI on a push of its first commit (every job that can run here)', { timeout: TIMEOUT }, async () => {
      const pipeline = await work().pipeline;
      console.log(describePipeline(variant.id, pipeline));
      const failures = pipelineFailures(variant.id, pipeline);
      expect(failures.length === 0 ? 'green' : `${failures.length} failing step(s):\n\n${failures.join('\n\n')}`).toBe('green');
    });

    it('its CI runs the jobs issue 13 names: install, lint, typecheck, test, build, promtool, kustomize', { timeout: TIMEOUT }, async () => {
      const [setup, pipeline] = await Promise.all([work().setup, work().pipeline]);
      const missing = missingRequired(pipeline, setup.created.dir).map((m) => `[${variant.id}] ${m}`);
      expect(missing.length === 0 ? 'all run' : missing.join('\n')).toBe('all run');
    });

    it('its CI has jobs only for what the repository has (no job refers to a missing file)', { timeout: TIMEOUT }, async () => {
      const pipeline = await work().pipeline;
      const problems = pipeline.problems.map((p) => `[${variant.id}] ${p}`);
      expect(problems.length === 0 ? 'consistent' : problems.join('\n')).toBe('consistent');
    });

    for (const script of ['lint', 'typecheck', 'test', 'build'] as const) {
      it(`${script === 'test' ? 'npm test' : `npm run ${script}`} passes`, { timeout: TIMEOUT }, async () => {
        const direct = await work().direct;
        const failures = checkFailures(variant.id, [direct[script]]);
        expect(failures.length === 0 ? 'passed' : failures.join('\n')).toBe('passed');
      });
    }

    it('promtool check rules and promtool test rules pass on observability/prometheus (a variant without observability has none)', { timeout: TIMEOUT }, async () => {
      const direct = await work().direct;
      if (!direct.promtool) {
        const setup = await work().setup;
        expect('observability' in setup.created.components, `[${variant.id}] observability is in .platform.yaml but observability/prometheus is missing`).toBe(false);
        return;
      }
      const failures = checkFailures(variant.id, direct.promtool!);
      expect(failures.length === 0 ? 'passed' : failures.join('\n')).toBe('passed');
    });

    it('kubectl kustomize builds every overlay into objects that pass the schemas and name limits (a variant without deploy has none)', { timeout: TIMEOUT }, async () => {
      const direct = await work().direct;
      if (!direct.kustomize) {
        const setup = await work().setup;
        expect('deploy' in setup.created.components, `[${variant.id}] deploy is in .platform.yaml but deploy/overlays is missing`).toBe(false);
        return;
      }
      for (const note of new Set(direct.kustomize!.flatMap((r) => r.notes ?? []))) console.log(`[${variant.id}] kustomize: ${note}`);
      const failures = checkFailures(variant.id, direct.kustomize!);
      expect(failures.length === 0 ? 'passed' : failures.join('\n')).toBe('passed');
    });
  });
});
