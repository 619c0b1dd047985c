/**
 * Runs a repository's GitLab CI pipeline the way a push of its first commit to the default branch
 * would, on this machine.
 *
 * gitlab-ci-local (a devDependency) decides which jobs the push pipeline has (`--list-json`, rules
 * evaluated for a push to main) and expands `extends`/defaults (`--preview`). The jobs that can run
 * here then run:
 *  - with gitlab-ci-local itself when rsync is installed (it copies the job files with rsync):
 *    the shell executor (`--force-shell-executor`: the jobs' images are not pulled, the host's tools
 *    and the job's Node.js major stand in for them), in a clone of the first commit whose
 *    node_modules is the shared install (so each job's `npm ci` is the shared install, as on the
 *    GitHub side), nothing copied back into the repository (`--no-artifacts-to-source`), two jobs
 *    at a time, npm's cache the shared one (`--variable npm_config_cache=…`).
 *    DAY_ONE_GITLAB_ISOLATION=1 runs each job in its own copy of the committed files with the
 *    artifacts of the jobs it needs (`--shell-isolation`), each with its own real `npm ci`, as on
 *    GitLab: closer still, and several times slower (an install per job);
 *  - otherwise with our runner: each job's `before_script` and `script` lines in one bash
 *    (`set -eo pipefail`), in the repository, in stage and needs order, with the pipeline's and the
 *    job's variables and GitLab's predefined ones; the install lines are the shared install.
 * Not run, and listed with the reason: manual jobs, jobs that deploy (an `environment` or
 * `id_tokens`), and jobs with a line that needs what this machine lacks (see cannotRunHere). With
 * gitlab-ci-local a job is all or nothing; with our runner too, so both modes report the same jobs.
 */
