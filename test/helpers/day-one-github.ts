/**
 * Runs a repository's GitHub Actions workflows the way a push of its first commit to main would,
 * on this machine: every workflow triggered by that push, its jobs in `needs` order, and in each
 * job the `run:` steps with bash (`bash --noprofile --norc -eo pipefail`, GitHub's default), in the
 * repository, with CI=true and GitHub's variables, `env:` at every level, `if:` conditions,
 * `working-directory`, `GITHUB_ENV` / `GITHUB_PATH` / `GITHUB_OUTPUT`, and matrices.
 *
 * Not run, and listed with the reason: steps that `uses:` an action (`actions/checkout` is the
 * repository itself; `actions/setup-node` is emulated: its Node.js major first on PATH), jobs that
 * deploy (an `environment`, or `id-token: write` for cloud OIDC), jobs with `services:` or a
 * `container:`, and steps that need what this machine lacks (see cannotRunHere).
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { exitText, jobEnv, nodeBinDir, runProcess, tail, type JobOutcome, type PipelineOutcome, type Workspace } from './day-one.js';
import { cannotRunHere, missingPaths } from './day-one-jobs.js';

type Obj = Record<string, any>;

// --------------------------------------------------------------------------------------------
// Expressions: ${{ … }}
// --------------------------------------------------------------------------------------------

type Value = string | number | boolean | null | Obj | Value[];

interface Token {
  kind: 'str' | 'num' | 'id' | 'op' | 'end';
  text: string;
}

function lex(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let text = '';
      i++;
      while (i < source.length) {
        if (source[i] === "'" && source[i + 1] === "'") {
          text += "'";
          i += 2;
        } else if (source[i] === "'") break;
        else text += source[i++];
      }
      i++;
      tokens.push({ kind: 'str', text });
      continue;
    }
    const two = source.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      tokens.push({ kind: 'op', text: two });
      i += 2;
      continue;
    }
    if ('!<>()[].,*'.includes(c)) {
      tokens.push({ kind: 'op', text: c });
      i++;
      continue;
    }
    const num = /^-?(0x[0-9a-f]+|\d+(\.\d+)?(e[+-]?\d+)?)/i.exec(source.slice(i));
    if (num && !(tokens.at(-1)?.text === '.')) {
      tokens.push({ kind: 'num', text: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
    if (!id) throw new Error(`unexpected "${c}" in expression: ${source}`);
    tokens.push({ kind: 'id', text: id[0] });
    i += id[0].length;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

export interface ExprContext {
  contexts: Obj;
  /** success() / failure() / cancelled() for this job or step. */
  status: { success: boolean; failure: boolean };
  hashFiles?: (patterns: string[]) => string;
}

function truthy(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (typeof v === 'number' && Number.isNaN(v)) return false;
  return true;
}

function toNumber(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return Number.NaN;
}

export function toText(v: Value): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' && a !== null) return a === b;
  if (typeof a !== typeof b) return toNumber(a) === toNumber(b);
  return a === b;
}

