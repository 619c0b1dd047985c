/**
 * The `deploy` component (templates/deploy/1.0.0 and 1.1.0): renders each version under several
 * answer sets, builds every overlay with the real `kubectl kustomize`, and checks the output with
 *   - kubernetes-models 4 / @kubernetes-models/argo-rollouts 0.3 `.validate()` (types, enums, required);
 *   - an unknown-field check the models lack: every object is type-checked by the TypeScript
 *     compiler against the models' own interfaces (excess-property errors); the HTTPRoute, which
 *     has no model here, against an explicit allow-list of Gateway API v1 fields;
 *   - `promtool check rules` on the analysis queries (PromQL syntax);
 *   - what a user relies on: restricted security context, digest-pinned image, probes, resources,
 *     PDB/HPA/NetworkPolicies, HPA -> Rollout, Service selectors vs pod labels, analysis queries
 *     scoped to the service and the canary, flags mounted, secrets wiring per provider.
 * Then what 1.1.0 changed: the canary plan's worst case against the CI wait of pins.yaml (the
 * sums), the environment and version every overlay gives the pods' telemetry and the analysis,
 * names within Kubernetes' 63 characters, and an upgrade from 1.0.0 with a team's edits.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { parse as parseYaml, parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { AnalysisTemplate, Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1';
import { builtinTemplate, renderBuiltin, writeTree } from '../helpers/builtin.js';
import { planCreate } from '../helpers/upgrade-repo.js';
import { memoryFs } from '../helpers/memfs.js';
import { runInProcess } from '../helpers/in-process.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { EMPTY_LOCKFILE, parseLockfile } from '../../src/lock/lockfile.js';
import { gitTextMerger } from '../../src/merge/git-merge-file.js';

const run = promisify(execFile);
const VERSIONS = ['1.0.0', '1.1.0'] as const;
type Version = (typeof VERSIONS)[number];
const ENVS = ['dev', 'staging', 'prod'] as const;
type Env = (typeof ENVS)[number];
const REPO_ROOT = resolve(import.meta.dirname, '../..');
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** The longest name deploy 1.1.0 accepts (its `name` question's maxLength). */
const LONGEST_NAME = 'a-service-name-that-is-exactly-forty-four-ch';

type Obj = Record<string, any>;

interface Variant {
  id: string;
  target: string;
  answers: Record<string, unknown>;
}

// Every choice the questions offer: each secretsProvider, withSecrets on and off, both traffic
// routers, other ports, registries, names, thresholds and sizes.
const VARIANTS: Variant[] = [
  { id: 'defaults (external-secrets, no router)', target: 'payments-api', answers: {} },
  {
    id: 'no secrets, gateway-api, port 9090',
    target: 'payments-api',
    answers: {
      withSecrets: false,
      trafficRouter: 'gateway-api',
      port: 9090,
      registry: 'registry.example.org/platform',
      gatewayName: 'edge',
      gatewayNamespace: 'edge-system',
      hostname: 'payments.example.org',
      ingressNamespace: 'edge-system',
    },
  },
  {
    id: 'vault-agent, gateway-api, custom sizes and thresholds',
    target: 'checkout',
    answers: {
      secretsProvider: 'vault-agent',
      trafficRouter: 'gateway-api',
      port: 3000,
      registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop',
      prometheusAddress: 'https://prometheus.example.internal',
      analysisSuccessRate: 0.995,
      analysisLatencyP99Seconds: 0.25,
      cpuRequest: '250m',
      cpuLimit: '2',
      memoryLimit: '1Gi',
    },
  },
  {
    id: 'sops, no router, port 1024',
    target: 'orders',
    answers: { secretsProvider: 'sops', port: 1024, registry: 'europe-docker.pkg.dev/acme/services', owner: 'orders-team' },
  },
  {
    id: 'the longest name, gateway-api, a registry with a port',
    target: LONGEST_NAME,
    answers: { trafficRouter: 'gateway-api', registry: 'registry.example.org:5000/platform' },
  },
];

interface Built {
  variant: Variant;
  values: Record<string, any>;
  dir: string;
  files: Map<string, string>;
  /** Objects of `kubectl kustomize deploy/overlays/<env>`. */
  envs: Record<Env, Obj[]>;
}

// --- tools -------------------------------------------------------------------------------------

async function tool(cmd: string, args: string[], cwd?: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`"${cmd}" is not installed or not on PATH; the deploy component test needs it to validate the rendered manifests`);
    }
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stderr ?? e.message}`);
  }
}

// --- the secrets component stand-in -------------------------------------------------------------

/**
 * A minimal stand-in for deploy/components/secrets (the secrets component's path): it does what
 * the real one does to the objects this component owns. external-secrets/sops: a namespaced object
 * without a namespace (the overlay must put it into the service's namespace). vault-agent: the
 * pod-template annotations (strategic merge) and SECRETS_FILE appended to the first container's env
 * (JSON patch), which only works if the base declares that env list.
 */
function writeSecretsStandIn(dir: string, name: string, provider: string): void {
  const root = join(dir, 'deploy/components/secrets');
  mkdirSync(root, { recursive: true });
  if (provider === 'vault-agent') {
    writeFileSync(
      join(root, 'kustomization.yaml'),
      stringify({
        apiVersion: 'kustomize.config.k8s.io/v1alpha1',
        kind: 'Component',
        patches: [
          {
            target: { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', name },
            patch: stringify({
              apiVersion: 'argoproj.io/v1alpha1',
              kind: 'Rollout',
              metadata: { name },
              spec: { template: { metadata: { annotations: { 'vault.hashicorp.com/agent-inject': 'true' } } } },
            }),
          },
          {
            target: { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout', name },
            patch: stringify([{ op: 'add', path: '/spec/template/spec/containers/0/env/-', value: { name: 'SECRETS_FILE', value: '/vault/secrets/app.env' } }]),
          },
        ],
      }),
    );
  } else {
    writeFileSync(
      join(root, 'kustomization.yaml'),
      stringify({ apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component', resources: ['stand-in.yaml'] }),
    );
    writeFileSync(
      join(root, 'stand-in.yaml'),
      stringify({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: `${name}-secrets-reader` }, automountServiceAccountToken: false }),
    );
  }
}

// --- unknown fields ---------------------------------------------------------------------------

/** kind -> the model interface whose declared fields are the only ones allowed. */
const MODEL_TYPES: Record<string, { from: string; type: string }> = {
  Namespace: { from: 'kubernetes-models/v1/Namespace', type: 'INamespace' },
  ServiceAccount: { from: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  ConfigMap: { from: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  Service: { from: 'kubernetes-models/v1/Service', type: 'IService' },
  PodDisruptionBudget: { from: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
  HorizontalPodAutoscaler: { from: 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler', type: 'IHorizontalPodAutoscaler' },
  NetworkPolicy: { from: 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy', type: 'INetworkPolicy' },
  Rollout: { from: '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/Rollout', type: 'IRollout' },
  AnalysisTemplate: { from: '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1/AnalysisTemplate', type: 'IAnalysisTemplate' },
};

/**
 * Type-checks each object literal against its model interface with the TypeScript compiler:
 * an unknown key anywhere in a literal is an excess-property error, a wrong type a type error.
 * Returns the compiler's messages (the first problem of each object), labelled with the object.
 */
function typeCheckAgainstModels(objects: { label: string; obj: Obj }[]): string[] {
  const file = join(REPO_ROOT, 'test/catalog/__deploy-models-check__.ts'); // virtual, never written
  const kinds = [...new Set(objects.map((o) => o.obj.kind as string))];
  const lines = kinds.map((k) => `import type { ${MODEL_TYPES[k]!.type} } from '${MODEL_TYPES[k]!.from}';`);
  const labelAtLine: string[] = [];
  const first = lines.length;
  objects.forEach(({ label, obj }, i) => {
    lines.push(`export const o${i}: ${MODEL_TYPES[obj.kind]!.type} = ${JSON.stringify(obj)};`);
    labelAtLine[first + i] = label;
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    noEmit: true,
    strict: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang, ...rest));
  host.fileExists = (name) => name === file || fileExists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line : -1;
    return `${labelAtLine[line] ?? 'import'}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').slice(0, 400)}`;
  });
}