import { writeGitlabTemplateStandins } from './gitlab-templates.js';
import { existsSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { exitText, git, hostHas, jobEnv, nodeBinDir, REPO_ROOT, runProcess, tail, type JobOutcome, type PipelineOutcome, type StepOutcome, type Workspace } from './day-one.js';
import { cannotRunHere, missingPaths } from './day-one-jobs.js';

type Obj = Record<string, any>;

export const GITLAB_CI_LOCAL = join(REPO_ROOT, 'node_modules', '.bin', 'gitlab-ci-local');

export interface GitlabRun {
  ws: Workspace;
  /** The repository (its first commit made; node_modules the shared link). */
  dir: string;
  sha: string;
  name: string;
  nodeMajor: number;
  sharedInstall: string;
  /** Force a runner (default: gitlab-ci-local when it can run here, else our script runner). */
  runner?: 'gitlab-ci-local' | 'script';
  /** gitlab-ci-local: each job in its own copy with its own install (default: DAY_ONE_GITLAB_ISOLATION=1). */
  isolation?: boolean;
}

/** Why gitlab-ci-local cannot run jobs here (undefined: it can). */
export function gitlabCiLocalMissing(): string | undefined {
  if (process.env.DAY_ONE_GITLAB_RUNNER === 'script') return 'DAY_ONE_GITLAB_RUNNER=script';
  if (!existsSync(GITLAB_CI_LOCAL)) return 'gitlab-ci-local is not installed (npm ci installs it: a devDependency)';
  if (!hostHas('rsync')) return 'rsync is not installed (gitlab-ci-local copies each job\'s files with it; Debian: apt-get install rsync)';
  return undefined;
}

interface Listed {
  name: string;
  stage: string;
  when: string;
  needs?: Array<{ job: string }>;
}

function scriptLines(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return [value].flat(Infinity).map((line) => String(line));
}

export async function runGitlabPipeline(r: GitlabRun): Promise<PipelineOutcome> {
  const missing = r.runner === 'script' ? 'asked for the script runner' : gitlabCiLocalMissing();
  const outcome: PipelineOutcome = {
    provider: 'gitlab',
    mode: missing
      ? `script lines with bash (gitlab-ci-local cannot run jobs here: ${missing})`
      : `gitlab-ci-local, shell executor, ${(r.isolation ?? process.env.DAY_ONE_GITLAB_ISOLATION === '1') ? 'one copy of the files and one npm ci per job' : 'the shared install'}`,
    jobs: [],
    problems: [],
    notes: [],
  };
  if (!existsSync(GITLAB_CI_LOCAL)) {
    outcome.problems.push(`gitlab-ci-local is missing (${GITLAB_CI_LOCAL}): run npm ci`);
    return outcome;
  }
  // gitlab-ci-local keeps its state in the folder it runs in: give it a clone of the first commit.
  const clone = `${r.dir}.gitlab`;
  git(r.ws.root, ['clone', '--quiet', '--no-hardlinks', r.dir, clone]);
  // GitLab's own security templates come with an instance: stand-ins where gitlab-ci-local looks first.
  writeGitlabTemplateStandins(clone);
  const isolation = r.isolation ?? process.env.DAY_ONE_GITLAB_ISOLATION === '1';
  // After the clone (a link is not committed): the jobs' installs are the shared one.
  if (!isolation && existsSync(join(r.dir, 'node_modules'))) symlinkSync(realpathSync(join(r.dir, 'node_modules')), join(clone, 'node_modules'), 'dir');
  const env = jobEnv(r.ws, await nodeBinDir(r.nodeMajor), isolation ? {} : { DAY_ONE_SHARED_INSTALL: r.sharedInstall });
  const glc = (args: string[], weight = 1) => runProcess(GITLAB_CI_LOCAL, ['--cwd', '.', '--no-color', ...args], { cwd: clone, env, timeoutMs: 20 * 60_000, weight });

  const list = await glc(['--list-json']);
  if (list.code !== 0) {
    outcome.problems.push(`gitlab-ci-local --list-json ${exitText(list)}: the pipeline is invalid:\n${tail(list.output)}`);
    return outcome;
  }
  const listed = JSON.parse(list.output.slice(list.output.indexOf('['))) as Listed[];
  const preview = await glc(['--preview', '--no-json-schema-validation']);
  if (preview.code !== 0) {
    outcome.problems.push(`gitlab-ci-local --preview ${exitText(preview)}:\n${tail(preview.output)}`);
    return outcome;
  }
  const expanded = parseYaml(preview.output.slice(preview.output.indexOf('---'))) as Obj;
  const globalVariables = (expanded.variables ?? {}) as Obj;
  const stages = (expanded.stages ?? []) as string[];

  // Which jobs run here, and why not the others.
  const runnable: string[] = [];
  const byName = new Map<string, JobOutcome>();
  const allJobs = Object.keys(expanded).filter((k) => !['stages', 'variables', 'workflow', 'default', 'include', 'image', 'services', 'cache', 'before_script', 'after_script'].includes(k) && !k.startsWith('.'));
  for (const name of allJobs) {
    const job = expanded[name] as Obj;
    const lines = [...scriptLines(job.before_script), ...scriptLines(job.script)];
    const entry = listed.find((l) => l.name === name);
    const out: JobOutcome = { id: name, name: `${name} (stage ${String(job.stage ?? 'test')})`, status: 'skipped', steps: [], commands: lines };
    byName.set(name, out);
    if (!entry || entry.when === 'never') {
      out.status = 'not-in-pipeline';
      out.reason = 'its rules leave it out of a push pipeline on the default branch';
      continue;
    }
    for (const path of missingPaths(stringify(job), r.dir)) {
      outcome.problems.push(`job "${name}" refers to ${path}, which this repository does not have: it fails when it runs (every push to the default branch)`);
    }
    if (entry.when === 'manual') {
      out.reason = 'a manual job (started by a person)';
      continue;
    }
    if (job.environment || job.id_tokens) {
      const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
      out.reason = `deploys${environment ? ` to the ${String(environment)} environment` : ''}: needs cloud credentials (OIDC id_tokens) and a cluster`;
      continue;
    }
    if (job.services) {
      out.reason = 'uses service containers: needs a container engine (none on this machine)';
      continue;
    }
    const why = cannotRunHere(lines.join('\n'));
    if (why) {
      out.reason = why;
      continue;
    }
    runnable.push(name);
  }
  // A job whose needs cannot run here cannot run either.
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of [...runnable]) {
      const needs = ((expanded[name] as Obj).needs ?? []) as Array<string | Obj>;
      const blocked = needs.map((n) => (typeof n === 'string' ? n : String(n.job))).filter((n) => byName.has(n) && !runnable.includes(n) && byName.get(n)!.status !== 'not-in-pipeline');
      if (blocked.length > 0) {
        runnable.splice(runnable.indexOf(name), 1);
        byName.get(name)!.reason = `needs ${blocked.join(', ')}, which cannot run here`;
        changed = true;
      }
    }
  }
  const order = [...runnable].sort((a, b) => stages.indexOf(String(expanded[a].stage ?? 'test')) - stages.indexOf(String(expanded[b].stage ?? 'test')));
  if (missing) await runOurselves(r, order, expanded, globalVariables, byName);
  else await runWithGitlabCiLocal(r, order, glc, expanded, byName, outcome, isolation);
  outcome.jobs = allJobs.map((name) => byName.get(name)!);
  // Each job's copy holds its own node_modules: a few hundred megabytes each.
  if (process.env.DAY_ONE_KEEP !== '1') rmSync(clone, { recursive: true, force: true });
  return outcome;
}