/** Evaluates a GitHub Actions expression (without the `${{ }}`). */
export function evaluate(source: string, ctx: ExprContext): Value {
  const tokens = lex(source);
  let pos = 0;
  const peek = () => tokens[pos]!;
  const take = (text?: string) => {
    const t = tokens[pos]!;
    if (text !== undefined && t.text !== text) throw new Error(`expected "${text}" in expression: ${source}`);
    pos++;
    return t;
  };
  const or = (): Value => {
    let left = and();
    while (peek().text === '||') {
      take();
      const right = and();
      left = truthy(left) ? left : right;
    }
    return left;
  };
  const and = (): Value => {
    let left = not();
    while (peek().text === '&&') {
      take();
      const right = not();
      left = truthy(left) ? right : left;
    }
    return left;
  };
  const not = (): Value => {
    if (peek().text === '!') {
      take();
      return !truthy(not());
    }
    return compare();
  };
  const compare = (): Value => {
    const left = primary();
    const op = peek().text;
    if (!['==', '!=', '<', '<=', '>', '>='].includes(op)) return left;
    take();
    const right = primary();
    switch (op) {
      case '==':
        return equal(left, right);
      case '!=':
        return !equal(left, right);
      case '<':
        return toNumber(left) < toNumber(right);
      case '<=':
        return toNumber(left) <= toNumber(right);
      case '>':
        return toNumber(left) > toNumber(right);
      default:
        return toNumber(left) >= toNumber(right);
    }
  };
  const primary = (): Value => {
    const t = take();
    let value: Value;
    if (t.kind === 'str') value = t.text;
    else if (t.kind === 'num') value = Number(t.text);
    else if (t.text === '(') {
      value = or();
      take(')');
    } else if (t.kind === 'id' && ['true', 'false', 'null'].includes(t.text)) {
      value = t.text === 'true' ? true : t.text === 'false' ? false : null;
    } else if (t.kind === 'id' && peek().text === '(') {
      take('(');
      const args: Value[] = [];
      while (peek().text !== ')') {
        args.push(or());
        if (peek().text === ',') take(',');
      }
      take(')');
      value = call(t.text, args);
    } else if (t.kind === 'id') {
      value = (ctx.contexts[t.text] ?? null) as Value;
    } else throw new Error(`unexpected "${t.text}" in expression: ${source}`);
    // property access: .name, ['name'], .*
    for (;;) {
      if (peek().text === '.') {
        take();
        const name = take();
        if (name.text === '*') value = Array.isArray(value) ? value : value && typeof value === 'object' ? Object.values(value) : [];
        else value = index(value, name.text);
      } else if (peek().text === '[') {
        take();
        const key = or();
        take(']');
        value = index(value, toText(key));
      } else break;
    }
    return value;
  };
  const index = (value: Value, key: string): Value => {
    if (Array.isArray(value)) {
      if (/^\d+$/.test(key)) return (value[Number(key)] ?? null) as Value;
      return value.map((v) => index(v, key));
    }
    if (value && typeof value === 'object') {
      const found = Object.keys(value).find((k) => k.toLowerCase() === key.toLowerCase());
      return found === undefined ? null : ((value as Obj)[found] as Value);
    }
    return null;
  };
  const call = (name: string, args: Value[]): Value => {
    switch (name.toLowerCase()) {
      case 'success':
        return ctx.status.success;
      case 'failure':
        return ctx.status.failure;
      case 'always':
        return true;
      case 'cancelled':
        return false;
      case 'contains': {
        const [hay, needle] = args;
        if (Array.isArray(hay)) return hay.some((v) => equal(v, needle ?? null));
        return toText(hay ?? null).toLowerCase().includes(toText(needle ?? null).toLowerCase());
      }
      case 'startswith':
        return toText(args[0] ?? null).toLowerCase().startsWith(toText(args[1] ?? null).toLowerCase());
      case 'endswith':
        return toText(args[0] ?? null).toLowerCase().endsWith(toText(args[1] ?? null).toLowerCase());
      case 'format':
        return toText(args[0] ?? null).replace(/\{(\d+)\}/g, (_, n: string) => toText(args[Number(n) + 1] ?? null));
      case 'join':
        return Array.isArray(args[0]) ? args[0].map(toText).join(args[1] === undefined ? ',' : toText(args[1])) : toText(args[0] ?? null);
      case 'tojson':
        return JSON.stringify(args[0] ?? null, null, 2);
      case 'fromjson':
        return JSON.parse(toText(args[0] ?? null)) as Value;
      case 'hashfiles':
        return ctx.hashFiles ? ctx.hashFiles(args.map((a) => toText(a))) : '';
      default:
        throw new Error(`unknown function ${name}() in expression: ${source}`);
    }
  };
  const value = or();
  if (peek().kind !== 'end') throw new Error(`unexpected "${peek().text}" in expression: ${source}`);
  return value;
}

/** Replaces every `${{ … }}` in a string. */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expr: string) => toText(evaluate(expr, ctx)));
}

