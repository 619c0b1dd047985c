/**
 * The checks the day-one matrix runs directly, whatever the pipeline says: the service's npm
 * scripts, promtool on the Prometheus rules and their tests, and `kubectl kustomize` on each
 * overlay with the objects checked against the Kubernetes and Argo Rollouts schemas (the
 * kubernetes-models packages) and Kubernetes' name and label limits.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { exitText, jobEnv, nodeBinDir, runProcess, tail, type Ran, type Workspace } from './day-one.js';

type Obj = Record<string, any>;

export interface CheckResult {
  /** What ran, as a person would type it. */
  command: string;
  ok: boolean;
  /** Failure: what went wrong and the tool's last lines. */
  detail?: string;
  /** Worth saying even when it passed (what was not checked). */
  notes?: string[];
}

function failed(command: string, ran: Ran): CheckResult {
  return { command, ok: ran.code === 0, ...(ran.code === 0 ? {} : { detail: `\`${command}\` ${exitText(ran)}; last lines:\n${tail(ran.output)}`, notes: [] }) };
}

export interface CheckContext {
  ws: Workspace;
  dir: string;
  nodeMajor: number;
  sharedInstall: string;
}

async function env(c: CheckContext): Promise<NodeJS.ProcessEnv> {
  return jobEnv(c.ws, await nodeBinDir(c.nodeMajor), { DAY_ONE_SHARED_INSTALL: c.sharedInstall });
}

/** `npm run SCRIPT` (`npm test` for test) in the repository, as a developer or CI runs it. */
export async function npmScript(c: CheckContext, script: string): Promise<CheckResult> {
  const args = script === 'test' ? ['test'] : ['run', script];
  const command = `npm ${args.join(' ')}`;
  const ran = await runProcess('npm', args, { cwd: c.dir, env: await env(c), timeoutMs: 15 * 60_000 });
  return failed(command, ran);
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry)) out.push(full);
  }
  return out;
}

/** The rule files and the test files under observability/prometheus (a test file has `rule_files:` and `tests:`). */
export function prometheusFiles(dir: string): { root: string; rules: string[]; tests: string[] } {
  const root = join(dir, 'observability/prometheus');
  const rules: string[] = [];
  const tests: string[] = [];
  for (const file of yamlFiles(root)) {
    const docs = parseAllDocuments(readText(file)).map((d) => d.toJS() as Obj | null);
    const rel = relative(root, file);
    if (docs.some((d) => d && 'tests' in d && 'rule_files' in d)) tests.push(rel);
    else if (docs.some((d) => d && Array.isArray(d.groups))) rules.push(rel);
  }
  return { root, rules, tests };
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}

/** `promtool check rules` on every rule file, `promtool test rules` on every test file. */
export async function promtool(c: CheckContext): Promise<CheckResult[]> {
  const { root, rules, tests } = prometheusFiles(c.dir);
  const results: CheckResult[] = [];
  const e = await env(c);
  if (rules.length === 0) results.push({ command: 'promtool check rules', ok: false, detail: 'observability/prometheus holds no rule file (a YAML file with groups:)' });
  else results.push(failed(`(cd observability/prometheus && promtool check rules ${rules.join(' ')})`, await runProcess('promtool', ['check', 'rules', ...rules], { cwd: root, env: e })));
  if (tests.length === 0) results.push({ command: 'promtool test rules', ok: false, detail: 'observability/prometheus holds no promtool test file (a YAML file with rule_files: and tests:)' });
  else results.push(failed(`(cd observability/prometheus && promtool test rules ${tests.join(' ')})`, await runProcess('promtool', ['test', 'rules', ...tests], { cwd: root, env: e })));
  return results;
}

export function overlays(dir: string): string[] {
  const root = join(dir, 'deploy/overlays');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((env) => existsSync(join(root, env, 'kustomization.yaml')) || existsSync(join(root, env, 'kustomization.yml')))
    .sort();
}