/** An allow-list: `true` = any value, an object = only these keys, [x] = a list of x. */
type KeySpec = true | { [key: string]: KeySpec } | [KeySpec];
const METADATA: KeySpec = { name: true, namespace: true, labels: true, annotations: true };
/** The Gateway API v1 HTTPRoute fields (gateway.networking.k8s.io/v1, standard channel) this component may use. */
const HTTPROUTE: KeySpec = {
  apiVersion: true,
  kind: true,
  metadata: METADATA,
  spec: {
    parentRefs: [{ group: true, kind: true, name: true, namespace: true, sectionName: true, port: true }],
    hostnames: true,
    rules: [
      {
        name: true,
        matches: [{ path: { type: true, value: true }, headers: true, queryParams: true, method: true }],
        filters: true,
        timeouts: { request: true, backendRequest: true },
        backendRefs: [{ group: true, kind: true, name: true, namespace: true, port: true, weight: true, filters: true }],
      },
    ],
  },
};
/** trafficRouting.plugins is free-form in the CRD: the one plugin used, and its documented keys. */
const ROLLOUT_PLUGINS: KeySpec = { 'argoproj-labs/gatewayAPI': { httpRoute: true, namespace: true } };

function unknownKeys(value: unknown, spec: KeySpec, path: string): string[] {
  if (spec === true || value === null || typeof value !== 'object') return [];
  if (Array.isArray(spec)) {
    return Array.isArray(value) ? value.flatMap((v, i) => unknownKeys(v, spec[0], `${path}/${i}`)) : [`${path}: expected a list`];
  }
  return Object.entries(value as Obj).flatMap(([k, v]) => (k in spec ? unknownKeys(v, spec[k]!, `${path}/${k}`) : [`${path}/${k}`]));
}

// --- helpers over the built objects -------------------------------------------------------------

const labelOf = (b: Built, env: string, o: Obj): string => `[${b.variant.id}] ${env} ${o.kind}/${o.metadata?.name}`;
const ofKind = (objs: Obj[], kind: string): Obj[] => objs.filter((o) => o.kind === kind);
function one(objs: Obj[], kind: string, name?: string): Obj {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
  expect(found, `exactly one ${kind}${name ? ` named ${name}` : ''}`).toHaveLength(1);
  return found[0]!;
}
const podSpecOf = (objs: Obj[]): Obj => one(objs, 'Rollout').spec.template.spec;
const appContainer = (objs: Obj[]): Obj => {
  const c = podSpecOf(objs).containers.find((x: Obj) => x.name === 'app');
  expect(c, 'a container named app').toBeDefined();
  return c;
};
const envValue = (c: Obj, name: string): string | undefined => c.env?.find((e: Obj) => e.name === name)?.value;
const subsetOf = (a: Obj, b: Obj): boolean => Object.entries(a).every(([k, v]) => b[k] === v);

// --- build everything once ---------------------------------------------------------------------

/** `kubectl kustomize deploy/overlays/<env>` of a rendered folder, as objects. */
async function buildOverlay(dir: string, env: Env): Promise<Obj[]> {
  const out = await tool('kubectl', ['kustomize', join(dir, 'deploy/overlays', env)]);
  return parseAllDocuments(out).map((d) => {
    expect(d.errors, `YAML of ${env}`).toEqual([]);
    return d.toJS() as Obj;
  });
}

async function build(version: Version, variant: Variant): Promise<Built> {
  const { tree, values } = await renderBuiltin(`deploy@${version}`, variant.answers, variant.target);
  const dir = writeTree(tree);
  const files = new Map([...tree].map(([p, f]) => [p, Buffer.from(f.bytes).toString('utf8')]));
  if (values.withSecrets) writeSecretsStandIn(dir, values.name, values.secretsProvider);
  const envs = {} as Record<Env, Obj[]>;
  for (const env of ENVS) envs[env] = await buildOverlay(dir, env);
  return { variant, values, dir, files, envs };
}

const built = Object.fromEntries(VERSIONS.map((v) => [v, [] as Built[]])) as Record<Version, Built[]>;
const scratch: string[] = [];

beforeAll(async () => {
  // Fail (not skip) with a clear message when a validator is missing.
  await tool('kubectl', ['version', '--client']);
  await tool('promtool', ['--version']);
  for (const version of VERSIONS) built[version].push(...(await Promise.all(VARIANTS.map((variant) => build(version, variant)))));
}, 180_000);

afterAll(() => {
  for (const b of Object.values(built).flat()) rmSync(b.dir, { recursive: true, force: true });
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** A copy of a built folder to change (the shared ones stay as rendered). */
function copyOf(b: Built): string {
  const dir = mkdtempSync(join(tmpdir(), 'deploy-copy-'));
  scratch.push(dir);
  cpSync(b.dir, dir, { recursive: true });
  return dir;
}

/** The pod's environment as the kubelet makes it: $(VAR) expands to an earlier variable; values from the downward API are <NAME> here. */
function resolvedEnv(c: Obj): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env as Obj[]) {
    env[e.name] = e.valueFrom ? `<${e.name}>` : String(e.value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (ref, v: string) => env[v] ?? ref);
  }
  return env;
}