/** An `if:` value: an expression with or without `${{ }}`. */
export function condition(value: unknown, ctx: ExprContext, fallback = 'success()'): boolean {
  if (value === undefined || value === null) return truthy(evaluate(fallback, ctx));
  if (typeof value === 'boolean') return value;
  const text = String(value).trim();
  const m = /^\$\{\{([\s\S]*)\}\}$/.exec(text);
  const expr = m ? m[1]! : text;
  // A status function anywhere keeps the default away; otherwise success() && (expr).
  const result = evaluate(expr, ctx);
  if (/\b(success|failure|always|cancelled)\s*\(/i.test(expr)) return truthy(result);
  return ctx.status.success && truthy(result);
}

// --------------------------------------------------------------------------------------------
// Triggers
// --------------------------------------------------------------------------------------------

function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*\*/g, '\u0000').replace(/\*/g, '[^/]*').replace(/\u0000/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

/** Whether a workflow runs on a push to `branch`; a description of its triggers otherwise. */
export function triggeredByPush(workflow: Obj, branch: string): { runs: boolean; triggers: string } {
  const on = workflow.on ?? workflow[true as unknown as string]; // YAML 1.1 readers turn `on` into true
  const events: Obj = typeof on === 'string' ? { [on]: null } : Array.isArray(on) ? Object.fromEntries(on.map((e: string) => [e, null])) : (on ?? {});
  const triggers = Object.keys(events).join(', ') || 'none';
  if (!('push' in events)) return { runs: false, triggers };
  const push = (events.push ?? {}) as Obj;
  if (Array.isArray(push.branches) && !push.branches.some((p: string) => globMatch(p, branch))) return { runs: false, triggers: `${triggers} (push: branches ${push.branches.join(', ')})` };
  if (Array.isArray(push['branches-ignore']) && push['branches-ignore'].some((p: string) => globMatch(p, branch))) return { runs: false, triggers };
  if (push.tags && !push.branches) return { runs: false, triggers: `${triggers} (push: tags only)` };
  return { runs: true, triggers };
}

// --------------------------------------------------------------------------------------------
// Running
// --------------------------------------------------------------------------------------------

export interface GithubRun {
  ws: Workspace;
  dir: string;
  /** The first commit. */
  sha: string;
  repository: string;
  nodeMajor: number;
  /** Shared-install description, for the npm shim's message. */
  sharedInstall: string;
}

/** needs -> an order in which every job comes after the jobs it needs (file order otherwise). */
function order(jobs: Obj): string[] {
  const ids = Object.keys(jobs);
  const done: string[] = [];
  const visit = (id: string, path: string[]) => {
    if (done.includes(id) || path.includes(id)) return;
    const needs = [jobs[id]?.needs ?? []].flat() as string[];
    for (const n of needs) if (n in jobs) visit(n, [...path, id]);
    done.push(id);
  };
  for (const id of ids) visit(id, []);
  return done;
}

function matrixCombinations(job: Obj, notes: string[], id: string): Obj[] {
  const matrix = job.strategy?.matrix;
  if (!matrix) return [{}];
  if (typeof matrix === 'string') {
    notes.push(`job "${id}": a matrix from an expression (${matrix}) is not expanded; ran once without matrix values`);
    return [{}];
  }
  const { include, exclude, ...axes } = matrix as Obj;
  let combos: Obj[] = [{}];
  for (const [key, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) {
      notes.push(`job "${id}": matrix axis ${key} is not a list; ran without it`);
      continue;
    }
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [key]: v })));
  }
  if (Array.isArray(exclude)) combos = combos.filter((c) => !exclude.some((e: Obj) => Object.entries(e).every(([k, v]) => c[k] === v)));
  if (Array.isArray(include)) {
    for (const inc of include as Obj[]) {
      const matches = combos.filter((c) => Object.keys(axes).every((k) => !(k in inc) || c[k] === inc[k]));
      if (matches.length > 0 && Object.keys(inc).some((k) => k in axes)) matches.forEach((m) => Object.assign(m, inc));
      else combos.push({ ...inc });
    }
  }
  return combos.length > 0 ? combos : [{}];
}

function readEnvFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      out[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  return out;
}

/** Every workflow of .github/workflows that a push to main triggers, run job by job. */
export async function runGithubPipeline(r: GithubRun): Promise<PipelineOutcome> {
  const outcome: PipelineOutcome = { provider: 'github', mode: 'run: steps with bash, in needs order', jobs: [], problems: [], notes: [] };
  const folder = join(r.dir, '.github/workflows');
  const files = existsSync(folder) ? readdirSync(folder).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  if (files.length === 0) outcome.problems.push('no workflow in .github/workflows');
  for (const file of files) {
    const workflow = parseYaml(readFileSync(join(folder, file), 'utf8')) as Obj;
    const { runs, triggers } = triggeredByPush(workflow, 'main');
    if (!runs) {
      outcome.notes.push(`.github/workflows/${file}: not triggered by a push to main (on: ${triggers}); not run`);
      continue;
    }
    await runWorkflow(r, file, workflow, outcome);
  }
  return outcome;
}