async function runWithGitlabCiLocal(
  r: GitlabRun,
  jobs: string[],
  glc: (args: string[], weight?: number) => ReturnType<typeof runProcess>,
  expanded: Obj,
  byName: Map<string, JobOutcome>,
  outcome: PipelineOutcome,
  isolation: boolean,
): Promise<void> {
  if (jobs.length === 0) return;
  const ran = await glc(
    [
      '--force-shell-executor',
      ...(isolation ? ['--shell-isolation'] : []),
      '--no-artifacts-to-source',
      '--concurrency',
      '2',
      '--max-job-name-padding',
      '0',
      '--variable',
      `npm_config_cache=${r.ws.npmCache}`,
      '--variable',
      'npm_config_prefer_offline=true',
      ...jobs,
    ],
    2,
  );
  // Output lines are "<job> <text>"; a command is "<job> $ <line>", its output "<job> > <text>".
  const lines = ran.output.replace(/\r/g, '').split('\n');
  const names = [...jobs].sort((a, b) => b.length - a.length);
  const perJob = new Map<string, string[]>(jobs.map((j) => [j, []]));
  const verdict = new Map<string, 'passed' | 'failed'>();
  for (const line of lines) {
    const summary = /^\s*(PASS|FAIL|WARN)\s+(\S+)\s*$/.exec(line);
    if (summary && perJob.has(summary[2]!)) {
      verdict.set(summary[2]!, summary[1] === 'FAIL' ? 'failed' : 'passed');
      continue;
    }
    const job = names.find((n) => line.startsWith(`${n} `));
    if (job) perJob.get(job)!.push(line.slice(job.length + 1));
  }
  for (const name of jobs) {
    const out = byName.get(name)!;
    const own = perJob.get(name)!;
    const status = verdict.get(name);
    if (!status) {
      const needs = ((expanded[name].needs ?? []) as Array<string | Obj>).map((n) => (typeof n === 'string' ? n : String(n.job)));
      const failedNeeds = needs.filter((n) => verdict.get(n) === 'failed');
      if (failedNeeds.length > 0) {
        out.status = 'skipped';
        out.blocked = true;
        out.reason = `needs ${failedNeeds.join(', ')}, which failed`;
        continue;
      }
      out.status = 'failed';
      out.reason = `gitlab-ci-local ${exitText(ran)} without a result for this job`;
      out.steps.push({ name: 'gitlab-ci-local', status: 'failed', tail: tail(ran.output), reason: out.reason });
      continue;
    }
    out.status = status;
    const steps: StepOutcome[] = [];
    let current: { step: StepOutcome; output: string[] } | undefined;
    for (const line of own) {
      const command = /^\$ (.*)$/.exec(line);
      if (command) {
        current = { step: { name: command[1]!, command: command[1]!, status: 'passed' }, output: [] };
        steps.push(current.step);
      } else if (current && line.startsWith('> ')) {
        current.output.push(line.slice(2));
        if (line.includes('day-one: `npm')) current.step.reason = 'the install that ran once for this dependency set (shared)';
      } else if (current && line === '>') current.output.push('');
    }
    if (status === 'failed') {
      const last = steps.at(-1);
      if (last && current) {
        last.status = 'failed';
        // The job's log as GitLab shows it: every `$ line` and its output, up to the failure.
        last.tail = tail(own.filter((l) => /^(\$ |> |>$)/.test(l)).map((l) => (l.startsWith('$ ') ? l : l.slice(2))).join('\n'));
        const code = /FAIL (\d+)/.exec(own.join('\n'))?.[1];
        last.reason = code ? `exited ${code}` : 'failed';
      } else steps.push({ name: 'job', status: 'failed', tail: tail(own.join('\n')) });
    }
    out.steps = steps;
    const expectedLines = [...scriptLines(expanded[name].before_script), ...scriptLines(expanded[name].script)].length;
    if (status === 'passed' && steps.length < expectedLines) outcome.notes.push(`job "${name}": gitlab-ci-local showed ${steps.length} of ${expectedLines} script lines`);
  }
}

const STEP_MARK = '::day-one-step::';