const models = new Map<string, Promise<Obj | undefined>>();
/** The kubernetes-models class for an apiVersion and kind, if one is installed. */
function modelFor(apiVersion: string, kind: string): Promise<((o: Obj) => { validate(): void }) | undefined> {
  const spec = apiVersion.startsWith('argoproj.io/') ? `@kubernetes-models/argo-rollouts/${apiVersion}` : `kubernetes-models/${apiVersion}`;
  if (!models.has(spec)) models.set(spec, import(spec).then((m: Obj) => m, () => undefined));
  return models.get(spec)!.then((m) => {
    const Model = m?.[kind] as (new (o: Obj) => { validate(): void }) | undefined;
    return Model ? (o: Obj) => new Model(o) : undefined;
  });
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Kinds whose names must be DNS labels (63 characters): they become DNS names or label values. */
const LABEL_NAMED = new Set(['Namespace', 'Service']);

/** Kubernetes' limits on names and labels (the API server rejects what breaks them). */
export function nameProblems(o: Obj): string[] {
  const problems: string[] = [];
  const name = String(o.metadata?.name ?? '');
  const what = `${String(o.kind)} ${name}`;
  if (LABEL_NAMED.has(String(o.kind))) {
    if (name.length > 63 || !DNS_LABEL.test(name)) problems.push(`${what}: the name must be a DNS label of at most 63 characters (it is ${name.length})`);
  } else if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) problems.push(`${what}: the name must be a DNS subdomain of at most 253 characters`);
  const labelMaps: Array<[string, Obj | undefined]> = [
    ['metadata.labels', o.metadata?.labels],
    ['spec.selector.matchLabels', o.spec?.selector?.matchLabels],
    ['spec.template.metadata.labels', o.spec?.template?.metadata?.labels],
  ];
  for (const [where, labels] of labelMaps) {
    for (const [key, value] of Object.entries(labels ?? {})) {
      const v = String(value);
      if (v.length > 63 || (v !== '' && !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(v))) problems.push(`${what}: ${where}.${key} "${v}" is not a valid label value (at most 63 characters; it is ${v.length})`);
    }
  }
  return problems;
}

/** `kubectl kustomize deploy/overlays/ENV` for every overlay, and what it builds checked. */
export async function kustomize(c: CheckContext): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const e = await env(c);
  for (const overlay of overlays(c.dir)) {
    const path = `deploy/overlays/${overlay}`;
    const command = `kubectl kustomize ${path}`;
    const ran = await runProcess('kubectl', ['kustomize', path], { cwd: c.dir, env: e });
    if (ran.code !== 0) {
      results.push(failed(command, ran));
      continue;
    }
    const objects = parseAllDocuments(ran.output)
      .map((d) => d.toJS() as Obj | null)
      .filter((o): o is Obj => Boolean(o));
    const problems: string[] = [];
    const unchecked = new Set<string>();
    if (objects.length === 0) problems.push('it builds no object');
    for (const o of objects) {
      problems.push(...nameProblems(o));
      const model = await modelFor(String(o.apiVersion), String(o.kind));
      if (!model) {
        unchecked.add(`${String(o.apiVersion)} ${String(o.kind)}`);
        continue;
      }
      try {
        model(o).validate();
      } catch (error) {
        problems.push(`${String(o.kind)} ${String(o.metadata?.name)} does not match the ${String(o.apiVersion)} ${String(o.kind)} schema: ${(error as Error).message.split('\n').slice(0, 6).join(' / ')}`);
      }
    }
    results.push({
      command: `${command} (+ schemas, name and label limits)`,
      ok: problems.length === 0,
      ...(problems.length > 0 ? { detail: `${command}: ${objects.length} objects; problems:\n${problems.map((p) => `  - ${p}`).join('\n')}` } : {}),
      notes: unchecked.size > 0 ? [`no schema installed here for ${[...unchecked].sort().join(', ')} (built, not schema-checked)`] : [],
    });
  }
  return results;
}