async function runWorkflow(r: GithubRun, file: string, workflow: Obj, outcome: PipelineOutcome): Promise<void> {
  const jobs = (workflow.jobs ?? {}) as Obj;
  const results = new Map<string, 'passed' | 'failed' | 'skipped' | 'assumed'>();
  const runnerTemp = mkdtempSync(join(r.ws.root, 'runner-temp-'));
  const github = {
    event_name: 'push',
    ref: 'refs/heads/main',
    ref_name: 'main',
    ref_type: 'branch',
    sha: r.sha,
    repository: r.repository,
    repository_owner: r.repository.split('/')[0],
    run_id: '1',
    run_number: '1',
    run_attempt: '1',
    actor: 'day-one',
    workspace: r.dir,
    server_url: 'https://github.com',
    api_url: 'https://api.github.com',
    workflow: workflow.name ?? file,
    event: { ref: 'refs/heads/main', after: r.sha, before: '0000000000000000000000000000000000000000', created: true, head_commit: { id: r.sha }, repository: { default_branch: 'main', full_name: r.repository } },
    token: '',
    base_ref: '',
    head_ref: '',
  };
  for (const id of order(jobs)) {
    const job = jobs[id] as Obj;
    const label = `${file}: ${id}`;
    const jobName = String(job.name ?? id);
    const commands = ((job.steps ?? []) as Obj[]).filter((s) => typeof s.run === 'string').map((s) => String(s.run));
    const base: JobOutcome = { id: label, name: jobName, status: 'skipped', steps: [], commands };
    const needs = [job.needs ?? []].flat() as string[];
    const failedNeeds = needs.filter((n) => results.get(n) === 'failed');
    const skippedNeeds = needs.filter((n) => results.get(n) === 'skipped');
    const ctxFor = (extra: Obj = {}, success = true): ExprContext => ({
      contexts: {
        github,
        env: { ...(workflow.env ?? {}), ...(job.env ?? {}) },
        vars: {},
        secrets: {},
        inputs: {},
        runner: { os: 'Linux', arch: 'X64', temp: runnerTemp, name: 'day-one' },
        needs: Object.fromEntries(needs.map((n) => [n, { result: results.get(n) === 'failed' ? 'failure' : results.get(n) === 'skipped' ? 'skipped' : 'success', outputs: {} }])),
        strategy: {},
        job: {},
        ...extra,
      },
      status: { success, failure: !success },
    });
    // Paths the job refers to must exist, whether or not it can run here.
    for (const path of missingPaths(stringify(job), r.dir)) {
      outcome.problems.push(`job "${label}" (${jobName}) refers to ${path}, which this repository does not have: it fails when it runs (every push to main)`);
    }
    let runsOnPush: boolean;
    try {
      runsOnPush = condition(job.if, ctxFor({}, failedNeeds.length === 0 && skippedNeeds.length === 0));
    } catch (error) {
      outcome.jobs.push({ ...base, status: 'failed', reason: `its if: could not be evaluated here: ${(error as Error).message}` });
      results.set(id, 'failed');
      continue;
    }
    if (!runsOnPush) {
      if (failedNeeds.length > 0) {
        outcome.jobs.push({ ...base, status: 'skipped', blocked: true, reason: `needs ${failedNeeds.join(', ')}, which failed` });
        results.set(id, 'failed');
      } else {
        const reason = skippedNeeds.length > 0 ? `needs ${skippedNeeds.join(', ')}, which does not run on a push to main` : `if: ${String(job.if)} is false on a push to main`;
        outcome.jobs.push({ ...base, status: 'not-in-pipeline', reason });
        results.set(id, 'skipped');
      }
      continue;
    }
    const environment = typeof job.environment === 'string' ? job.environment : job.environment?.name;
    const idToken = job.permissions?.['id-token'] === 'write' || workflow.permissions?.['id-token'] === 'write' || job.permissions === 'write-all';
    if (environment || idToken) {
      outcome.jobs.push({ ...base, reason: `deploys${environment ? ` to the ${String(environment)} environment` : ''}: needs cloud credentials (OIDC) and a cluster` });
      results.set(id, 'assumed');
      continue;
    }
    if (job.services || job.container) {
      outcome.jobs.push({ ...base, reason: `runs ${job.container ? 'in a container' : 'service containers'}: needs a container engine (none on this machine)` });
      results.set(id, 'assumed');
      continue;
    }
    if (typeof job.uses === 'string') {
      outcome.jobs.push({ ...base, reason: `calls the reusable workflow ${job.uses}` });
      results.set(id, 'assumed');
      continue;
    }
    const combos = matrixCombinations(job, outcome.notes, label);
    let jobFailed = false;
    for (const matrix of combos) {
      const suffix = Object.keys(matrix).length > 0 ? ` (${Object.entries(matrix).map(([k, v]) => `${k}=${toText(v as Value)}`).join(', ')})` : '';
      const result = await runJob(r, { workflow, job, id, label: label + suffix, jobName, runnerTemp, ctxFor: (extra, success) => ctxFor({ matrix, ...extra }, success) });
      result.commands = commands;
      outcome.jobs.push(result);
      if (result.status === 'failed') jobFailed = true;
    }
    results.set(id, jobFailed ? 'failed' : 'passed');
  }
}