async function runOurselves(r: GitlabRun, jobs: string[], expanded: Obj, globalVariables: Obj, byName: Map<string, JobOutcome>): Promise<void> {
  const failed = new Set<string>();
  const projectPath = `group/${r.name}`;
  for (const name of jobs) {
    const job = expanded[name] as Obj;
    const out = byName.get(name)!;
    const needs = ((job.needs ?? []) as Array<string | Obj>).map((n) => (typeof n === 'string' ? n : String(n.job)));
    const failedNeeds = needs.filter((n) => failed.has(n));
    if (failedNeeds.length > 0) {
      out.reason = `needs ${failedNeeds.join(', ')}, which failed`;
      out.blocked = true;
      failed.add(name);
      continue;
    }
    const predefined: Record<string, string> = {
      CI: 'true',
      GITLAB_CI: 'true',
      CI_PROJECT_DIR: r.dir,
      CI_PROJECT_NAME: r.name,
      CI_PROJECT_PATH: projectPath,
      CI_PROJECT_ID: '1',
      CI_COMMIT_SHA: r.sha,
      CI_COMMIT_SHORT_SHA: r.sha.slice(0, 8),
      CI_COMMIT_BRANCH: 'main',
      CI_COMMIT_REF_NAME: 'main',
      CI_COMMIT_REF_SLUG: 'main',
      CI_DEFAULT_BRANCH: 'main',
      CI_PIPELINE_SOURCE: 'push',
      CI_PIPELINE_ID: '1',
      CI_JOB_ID: '1',
      CI_JOB_NAME: name,
      CI_JOB_STAGE: String(job.stage ?? 'test'),
      CI_SERVER_HOST: 'gitlab.example.com',
      CI_SERVER_URL: 'https://gitlab.example.com',
      CI_API_V4_URL: 'https://gitlab.example.com/api/v4',
      CI_REGISTRY: 'registry.gitlab.example.com',
      CI_REGISTRY_IMAGE: `registry.gitlab.example.com/${projectPath}`,
      DAY_ONE_SHARED_INSTALL: r.sharedInstall,
    };
    const variables: Record<string, string> = { ...predefined };
    const expand = (value: string) => value.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, key: string) => variables[key] ?? whole);
    for (const [k, v] of Object.entries({ ...globalVariables, ...(job.variables ?? {}) })) {
      variables[k] = expand(typeof v === 'object' && v !== null ? String((v as Obj).value ?? '') : String(v));
    }
    // The pipeline's npm cache is the shared one, as with gitlab-ci-local's --variable.
    variables.npm_config_cache = r.ws.npmCache;
    const lines = [...scriptLines(job.before_script), ...scriptLines(job.script)];
    const script = lines.map((line, i) => `echo '${STEP_MARK}${i}'\n${line}`).join('\n');
    const file = join(r.ws.root, `gitlab-${r.name}-${name}.sh`);
    writeFileSync(file, script);
    const env = jobEnv(r.ws, await nodeBinDir(r.nodeMajor), variables);
    const minutes = Number(/^(\d+)m$/.exec(String(job.timeout ?? ''))?.[1] ?? 20);
    const ran = await runProcess('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { cwd: r.dir, env, timeoutMs: Math.min(minutes, 20) * 60_000 });
    // Split the output at the step marks.
    const parts: string[][] = lines.map(() => []);
    let at = -1;
    for (const line of ran.output.split('\n')) {
      const mark = line.startsWith(STEP_MARK) ? Number(line.slice(STEP_MARK.length)) : undefined;
      if (mark !== undefined && !Number.isNaN(mark)) at = mark;
      else if (at >= 0) parts[at]!.push(line);
    }
    // The job's log as GitLab shows it: every `$ line` and its output.
    const log = lines.slice(0, Math.max(at + 1, 0)).flatMap((line, i) => [`$ ${line}`, ...parts[i]!]);
    out.steps = lines.slice(0, Math.max(at + 1, 0)).map((line, i) => {
      const isLast = i === at;
      const stepFailed = isLast && ran.code !== 0;
      const output = parts[i]!.join('\n');
      return {
        name: line.split('\n')[0]!,
        command: line,
        status: stepFailed ? 'failed' : 'passed',
        ...(stepFailed ? { tail: tail(log.join('\n')), reason: exitText(ran), exitCode: ran.code } : {}),
        ...(output.includes('day-one: `npm') ? { reason: 'the install that ran once for this dependency set (shared)' } : {}),
      } satisfies StepOutcome;
    });
    out.status = ran.code === 0 ? 'passed' : 'failed';
    if (ran.code !== 0) {
      failed.add(name);
      if (at < 0) out.steps.push({ name: 'job', status: 'failed', tail: tail(ran.output), reason: exitText(ran) });
    }
  }
}