/** OTEL_RESOURCE_ATTRIBUTES (key=value,key=value) as the SDKs read it. */
function resourceAttributes(c: Obj): Record<string, string> {
  const raw = resolvedEnv(c).OTEL_RESOURCE_ATTRIBUTES ?? '';
  return Object.fromEntries(raw.split(',').map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
}

const SPEC = (version: Version): string => `deploy@${version}`;

describe.each(VERSIONS)('deploy@%s', (version) => {
  const each = (fn: (b: Built, env: Env, objs: Obj[]) => void) => {
    for (const b of built[version]) for (const env of ENVS) fn(b, env, b.envs[env]);
  };

  describe('rendering', () => {
    it('renders the files the component owns, and only those (CONVENTIONS.md paths)', () => {
      for (const b of built[version]) {
        const paths = [...b.files.keys()].sort();
        for (const p of paths) expect(p, p).toMatch(/^(deploy\/base\/|deploy\/overlays\/(dev|staging|prod)\/|deploy\/flags\/|deploy\/README\.md$|docs\/runbooks\/rollback\.md$)/);
        for (const must of ['deploy/base/kustomization.yaml', 'deploy/base/rollout.yaml', 'deploy/base/analysis-template.yaml', 'deploy/base/service.yaml', 'deploy/base/pdb.yaml', 'deploy/base/hpa.yaml', 'deploy/base/networkpolicy.yaml', 'deploy/base/namespace.yaml', 'deploy/flags/flags.json', 'deploy/README.md', 'docs/runbooks/rollback.md', ...ENVS.map((e) => `deploy/overlays/${e}/kustomization.yaml`)]) {
          expect(paths, `[${b.variant.id}] renders ${must}`).toContain(must);
        }
      }
    });

    it('is deterministic: the same answers render the same bytes', async () => {
      const a = await renderBuiltin(SPEC(version), VARIANTS[2]!.answers, VARIANTS[2]!.target);
      const b = await renderBuiltin(SPEC(version), VARIANTS[2]!.answers, VARIANTS[2]!.target);
      expect([...a.tree.keys()]).toEqual([...b.tree.keys()]);
      for (const [path, file] of a.tree) expect(Buffer.from(file.bytes).equals(Buffer.from(b.tree.get(path)!.bytes)), path).toBe(true);
    });

    it('leaves no Handlebars behind, only the analysis argument Argo Rollouts fills in', () => {
      for (const b of built[version]) {
        for (const [path, text] of b.files) {
          const leftovers = text.replaceAll('{{args.canary-hash}}', '').replaceAll('{{args.environment}}', '').match(/\{\{|\}\}/g);
          expect(leftovers, `${b.variant.id}: ${path}`).toBeNull();
        }
      }
    });

    it('renders no secret value', () => {
      const patterns = [/AKIA[0-9A-Z]{16}/, /-----BEGIN/, /\b(password|passwd|secret|token|api[_-]?key)\s*[:=]\s*["']?[A-Za-z0-9/+]{6,}/i, /changeme/i];
      for (const b of built[version]) for (const [path, text] of b.files) for (const p of patterns) expect(text, `${path} matches ${p}`).not.toMatch(p);
      each((b, env, objs) => expect(ofKind(objs, 'Secret'), `${labelOf(b, env, {})} renders no Secret`).toEqual([]));
    });

    it('keeps flags.json a valid flagd definition file', () => {
      for (const b of built[version]) {
        const flags = JSON.parse(b.files.get('deploy/flags/flags.json')!);
        expect(flags.$schema).toBe('https://flagd.dev/schema/v0/flags.json');
        expect(Object.keys(flags.flags).length).toBeGreaterThan(0);
        for (const [key, flag] of Object.entries<Obj>(flags.flags)) {
          expect(key).toMatch(/^[a-z][a-z0-9-]*$/);
          expect(['ENABLED', 'DISABLED']).toContain(flag.state);
          expect(Object.keys(flag.variants).length, key).toBeGreaterThan(0);
          expect(Object.keys(flag.variants), `${key} defaultVariant`).toContain(flag.defaultVariant);
        }
      }
    });

    it('pins each overlay by a digest of the right form and includes the secrets component only when asked', () => {
      for (const b of built[version]) {
        for (const env of ENVS) {
          const k = parseYaml(b.files.get(`deploy/overlays/${env}/kustomization.yaml`)!) as Obj;
          expect(k.namespace).toBe(b.values.name);
          expect(k.resources).toEqual(['../../base']);
          expect(k.images).toEqual([{ name: `${b.values.registry}/${b.values.name}`, digest: expect.stringMatching(DIGEST) }]);
          if (b.values.withSecrets) expect(k.components).toEqual(['../../components/secrets']);
          else expect(k.components).toBeUndefined();
        }
      }
    });
  });

  describe('kubectl kustomize output', () => {
    it('builds every overlay into objects the Kubernetes and Argo Rollouts models accept', () => {
      const models: Record<string, (o: Obj) => { validate(): void }> = {
        Namespace: (o) => new Namespace(o as any),
        ServiceAccount: (o) => new ServiceAccount(o as any),
        ConfigMap: (o) => new ConfigMap(o as any),
        Service: (o) => new Service(o as any),
        PodDisruptionBudget: (o) => new PodDisruptionBudget(o as any),
        HorizontalPodAutoscaler: (o) => new HorizontalPodAutoscaler(o as any),
        NetworkPolicy: (o) => new NetworkPolicy(o as any),
        Rollout: (o) => new Rollout(o as any),
        AnalysisTemplate: (o) => new AnalysisTemplate(o as any),
      };
      let validated = 0;
      each((b, env, objs) => {
        expect(objs.length).toBeGreaterThan(0);
        for (const o of objs) {
          if (o.kind === 'HTTPRoute') {
            expect(o.apiVersion, labelOf(b, env, o)).toBe('gateway.networking.k8s.io/v1');
            continue; // no model installed: checked field by field below
          }
          const model = models[o.kind];
          expect(model, `${labelOf(b, env, o)}: a kind this test knows`).toBeDefined();
          expect(() => model!(o).validate(), labelOf(b, env, o)).not.toThrow();
          validated++;
        }
      });
      expect(validated).toBeGreaterThan(100);
    });

    it('has no unknown fields (TypeScript excess-property check against the models; allow-list for HTTPRoute)', () => {
      const objects: { label: string; obj: Obj }[] = [];
      const problems: string[] = [];
      each((b, env, objs) => {
        for (const o of objs) {
          if (o.kind === 'HTTPRoute') problems.push(...unknownKeys(o, HTTPROUTE, labelOf(b, env, o)));
          else objects.push({ label: labelOf(b, env, o), obj: o });
          if (o.kind === 'Rollout' && o.spec.strategy.canary.trafficRouting) {
            problems.push(...unknownKeys(o.spec.strategy.canary.trafficRouting.plugins, ROLLOUT_PLUGINS, `${labelOf(b, env, o)} plugins`));
          }
        }
      });
      problems.push(...typeCheckAgainstModels(objects));
      expect(problems).toEqual([]);
    });

    it('puts every namespaced object into the service namespace, which enforces the restricted Pod Security Standard', () => {
      each((b, env, objs) => {
        const ns = one(objs, 'Namespace');
        expect(ns.metadata.name).toBe(b.values.name);
        expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
        for (const o of objs.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace, labelOf(b, env, o)).toBe(b.values.name);
        // the recommended labels on everything this component writes (the stand-in is the secrets component's)
        for (const o of objs.filter((x) => x.metadata.name !== `${b.values.name}-secrets-reader`)) {
          expect(o.metadata.labels?.['app.kubernetes.io/name'], labelOf(b, env, o)).toBe(b.values.name);
          expect(o.metadata.labels?.['app.kubernetes.io/managed-by'], labelOf(b, env, o)).toBe('kustomize');
        }
      });
    });

    it('runs every container with the restricted security context', () => {
      each((b, env, objs) => {
        const pod = podSpecOf(objs);
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
        for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
          const sc = c.securityContext;
          expect(sc, `${labelOf(b, env, {})} container ${c.name}`).toBeDefined();
          expect(sc.runAsNonRoot).toBe(true);
          expect(sc.runAsUser).toBeGreaterThan(0);
          expect(sc.allowPrivilegeEscalation).toBe(false);
          expect(sc.readOnlyRootFilesystem).toBe(true);
          expect(sc.capabilities.drop).toEqual(['ALL']);
          expect(sc.capabilities.add).toBeUndefined();
          expect(sc.privileged).toBeUndefined();
          expect(sc.seccompProfile?.type ?? pod.securityContext.seccompProfile.type).toBe('RuntimeDefault');
          // read-only root filesystem: /tmp must be a writable emptyDir
          const tmp = c.volumeMounts.find((m: Obj) => m.mountPath === '/tmp');
          expect(pod.volumes.find((v: Obj) => v.name === tmp?.name)?.emptyDir, 'emptyDir /tmp').toBeDefined();
        }
        expect(pod.hostNetwork ?? false).toBe(false);
        expect(pod.hostPID ?? false).toBe(false);
      });
    });

    it('pins the image by digest and wires port, probes, resources, env and shutdown', () => {
      each((b, env, objs) => {
        const v = b.values;
        const pod = podSpecOf(objs);
        const c = appContainer(objs);
        expect(c.image).toMatch(new RegExp(`^${v.registry.replace(/[.]/g, '\\.')}/${v.name}@sha256:[0-9a-f]{64}$`));
        expect(c.ports).toEqual([{ name: 'http', containerPort: v.port, protocol: 'TCP' }]);
        expect(c.startupProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
        expect(c.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'http' });
        expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
        for (const r of ['cpu', 'memory']) {
          expect(c.resources.requests[r], `${r} request`).toBeTruthy();
          expect(c.resources.limits[r], `${r} limit`).toBeTruthy();
        }
        expect(c.resources.limits.cpu).toBe(v.cpuLimit);
        expect(c.resources.limits.memory).toBe(v.memoryLimit);
        expect(c.resources.requests.memory).toBe(v.memoryLimit);
        expect(c.resources.requests.cpu).toBe(env === 'dev' ? '50m' : v.cpuRequest);
        expect(envValue(c, 'PORT')).toBe(String(v.port));
        expect(envValue(c, 'OTEL_SERVICE_NAME')).toBe(v.name);
        expect(envValue(c, 'OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('http://otel-collector.observability.svc:4318');
        expect(envValue(c, 'FLAGS_FILE')).toBe('/etc/flags/flags.json');
        if (version === '1.0.0') expect(envValue(c, 'OTEL_RESOURCE_ATTRIBUTES')).toBe('rollouts.pod_template_hash=$(POD_TEMPLATE_HASH)');
        else expect(resourceAttributes(c)['rollouts.pod_template_hash']).toBe('<POD_TEMPLATE_HASH>');
        const hash = c.env.findIndex((e: Obj) => e.name === 'POD_TEMPLATE_HASH');
        expect(c.env[hash].valueFrom.fieldRef.fieldPath).toBe("metadata.labels['rollouts-pod-template-hash']");
        // the kubelet expands $(VAR) only for a variable defined earlier in the list
        expect(Object.values(resolvedEnv(c)).join(' '), 'every $(VAR) refers to an earlier variable').not.toMatch(/\$\(/);
        // the grace period outlasts the preStop sleep plus the service's own drain timeout
        const drain = Number(envValue(c, 'SHUTDOWN_TIMEOUT_MS')) / 1000;
        const preStop = Number(c.lifecycle.preStop.exec.command[1]);
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(drain + preStop);
        expect(pod.serviceAccountName).toBe(v.name);
        one(objs, 'ServiceAccount', v.name);
        expect(pod.topologySpreadConstraints.map((t: Obj) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      });
    });

    it('mounts the generated flags ConfigMap holding flags.json', () => {
      each((b, env, objs) => {
        const pod = podSpecOf(objs);
        const vol = pod.volumes.find((x: Obj) => x.name === 'flags');
        const cm = one(objs, 'ConfigMap', vol.configMap.name);
        expect(cm.metadata.name).toMatch(new RegExp(`^${b.values.name}-flags-[a-z0-9]{10}$`));
        expect(JSON.parse(cm.data['flags.json'])).toEqual(JSON.parse(b.files.get('deploy/flags/flags.json')!));
        expect(appContainer(objs).volumeMounts).toContainEqual({ name: 'flags', mountPath: '/etc/flags', readOnly: true });
      });
    });

    it('wires secrets per provider, and not at all without the secrets component', () => {
      each((b, env, objs) => {
        const v = b.values;
        const pod = podSpecOf(objs);
        const c = appContainer(objs);
        const vault = v.withSecrets && v.secretsProvider === 'vault-agent';
        if (v.withSecrets && !vault) {
          expect(c.envFrom).toEqual([{ secretRef: { name: `${v.name}-secrets`, optional: true } }]);
          const standIn = one(objs, 'ServiceAccount', `${v.name}-secrets-reader`);
          expect(standIn.metadata.namespace, 'component objects land in the service namespace').toBe(v.name);
        } else {
          expect(c.envFrom).toBeUndefined();
        }
        expect(pod.automountServiceAccountToken).toBe(vault);
        if (vault) {
          expect(envValue(c, 'SECRETS_FILE'), 'the secrets component can append to env').toBe('/vault/secrets/app.env');
          expect(one(objs, 'Rollout').spec.template.metadata.annotations['vault.hashicorp.com/agent-inject']).toBe('true');
        }
      });
    });

    it('selects the Rollout pods with both Services, and splits traffic as the router answer says', () => {
      each((b, env, objs) => {
        const v = b.values;
        const rollout = one(objs, 'Rollout');
        const podLabels = rollout.spec.template.metadata.labels;
        expect(subsetOf(rollout.spec.selector.matchLabels, podLabels)).toBe(true);
        for (const svcName of [v.name, `${v.name}-canary`]) {
          const svc = one(objs, 'Service', svcName);
          expect(subsetOf(svc.spec.selector, podLabels), `${svcName} selects the pods`).toBe(true);
          expect(svc.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
        }
        const canary = rollout.spec.strategy.canary;
        expect(canary.canaryService).toBe(`${v.name}-canary`);
        expect(canary.maxUnavailable).toBe(0);
        if (v.trafficRouter === 'gateway-api') {
          expect(canary.stableService).toBe(v.name);
          expect(canary.trafficRouting.plugins['argoproj-labs/gatewayAPI']).toEqual({ httpRoute: v.name, namespace: v.name });
          const route = one(objs, 'HTTPRoute', v.name);
          expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: v.gatewayName, namespace: v.gatewayNamespace }]);
          expect(route.spec.hostnames).toEqual([v.hostname]);
          const backends = route.spec.rules[0].backendRefs;
          expect(backends.map((r: Obj) => [r.name, r.port, r.weight])).toEqual([[v.name, 80, 100], [`${v.name}-canary`, 80, 0]]);
        } else {
          // without a router a stableService would take the canary out of the Service users call
          expect(canary.stableService).toBeUndefined();
          expect(canary.trafficRouting).toBeUndefined();
          expect(ofKind(objs, 'HTTPRoute')).toEqual([]);
        }
      });
    });

    it('gates staging and prod on the analysis at every weight, keeps dev fast, and aborts on failure', () => {
      each((b, env, objs) => {
        const v = b.values;
        const rollout = one(objs, 'Rollout');
        expect(rollout.spec.replicas, 'the HPA owns the replica count').toBeUndefined();
        expect(rollout.spec.progressDeadlineAbort).toBe(true);
        const steps: Obj[] = rollout.spec.strategy.canary.steps;
        const weights = steps.filter((s) => s.setWeight !== undefined).map((s) => s.setWeight);
        expect(weights).toEqual({ dev: [50], staging: [10, 25, 50], prod: [10, 25, 50, 75] }[env]);
        const analyses = steps.filter((s) => s.analysis);
        if (env === 'dev') {
          expect(analyses).toEqual([]);
          return;
        }
        // after each weight: a pause (data), then the gate
        steps.forEach((s, i) => {
          if (s.setWeight !== undefined) {
            expect(steps[i + 1]?.pause?.duration, `pause after ${s.setWeight}%`).toBeTruthy();
            expect(steps[i + 2]?.analysis, `analysis after ${s.setWeight}%`).toBeDefined();
          }
        });
        const template = one(objs, 'AnalysisTemplate');
        for (const a of analyses) {
          expect(a.analysis.templates).toEqual([{ templateName: template.metadata.name }]);
          expect(a.analysis.args).toEqual([{ name: 'canary-hash', valueFrom: { podTemplateHashValue: 'Latest' } }]);
        }
        // 1.1.0: the overlay gives the analysis its environment's name, the one its pods report
        expect(template.spec.args).toEqual(version === '1.0.0' ? [{ name: 'canary-hash' }] : [{ name: 'canary-hash' }, { name: 'environment', value: env }]);
        for (const m of template.spec.metrics) {
          expect(m.provider.prometheus.address).toBe(v.prometheusAddress);
          // a failure (or an unreachable Prometheus) must abort: limits that cannot let an unmeasured canary pass
          expect(m.failureLimit).toBeLessThanOrEqual(1);
          expect(m.consecutiveErrorLimit).toBe(0);
          expect(m.inconclusiveLimit).toBe(0);
          expect(m.count).toBeGreaterThanOrEqual(3);
          expect(m.successCondition).toBeTruthy();
          expect(m.failureCondition).toBeTruthy();
        }
        const byName = Object.fromEntries(template.spec.metrics.map((m: Obj) => [m.name, m]));
        expect(byName['success-rate'].successCondition).toBe(`result >= ${v.analysisSuccessRate}`);
        expect(byName['latency-p99'].successCondition).toBe(`result <= ${v.analysisLatencyP99Seconds}`);
      });
    });

    it('scopes every analysis query to this service and the canary pods, with the CONVENTIONS.md metric names', () => {
      each((b, env, objs) => {
        for (const m of one(objs, 'AnalysisTemplate').spec.metrics) {
          const q: string = m.provider.prometheus.query;
          // a selector ends at the first "}" that does not close the Argo Rollouts argument {{...}}
          const selector = /http_server_request_duration_seconds_(bucket|count|sum)\{(?:[^{}]|\{\{[^{}]*\}\})*\}/g;
          const selectors = q.match(selector) ?? [];
          expect(selectors.length, m.name).toBeGreaterThan(0);
          for (const s of selectors) {
            expect(s).toContain(`service_name="${b.values.name}"`);
            expect(s).toContain('rollouts_pod_template_hash="{{args.canary-hash}}"');
            // 1.1.0: only this environment's series (the label of deployment.environment.name)
            if (version !== '1.0.0') expect(s).toContain('deployment_environment_name="{{args.environment}}"');
          }
          expect(q.replace(selector, ''), 'no other metric is queried').not.toMatch(/\w+\{/);
        }
      });
    });

    it('writes analysis queries that promtool accepts as PromQL', async () => {
      for (const b of built[version]) {
        const template = one(b.envs.prod, 'AnalysisTemplate');
        const rules = {
          groups: [
            {
              name: 'canary-analysis',
              rules: template.spec.metrics.map((m: Obj) => ({
                record: `deploy:canary_${m.name.replaceAll('-', '_')}`,
                expr: m.provider.prometheus.query.replaceAll('{{args.canary-hash}}', '5d4c8f9b7').replaceAll('{{args.environment}}', 'prod'),
              })),
            },
          ],
        };
        const file = join(b.dir, 'analysis-queries.rules.yaml');
        writeFileSync(file, stringify(rules));
        const out = await tool('promtool', ['check', 'rules', file]);
        expect(out).toMatch(/SUCCESS: 2 rules found/);
      }
    });

    it('autoscales the Rollout per environment and keeps a PodDisruptionBudget', () => {
      each((b, env, objs) => {
        const hpa = one(objs, 'HorizontalPodAutoscaler');
        expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: b.values.name });
        expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual({ dev: [1, 3], staging: [2, 4], prod: [3, 10] }[env]);
        const pdb = one(objs, 'PodDisruptionBudget');
        expect(subsetOf(pdb.spec.selector.matchLabels, one(objs, 'Rollout').spec.template.metadata.labels)).toBe(true);
        expect(pdb.spec.maxUnavailable).toBe(1);
      });
    });

    it('denies all traffic by default and opens only what the service needs', () => {
      each((b, env, objs) => {
        const v = b.values;
        const policies = ofKind(objs, 'NetworkPolicy');
        const deny = policies.find((p) => Object.keys(p.spec.podSelector).length === 0);
        expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
        const podLabels = one(objs, 'Rollout').spec.template.metadata.labels;
        const forPods = policies.filter((p) => p !== deny);
        for (const p of forPods) expect(subsetOf(p.spec.podSelector.matchLabels, podLabels), p.metadata.name).toBe(true);
        const ingress = forPods.flatMap((p) => p.spec.ingress ?? []);
        expect(ingress).toHaveLength(1);
        expect(ingress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
        expect(ingress[0].from.map((f: Obj) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual([v.ingressNamespace, 'monitoring']);
        const egress = forPods.flatMap((p) => p.spec.egress ?? []);
        const ports = egress.flatMap((e: Obj) => e.ports.map((p: Obj) => `${p.port}/${p.protocol}`)).sort();
        const vault = v.withSecrets && v.secretsProvider === 'vault-agent';
        expect(ports).toEqual(['4317/TCP', '4318/TCP', '443/TCP', '53/TCP', '53/UDP', ...(vault ? ['8200/TCP'] : [])].sort());
        const dns = egress.find((e: Obj) => e.ports.some((p: Obj) => p.port === 53));
        expect(dns.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('kube-system');
        const otel = egress.find((e: Obj) => e.ports.some((p: Obj) => p.port === 4318));
        expect(otel.to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('observability');
      });
    });
  });

  describe('docs', () => {
    it('has a rollback runbook with the commands for this service', () => {
      for (const b of built[version]) {
        const name = b.values.name;
        const runbook = b.files.get('docs/runbooks/rollback.md')!;
        for (const cmd of ['abort', 'undo', 'promote', 'status', 'get rollout', 'retry rollout', 'restart']) {
          expect(runbook, cmd).toContain(`kubectl argo rollouts ${cmd} ${name} -n ${name}`);
        }
        expect(runbook).toContain(`${b.values.repoUrl}/blob/main/deploy/README.md`);
        const readme = b.files.get('deploy/README.md')!;
        expect(readme).toContain('../docs/runbooks/rollback.md');
        expect(existsSync(join(b.dir, 'docs/runbooks/rollback.md'))).toBe(true);
      }
    });

    it('marks the flags file as the team\'s (policy once), and the runbook too in 1.0.0 (merged since 1.1.0)', async () => {
      const { tree } = await renderBuiltin(SPEC(version), {});
      expect(tree.get('docs/runbooks/rollback.md')!.policy).toBe(version === '1.0.0' ? 'once' : 'merge');
      expect(tree.get('deploy/flags/flags.json')!.policy).toBe('once');
      expect(tree.get('deploy/base/rollout.yaml')!.policy).toBe('merge');
      const manifest = parseYaml(readFileSync(join(REPO_ROOT, `templates/deploy/${version}/template.yaml`), 'utf8')) as Obj;
      expect(manifest.questions.find((q: Obj) => q.name === 'withSecrets')).toMatchObject({ type: 'boolean', default: true });
    });
  });
});

// ---------------------------------------------------------------------------------------------
// 1.1.0: what changed since 1.0.0
// ---------------------------------------------------------------------------------------------

const PINS = parseYaml(readFileSync(join(REPO_ROOT, 'templates/pins.yaml'), 'utf8')) as { rollout: Record<string, number> };
const ROLLOUT = PINS.rollout;

/** An Argo Rollouts duration (a number of seconds, or "30s", "5m", "1h") in seconds. */
function seconds(duration: unknown): number {
  if (typeof duration === 'number') return duration;
  const match = /^(\d+)(s|m|h)$/.exec(String(duration));
  expect(match, `a duration: ${String(duration)}`).not.toBeNull();
  return Number(match![1]) * { s: 1, m: 60, h: 3600 }[match![2] as 's' | 'm' | 'h'];
}

/**
 * The longest a full promotion can take without anyone stepping in, from the rendered objects:
 * every pause, every analysis gate (its metrics run side by side; each takes `count`
 * measurements `interval` apart, counted as count x interval), and the new pods' start-up at
 * every weight and at the final promotion to 100 % (the startup probe's whole allowance plus
 * one readiness period). A pause without a duration waits for a person: no budget fits it.
 */
function worstCase(objs: Obj[]): { pauses: number; analyses: number; starts: number; total: number } {
  const rollout = one(objs, 'Rollout');
  const canary = rollout.spec.strategy.canary;
  expect(canary.analysis, 'no background analysis (it would run for the whole promotion)').toBeUndefined();
  const steps: Obj[] = canary.steps;
  const templates = new Map(ofKind(objs, 'AnalysisTemplate').map((t) => [t.metadata.name as string, t]));
  let pauses = 0;
  let analyses = 0;
  for (const step of steps) {
    if (step.pause) {
      expect(step.pause.duration, 'every pause has a duration').toBeDefined();
      pauses += seconds(step.pause.duration);
    }
    if (step.analysis) {
      const metrics = (step.analysis.templates as Obj[]).flatMap((ref) => templates.get(ref.templateName)!.spec.metrics as Obj[]);
      analyses += Math.max(...metrics.map((m) => m.count * seconds(m.interval)));
    }
  }
  const app = rollout.spec.template.spec.containers.find((c: Obj) => c.name === 'app');
  const podStart = app.startupProbe.periodSeconds * app.startupProbe.failureThreshold + app.readinessProbe.periodSeconds * (app.readinessProbe.successThreshold ?? 1);
  const starts = (steps.filter((s) => s.setWeight !== undefined).length + 1) * podStart;
  return { pauses, analyses, starts, total: pauses + analyses + starts };
}

describe('deploy@1.1.0: what changed since 1.0.0', () => {
  const latest = () => built['1.1.0'];
  const each = (fn: (b: Built, env: Env, objs: Obj[]) => void) => {
    for (const b of latest()) for (const env of ENVS) fn(b, env, b.envs[env]);
  };

  it('asks the questions of 1.0.0, with a shorter name (maxLength 44), and no new one', async () => {
    const [previous, next] = await Promise.all([builtinTemplate('deploy@1.0.0'), builtinTemplate('deploy@1.1.0')]);
    expect(next.manifest.questions.map((q) => q.name)).toEqual(previous.manifest.questions.map((q) => q.name));
    for (const question of previous.manifest.questions) {
      const now = next.manifest.questions.find((q) => q.name === question.name)!;
      if (question.name === 'name') expect({ ...now, maxLength: 63, help: question.help }).toEqual(question);
      else expect(now, question.name).toEqual(question);
    }
    expect(next.manifest.questions.find((q) => q.name === 'name')).toMatchObject({ maxLength: 44 });
    // the runbook is merged by upgrades now (it was written once): see the upgrade tests below
    expect(next.manifest.files).toEqual(previous.manifest.files.filter((f) => f.glob !== 'docs/runbooks/rollback.md'));
    expect(next.changelog).toMatch(/^## 1\.1\.0$/m);
    for (const must of ['pins.yaml', 'promotionBudgetMinutes', 'deployment.environment.name', 'service.version', 'deployment_environment_name', '44', 'prettier']) expect(next.changelog, must).toContain(must);
  });

  it('the sums: the worst case of every canary fits the wait of pins.yaml, which fits the deploy timeout', () => {
    for (const key of ['canarySteps', 'canaryStepPauseMinutes', 'analysisMinutes', 'promotionBudgetMinutes', 'deployTimeoutMinutes']) {
      expect(Number.isInteger(ROLLOUT[key]) && ROLLOUT[key]! > 0, `pins.yaml rollout.${key} is a positive integer`).toBe(true);
    }
    const budget = ROLLOUT.promotionBudgetMinutes! * 60;
    const timeout = ROLLOUT.deployTimeoutMinutes! * 60;
    expect(budget, 'promotionBudgetMinutes < deployTimeoutMinutes').toBeLessThan(timeout);
    each((b, env, objs) => {
      const worst = worstCase(objs);
      expect(worst.total, `[${b.variant.id}] ${env}: worst case ${(worst.total / 60).toFixed(1)} min (${JSON.stringify(worst)}) <= budget ${budget / 60} min`).toBeLessThanOrEqual(budget);
    });
    // prod is the plan pins.yaml describes: its weights, pauses and gates are those numbers
    for (const b of latest()) {
      const objs = b.envs.prod;
      const steps: Obj[] = one(objs, 'Rollout').spec.strategy.canary.steps;
      expect(steps.filter((s) => s.setWeight !== undefined), 'canarySteps weights').toHaveLength(ROLLOUT.canarySteps!);
      expect(steps.filter((s) => s.analysis), 'a gate after every weight').toHaveLength(ROLLOUT.canarySteps!);
      for (const s of steps.filter((x) => x.pause)) expect(seconds(s.pause.duration)).toBe(ROLLOUT.canaryStepPauseMinutes! * 60);
      for (const m of one(objs, 'AnalysisTemplate').spec.metrics) expect(m.count * seconds(m.interval), m.name).toBe(ROLLOUT.analysisMinutes! * 60);
      const worst = worstCase(objs);
      expect(worst.pauses + worst.analyses).toBe(ROLLOUT.canarySteps! * (ROLLOUT.canaryStepPauseMinutes! + ROLLOUT.analysisMinutes!) * 60);
    }
    // what 1.1.0 fixes: 1.0.0's prod canary could not finish within the 25 minutes CI waited
    for (const b of built['1.0.0']) expect(worstCase(b.envs.prod).total).toBeGreaterThan(25 * 60);
  });

  it('says the same numbers in the README and the runbook', () => {
    for (const b of latest()) {
      const readme = b.files.get('deploy/README.md')!;
      expect(readme).toContain(`75 %, ${ROLLOUT.canaryStepPauseMinutes} minutes each`);
      expect(readme).toContain(`\`${b.values.name}-canary-health\`: ${ROLLOUT.analysisMinutes} one-minute`);
      expect(readme).toContain(`wait up to ${ROLLOUT.promotionBudgetMinutes} minutes`);
      expect(readme).toContain(`time out at ${ROLLOUT.deployTimeoutMinutes}`);
      expect(b.files.get('docs/runbooks/rollback.md')).toContain(`stops waiting after ${ROLLOUT.promotionBudgetMinutes} minutes`);
    }
  });

  it('every overlay gives its pods deployment.environment.name and service.version (the pinned digest)', () => {
    each((b, env, objs) => {
      const c = appContainer(objs);
      expect(c.env[0], 'first, where the overlay patches it').toEqual({ name: 'DEPLOYMENT_ENVIRONMENT_NAME', value: env });
      const digest = (c.image as string).split('@')[1];
      expect(digest).toMatch(DIGEST);
      expect(resourceAttributes(c), labelOf(b, env, {})).toEqual({
        'deployment.environment.name': env,
        'service.version': digest,
        'rollouts.pod_template_hash': '<POD_TEMPLATE_HASH>',
      });
    });
  });

  it('service.version follows the digest CI sets in an overlay', async () => {
    const b = latest()[0]!;
    const dir = copyOf(b);
    const path = join(dir, 'deploy/overlays/staging/kustomization.yaml');
    const digest = `sha256:${'0123456789abcdef'.repeat(4)}`;
    // what `kustomize edit set image IMAGE=IMAGE@DIGEST` leaves in the overlay
    writeFileSync(path, readFileSync(path, 'utf8').replace(/digest: sha256:0{64}/, `digest: ${digest}`));
    const c = appContainer(await buildOverlay(dir, 'staging'));
    expect(c.image).toBe(`${b.values.registry}/${b.values.name}@${digest}`);
    expect(resourceAttributes(c)['service.version']).toBe(digest);
    expect(resourceAttributes(c)['deployment.environment.name']).toBe('staging');
  });

  it('the overlays stop the build, rather than patch another variable, when the env list no longer starts with DEPLOYMENT_ENVIRONMENT_NAME', async () => {
    const b = latest()[0]!;
    const dir = copyOf(b);
    const path = join(dir, 'deploy/base/rollout.yaml');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('          env:\n', '          env:\n            - name: LOG_LEVEL\n              value: debug\n'));
    for (const env of ENVS) await expect(buildOverlay(dir, env), env).rejects.toThrow(/testing value \/spec\/template\/spec\/containers\/0\/env\/0\/name failed/);
  });

  it('no image digest, no build: the version comes from the digest', async () => {
    const b = latest()[0]!;
    const dir = copyOf(b);
    const path = join(dir, 'deploy/overlays/prod/kustomization.yaml');
    writeFileSync(path, readFileSync(path, 'utf8').replace(/\n    digest: sha256:0{64}/, ''));
    await expect(buildOverlay(dir, 'prod')).rejects.toThrow(/index 1 is out of bounds/);
  });

  it('the analysis of each environment reads that environment only, and the base alone gives it no environment', () => {
    each((b, env, objs) => {
      const template = one(objs, 'AnalysisTemplate');
      expect(template.spec.args.find((a: Obj) => a.name === 'environment')?.value, labelOf(b, env, template)).toBe(env);
      expect(template.spec.args.find((a: Obj) => a.name === 'environment')?.value).toBe(appContainer(objs).env[0].value);
    });
    const base = parseAllDocuments(latest()[0]!.files.get('deploy/base/analysis-template.yaml')!).map((d) => d.toJS() as Obj);
    expect(one(base, 'AnalysisTemplate').spec.args).toEqual([{ name: 'canary-hash' }, { name: 'environment' }]);
  });

  it('keeps every name and label within 63 characters, the longest name included; maxLength is 63 minus the longest suffix', async () => {
    const manifest = (await builtinTemplate('deploy@1.1.0')).manifest;
    const maxLength = manifest.questions.find((q) => q.name === 'name')!.maxLength!;
    expect(LONGEST_NAME).toHaveLength(maxLength);
    expect(latest().some((b) => b.values.name === LONGEST_NAME), 'a variant uses the longest name').toBe(true);
    const dnsLabel = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
    let longestSuffix = 0;
    each((b, env, objs) => {
      const name = b.values.name as string;
      for (const o of objs) {
        const where = labelOf(b, env, o);
        expect(o.metadata.name.length, `${where}: name`).toBeLessThanOrEqual(63);
        if (['Namespace', 'Service'].includes(o.kind)) expect(o.metadata.name, `${where}: a DNS label`).toMatch(dnsLabel);
        if (o.metadata.name.startsWith(`${name}-`) && !o.metadata.name.startsWith(`${name}-secrets`)) longestSuffix = Math.max(longestSuffix, o.metadata.name.length - name.length);
        const labelSets = [o.metadata.labels, o.spec?.selector?.matchLabels, o.kind === 'Service' ? o.spec.selector : undefined, o.spec?.template?.metadata?.labels, o.spec?.podSelector?.matchLabels];
        for (const labels of labelSets.filter(Boolean)) for (const [k, v] of Object.entries<string>(labels)) expect(String(v).length, `${where}: label ${k}`).toBeLessThanOrEqual(63);
      }
      // names Argo Rollouts derives at run time: ReplicaSets NAME-<pod-template-hash, up to 10>
      // and their pods (+ "-" and 5 characters; a longer pod name only truncates its host name)
      expect(`${name}-${'h'.repeat(10)}`.length).toBeLessThanOrEqual(63);
    });
    expect(longestSuffix, 'the longest suffix deploy adds: -allow-ingress-http').toBe('-allow-ingress-http'.length);
    expect(maxLength).toBe(63 - longestSuffix);
    await expect(renderBuiltin('deploy@1.1.0', { name: `${LONGEST_NAME}x` })).rejects.toThrow(/name/);
    await expect(renderBuiltin('deploy@1.0.0', { name: `${LONGEST_NAME}x` })).resolves.toBeDefined();
  });

  it('templates/CONVENTIONS.md gives the shared name the same maxLength', async () => {
    const conventions = readFileSync(join(REPO_ROOT, 'templates/CONVENTIONS.md'), 'utf8');
    const row = conventions.split('\n').find((line) => line.startsWith('| `name` |'));
    expect(row).toBeDefined();
    const maxLength = (await builtinTemplate('deploy@1.1.0')).manifest.questions.find((q) => q.name === 'name')!.maxLength;
    expect(row).toContain(`maxLength ${maxLength} |`);
  });
});

// ---------------------------------------------------------------------------------------------
// Upgrading from 1.0.0 to 1.1.0 with a team's edits
// ---------------------------------------------------------------------------------------------

describe('upgrading deploy from 1.0.0 to 1.1.0', () => {
  type Vol = ReturnType<typeof memoryFs>['vol'];
  type MemFs = ReturnType<typeof memoryFs>['fs'];
  const decode = (vol: Vol): Record<string, string | null> => vol.toJSON('/repo');

  async function createAt(version: Version, answers: Obj = {}): Promise<{ fs: MemFs; vol: Vol }> {
    const { fs, vol } = memoryFs();
    const template = await builtinTemplate(`deploy@${version}`);
    const { values } = await renderBuiltin(`deploy@${version}`, answers, 'payments-api');
    await applyPlan(fs, await planCreate({ fs, root: '/repo', template, sourceLabel: 'builtin', answers: { values, secrets: new Set() }, lock: EMPTY_LOCKFILE }), { pid: 1 });
    return { fs, vol };
  }

  /** `platform upgrade deploy --to 1.1.0`, as the CLI plans it. */
  async function upgrade(fs: MemFs) {
    const lock = parseLockfile(String(await fs.readFile('/repo/.platform.yaml')), '.platform.yaml');
    const locked = lock.templates.find((t) => t.name === 'deploy')!;
    const target = await builtinTemplate('deploy@1.1.0');
    const rendered = await renderBuiltin('deploy@1.1.0', locked.answers, 'payments-api');
    const base = (await renderBuiltin(`deploy@${locked.version}`, locked.answers, 'payments-api')).tree;
    return planChanges(fs, '/repo', lock, [{ target, source: 'builtin', locked, base, answers: { values: rendered.values, secrets: new Set() } }], {
      textMerger: await gitTextMerger(),
      conflictStyle: 'markers',
      force: false,
    });
  }

  // The team's edits: a variable of its own, prod's ceiling raised, a flag, a runbook note.
  const EDITS: Record<string, (text: string) => string> = {
    'deploy/base/rollout.yaml': (t) => t.replace('              value: /etc/flags/flags.json\n', '              value: /etc/flags/flags.json\n            - name: LOG_LEVEL\n              value: warn\n'),
    'deploy/overlays/prod/kustomization.yaml': (t) => t.replace('        path: /spec/maxReplicas\n        value: 10\n', '        path: /spec/maxReplicas\n        value: 20\n'),
    'deploy/flags/flags.json': (t) => t.replace('"defaultVariant": "off"', '"defaultVariant": "on"'),
    'docs/runbooks/rollback.md': (t) => `${t}\nOn-call channel: #payments-oncall\n`,
  };

  async function edit(fs: MemFs): Promise<Record<string, string>> {
    const edited: Record<string, string> = {};
    for (const [path, change] of Object.entries(EDITS)) {
      const before = String(await fs.readFile(`/repo/${path}`));
      edited[path] = change(before);
      expect(edited[path], `the edit of ${path} applies`).not.toBe(before);
      await fs.writeFile(`/repo/${path}`, edited[path]);
    }
    return edited;
  }

  it('keeps the edits, brings every 1.1.0 change, and the result builds', async () => {
    const { fs, vol } = await createAt('1.0.0');
    const edited = await edit(fs);
    const plan = await upgrade(fs);
    expect(plan.conflicts).toEqual([]);
    await applyPlan(fs, plan, { pid: 1 });
    const files = decode(vol);

    // policy once: the team's flags stay exactly as edited
    expect(files['/repo/deploy/flags/flags.json']).toBe(edited['deploy/flags/flags.json']);
    // the runbook (once in 1.0.0, merged since): 1.1.0's text with the team's note
    const fresh = decode((await createAt('1.1.0')).vol);
    expect(files['/repo/docs/runbooks/rollback.md']).toBe(EDITS['docs/runbooks/rollback.md']!(fresh['/repo/docs/runbooks/rollback.md']!));
    // merged: a fresh 1.1.0 with the same edits, as data (the merge may lay out a list differently)
    for (const path of ['deploy/base/rollout.yaml', 'deploy/overlays/prod/kustomization.yaml']) {
      const merged = files[`/repo/${path}`]!;
      expect(merged, path).not.toMatch(/^(<<<<<<<|>>>>>>>)/m);
      expect(parseYaml(merged), path).toEqual(parseYaml(EDITS[path]!(fresh[`/repo/${path}`]!)));
    }
    // everything the team did not touch is 1.1.0 as fresh
    for (const path of Object.keys(fresh).filter((p) => !p.endsWith('.platform.yaml') && !Object.keys(EDITS).some((e) => p === `/repo/${e}`))) {
      expect(files[path], path).toBe(fresh[path]);
    }
    const lock = parseLockfile(files['/repo/.platform.yaml']!, '.platform.yaml').templates[0]!;
    expect(lock.version).toBe('1.1.0');

    // the upgraded repository builds, with the team's variable and prod's new ceiling
    const dir = mkdtempSync(join(tmpdir(), 'deploy-upgraded-'));
    scratch.push(dir);
    for (const [path, text] of Object.entries(files)) {
      if (text === null) continue;
      mkdirSync(join(dir, path.slice('/repo/'.length), '..'), { recursive: true });
      writeFileSync(join(dir, path.slice('/repo/'.length)), text);
    }
    writeSecretsStandIn(dir, 'payments-api', 'external-secrets');
    for (const env of ENVS) {
      const objs = await buildOverlay(dir, env);
      const c = appContainer(objs);
      expect(resolvedEnv(c).LOG_LEVEL).toBe('warn');
      expect(resourceAttributes(c)['deployment.environment.name']).toBe(env);
      expect(one(objs, 'HorizontalPodAutoscaler').spec.maxReplicas).toBe({ dev: 3, staging: 4, prod: 20 }[env]);
      if (env !== 'dev') expect(worstCase(objs).total).toBeLessThanOrEqual(ROLLOUT.promotionBudgetMinutes! * 60);
    }
  });

  it('a recorded name longer than 44 characters stops `platform upgrade` (exit 2) with the answer named, and writes nothing', async () => {
    const longName = 'a-service-name-that-is-longer-than-forty-four-chars';
    const { fs, vol } = await createAt('1.0.0', { name: longName });
    const before = decode(vol);
    // the built-in catalog, where the CLI looks for it, on the same memfs
    const catalog = join(REPO_ROOT, 'templates');
    for (const path of readdirSync(catalog, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => join(d.parentPath, d.name))) {
      vol.mkdirSync(dirname(path), { recursive: true });
      vol.writeFileSync(path, readFileSync(path));
    }
    const result = await runInProcess(fs, ['upgrade', 'deploy', '--yes'], { cwd: '/repo' });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('.platform.yaml: "name" must be at most 44 characters long');
    expect(decode(vol)).toEqual(before);
  });
});