interface JobRun {
  workflow: Obj;
  job: Obj;
  id: string;
  label: string;
  jobName: string;
  runnerTemp: string;
  ctxFor: (extra: Obj, success: boolean) => ExprContext;
}

async function runJob(r: GithubRun, j: JobRun): Promise<JobOutcome> {
  const out: JobOutcome = { id: j.label, name: j.jobName, status: 'passed', steps: [], commands: [] };
  const files = mkdtempSync(join(j.runnerTemp, 'files-'));
  const githubEnv = join(files, 'env');
  const githubPath = join(files, 'path');
  const githubOutput = join(files, 'output');
  const summary = join(files, 'summary');
  for (const f of [githubEnv, githubPath, githubOutput, summary]) writeFileSync(f, '');
  let nodeMajor = r.nodeMajor;
  const addedEnv: Record<string, string> = {};
  const addedPath: string[] = [];
  const stepsCtx: Obj = {};
  let failed = false;
  let ranOne = false;
  const steps = (j.job.steps ?? []) as Obj[];
  for (const [index, step] of steps.entries()) {
    const name = String(step.name ?? (step.uses ? `uses ${String(step.uses)}` : step.run ? String(step.run).split('\n')[0] : `step ${index + 1}`));
    const ctx = j.ctxFor({ steps: stepsCtx, env: { ...(j.workflow.env ?? {}), ...(j.job.env ?? {}), ...addedEnv, ...(step.env ?? {}) } }, !failed);
    let displayName = name;
    try {
      displayName = interpolate(name, ctx);
      if (!condition(step.if, ctx)) {
        out.steps.push({ name: displayName, command: step.run, status: 'skipped', ...(failed ? { blocked: true } : {}), reason: failed ? 'an earlier step failed' : `if: ${String(step.if)} is false` });
        continue;
      }
    } catch (error) {
      out.steps.push({ name: displayName, status: 'failed', reason: `could not evaluate it here: ${(error as Error).message}` });
      failed = true;
      continue;
    }
    if (typeof step.uses === 'string') {
      const action = step.uses.split('@')[0]!;
      if (action === 'actions/checkout') {
        out.steps.push({ name: displayName, status: 'skipped', reason: 'actions/checkout: the repository is the working folder (its first commit)' });
      } else if (action === 'actions/setup-node') {
        const w = (step.with ?? {}) as Obj;
        let version = w['node-version'] !== undefined ? interpolate(String(w['node-version']), ctx) : '';
        if (!version && w['node-version-file']) {
          const file = join(r.dir, interpolate(String(w['node-version-file']), ctx));
          version = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
          if (!version) {
            out.steps.push({ name: displayName, status: 'failed', reason: `actions/setup-node: node-version-file ${String(w['node-version-file'])} is missing or empty` });
            failed = true;
            continue;
          }
        }
        const major = Number(/^v?(\d+)/.exec(version)?.[1]);
        if (major) nodeMajor = major;
        out.steps.push({ name: displayName, status: 'passed', reason: `actions/setup-node emulated: Node.js ${nodeMajor} first on PATH${w.cache ? `; its ${String(w.cache)} cache is the shared npm cache` : ''}` });
      } else {
        out.steps.push({ name: displayName, status: 'skipped', reason: `an action (${String(step.uses)}): actions are not run here` });
      }
      continue;
    }
    if (typeof step.run !== 'string') {
      out.steps.push({ name: displayName, status: 'skipped', reason: 'neither run: nor uses:' });
      continue;
    }
    let script: string;
    try {
      script = interpolate(step.run, ctx);
    } catch (error) {
      out.steps.push({ name: displayName, command: step.run, status: 'failed', reason: `could not evaluate its expressions here: ${(error as Error).message}` });
      failed = true;
      continue;
    }
    const why = cannotRunHere(script);
    if (why) {
      out.steps.push({ name: displayName, command: step.run, status: 'skipped', reason: why });
      continue;
    }
    const shell = String(step.shell ?? j.job.defaults?.run?.shell ?? j.workflow.defaults?.run?.shell ?? 'bash');
    const argv = shell === 'bash' ? ['bash', '--noprofile', '--norc', '-eo', 'pipefail'] : shell === 'sh' ? ['sh', '-e'] : undefined;
    if (!argv) {
      out.steps.push({ name: displayName, command: step.run, status: 'skipped', reason: `shell ${shell} is not supported by this runner` });
      continue;
    }
    const workdir = step['working-directory'] ?? j.job.defaults?.run?.['working-directory'] ?? j.workflow.defaults?.run?.['working-directory'];
    const cwd = workdir ? join(r.dir, interpolate(String(workdir), ctx)) : r.dir;
    const scriptFile = join(files, `step-${index}.sh`);
    writeFileSync(scriptFile, script);
    const stepEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...(j.workflow.env ?? {}), ...(j.job.env ?? {}) })) stepEnv[k] = interpolate(String(v), ctx);
    Object.assign(stepEnv, addedEnv);
    for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx);
    const env = jobEnv(r.ws, await nodeBinDir(nodeMajor), {
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_REF_NAME: 'main',
      GITHUB_REF_TYPE: 'branch',
      GITHUB_SHA: r.sha,
      GITHUB_REPOSITORY: r.repository,
      GITHUB_REPOSITORY_OWNER: r.repository.split('/')[0]!,
      GITHUB_WORKSPACE: r.dir,
      GITHUB_RUN_ID: '1',
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: 'day-one',
      GITHUB_JOB: j.id,
      GITHUB_WORKFLOW: String(j.workflow.name ?? ''),
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'https://api.github.com',
      GITHUB_ENV: githubEnv,
      GITHUB_PATH: githubPath,
      GITHUB_OUTPUT: githubOutput,
      GITHUB_STEP_SUMMARY: summary,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      RUNNER_TEMP: j.runnerTemp,
      DAY_ONE_SHARED_INSTALL: r.sharedInstall,
      ...stepEnv,
    });
    if (addedPath.length > 0) env.PATH = [...addedPath, env.PATH].join(':');
    const timeoutMin = Number(step['timeout-minutes'] ?? j.job['timeout-minutes'] ?? 20);
    const ran = await runProcess(argv[0]!, [...argv.slice(1), scriptFile], { cwd, env, timeoutMs: Math.min(timeoutMin, 20) * 60_000 });
    ranOne = true;
    const status = ran.code === 0 ? 'passed' : step['continue-on-error'] === true ? 'passed' : 'failed';
    out.steps.push({
      name: displayName,
      command: step.run,
      status,
      exitCode: ran.code,
      ms: ran.ms,
      ...(ran.code !== 0 ? { tail: tail(ran.output), reason: `${exitText(ran)}${status === 'passed' ? ' (continue-on-error)' : ''}` } : {}),
      ...(ran.output.includes('day-one: `npm') ? { reason: 'the install that ran once for this dependency set (shared)' } : {}),
    });
    if (status === 'failed') failed = true;
    Object.assign(addedEnv, readEnvFile(githubEnv));
    writeFileSync(githubEnv, '');
    addedPath.unshift(...readFileSync(githubPath, 'utf8').split('\n').filter(Boolean).reverse());
    writeFileSync(githubPath, '');
    if (step.id) stepsCtx[String(step.id)] = { outputs: readEnvFile(githubOutput), outcome: status === 'passed' ? 'success' : 'failure', conclusion: status === 'passed' ? 'success' : 'failure' };
    writeFileSync(githubOutput, '');
  }
  if (failed) out.status = 'failed';
  else if (!ranOne) {
    out.status = 'skipped';
    const reasons = [...new Set(out.steps.filter((s) => s.status === 'skipped' && s.command).map((s) => s.reason))];
    out.reason = reasons.length > 0 ? `no run: step can run here (${reasons.join('; ')})` : 'only actions, which are not run here';
  }
  return out;
}
