/**
 * The `secrets` built-in template (templates/secrets/1.0.0): rendered under every provider,
 * store and cloud its questions offer, then checked with the real tools a team would use
 * (kubectl kustomize, shellcheck) and with the Kubernetes models, plus the promises the
 * component makes: no secret value is ever rendered, every key reaches the pod, and the
 * gitleaks/sops configuration is narrow and well-formed.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1';
import { Secret, ServiceAccount } from 'kubernetes-models/v1';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { BUILTIN_ROOT } from '../../src/template/builtin.js';
import { renderBuiltin, writeTree } from '../helpers/builtin.js';

const run = promisify(execFile);
const SPEC = 'secrets@1.0.0';
const TEMPLATE_DIR = join(BUILTIN_ROOT, 'secrets', '1.0.0');
const COMPONENT = 'deploy/components/secrets';
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');
type Obj = Record<string, unknown>;
type Tree = Awaited<ReturnType<typeof renderBuiltin>>['tree'];

// ---------------------------------------------------------------------------------------------
// Answer sets: the defaults plus every fixture in the template's tests/ folder.
// ---------------------------------------------------------------------------------------------
const CASES: { label: string; answers: Obj }[] = [
  { label: 'defaults (external-secrets, AWS Secrets Manager)', answers: {} },
  { label: 'external-secrets, AWS, several keys', answers: { secretKeys: 'DATABASE_URL,API_TOKEN,DB_PASSWORD', awsRegion: 'us-east-2' } },
  ...readdirSync(join(TEMPLATE_DIR, 'tests'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ label: `tests/${f}`, answers: parseYaml(readFileSync(join(TEMPLATE_DIR, 'tests', f), 'utf8')) as Obj })),
];

interface Rendered {
  tree: Tree;
  values: Obj;
  dir: string;
  files: Map<string, string>;
  keys: string[];
}

async function render(answers: Obj): Promise<Rendered> {
  const { tree, values } = await renderBuiltin(SPEC, answers);
  const files = new Map([...tree].map(([path, file]) => [path, text(file.bytes)]));
  return { tree, values, dir: writeTree(tree), files, keys: String(values.secretKeys).split(',') };
}

// ---------------------------------------------------------------------------------------------
// Validators: the real tools must be there; a missing one fails the run with a clear message.
// ---------------------------------------------------------------------------------------------
async function requireTool(command: string, args: string[], hint: string): Promise<void> {
  try {
    await run(command, args);
  } catch (error) {
    throw new Error(`The validator "${command}" is not available (${(error as Error).message.split('\n')[0]}). ${hint}`);
  }
}

// Checked once; every test that runs a validator awaits it, so a missing tool fails those
// tests (with this message) instead of skipping them.
const kubectlReady = requireTool('kubectl', ['version', '--client'], 'Install kubectl (it ships kustomize as `kubectl kustomize`).');
const shellcheckReady = requireTool('shellcheck', ['--version'], 'Install it with `apt-get install shellcheck`.');
kubectlReady.catch(() => undefined);
shellcheckReady.catch(() => undefined);

async function kustomize(dir: string): Promise<Obj[]> {
  await kubectlReady;
  try {
    const { stdout } = await run('kubectl', ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
    return parseAllDocuments(stdout).map((doc) => doc.toJS() as Obj);
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`kubectl kustomize ${dir} failed:\n${e.stderr ?? e.message}`);
  }
}

async function shellcheck(script: string, name: string): Promise<void> {
  await shellcheckReady;
  const file = join(writeTree(new Map()), `${name}.sh`);
  writeFileSync(file, `#!/usr/bin/env bash\n${script}\n`);
  try {
    await run('shellcheck', ['--shell=bash', '--severity=style', file]);
  } catch (error) {
    const e = error as { stdout?: string; message: string };
    throw new Error(`shellcheck found problems in the shell snippets of docs/secrets.md (${name}):\n${e.stdout ?? e.message}`);
  }
}

/**
 * A throwaway deploy layout around the rendered component: a base with a stand-in Rollout
 * shaped like the deploy component's (Rollout NAME running as the ServiceAccount NAME, one
 * container "app" with an env list and, unless the agent renders a file, envFrom the Secret
 * NAME-secrets) and an overlay that includes the component, as deploy/overlays/<env> do.
 */
function addStandInDeploy(dir: string, name: string, provider: string): string {
  mkdirSync(join(dir, 'deploy/base'), { recursive: true });
  mkdirSync(join(dir, 'deploy/overlays/test'), { recursive: true });
  const container: Obj = {
    name: 'app',
    image: `ghcr.io/acme/${name}@sha256:${'0'.repeat(64)}`,
    ports: [{ name: 'http', containerPort: 8080 }],
    env: [{ name: 'PORT', value: '8080' }],
    ...(provider === 'vault-agent' ? {} : { envFrom: [{ secretRef: { name: `${name}-secrets`, optional: true } }] }),
  };
  const rollout = {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      strategy: { canary: { canaryService: `${name}-canary`, stableService: name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: { serviceAccountName: name, automountServiceAccountToken: provider === 'vault-agent', containers: [container] },
      },
    },
  };
  writeFileSync(join(dir, 'deploy/base/rollout.yaml'), JSON.stringify(rollout, null, 2));
  writeFileSync(join(dir, 'deploy/base/kustomization.yaml'), 'resources:\n  - rollout.yaml\n');
  writeFileSync(
    join(dir, 'deploy/overlays/test/kustomization.yaml'),
    `namespace: ${name}\nresources:\n  - ../../base\ncomponents:\n  - ../../components/secrets\n`,
  );
  return join(dir, 'deploy/overlays/test');
}

// ---------------------------------------------------------------------------------------------
// Unknown-field check. kubernetes-models ignores unknown fields and has no external-secrets
// models, so the external-secrets.io/v1 objects are checked against an allow-list taken from the
// operator's API reference (SecretStoreSpec, AWSProvider, GCPSMProvider, VaultProvider,
// ExternalSecretSpec, ...). A typo or a field from another API version fails here.
// ---------------------------------------------------------------------------------------------
type Shape = 'string' | 'boolean' | 'number' | 'any' | 'map' | Shape[] | { [key: string]: Shape };

function unknownFields(value: unknown, shape: Shape, path = ''): string[] {
  if (shape === 'any') return [];
  if (shape === 'string' || shape === 'boolean' || shape === 'number') {
    return typeof value === shape ? [] : [`${path}: expected a ${shape}, got ${JSON.stringify(value)}`];
  }
  if (shape === 'map') {
    const ok = value !== null && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string');
    return ok ? [] : [`${path}: expected a map of strings`];
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${path}: expected a list`];
    return value.flatMap((item, i) => unknownFields(item, shape[0]!, `${path}[${i}]`));
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [`${path}: expected an object`];
  return Object.entries(value).flatMap(([key, v]) =>
    key in shape ? unknownFields(v, shape[key]!, `${path}.${key}`) : [`${path}.${key}: unknown field`],
  );
}

const META: Shape = { name: 'string', namespace: 'string', labels: 'map', annotations: 'map' };
const SECRET_KEY_SELECTOR: Shape = { name: 'string', namespace: 'string', key: 'string' };
const SA_SELECTOR: Shape = { name: 'string', namespace: 'string', audiences: ['string'] };
const SECRET_STORE: Shape = {
  apiVersion: 'string',
  kind: 'string',
  metadata: META,
  spec: {
    controller: 'string',
    refreshInterval: 'any',
    retrySettings: { maxRetries: 'number', retryInterval: 'string' },
    conditions: 'any',
    provider: {
      aws: {
        service: 'string',
        region: 'string',
        role: 'string',
        additionalRoles: ['string'],
        externalID: 'string',
        prefix: 'string',
        sessionTags: [{ key: 'string', value: 'string' }],
        transitiveTagKeys: ['string'],
        secretsManager: { forceDeleteWithoutRecovery: 'boolean', recoveryWindowInDays: 'number' },
        auth: {
          jwt: { serviceAccountRef: SA_SELECTOR },
          secretRef: { accessKeyIDSecretRef: SECRET_KEY_SELECTOR, secretAccessKeySecretRef: SECRET_KEY_SELECTOR, sessionTokenSecretRef: SECRET_KEY_SELECTOR },
        },
      },
      gcpsm: {
        projectID: 'string',
        location: 'string',
        secretVersionSelectionPolicy: 'string',
        auth: {
          workloadIdentity: { serviceAccountRef: SA_SELECTOR, clusterLocation: 'string', clusterName: 'string', clusterProjectID: 'string' },
          workloadIdentityFederation: 'any',
          secretRef: { secretAccessKeySecretRef: SECRET_KEY_SELECTOR },
        },
      },
      vault: {
        server: 'string',
        path: 'string',
        version: 'string',
        namespace: 'string',
        caBundle: 'string',
        caProvider: { type: 'string', name: 'string', key: 'string', namespace: 'string' },
        readYourWrites: 'boolean',
        forwardInconsistent: 'boolean',
        headers: 'map',
        auth: {
          namespace: 'string',
          kubernetes: { mountPath: 'string', role: 'string', serviceAccountRef: SA_SELECTOR, secretRef: SECRET_KEY_SELECTOR },
        },
      },
    },
  },
};
const EXTERNAL_SECRET: Shape = {
  apiVersion: 'string',
  kind: 'string',
  metadata: META,
  spec: {
    refreshInterval: 'string',
    refreshPolicy: 'string',
    secretStoreRef: { name: 'string', kind: 'string' },
    target: { name: 'string', creationPolicy: 'string', deletionPolicy: 'string', immutable: 'boolean', template: 'any' },
    data: [
      {
        secretKey: 'string',
        remoteRef: {
          key: 'string',
          property: 'string',
          version: 'string',
          metadataPolicy: 'string',
          conversionStrategy: 'string',
          decodingStrategy: 'string',
          nullBytePolicy: 'string',
        },
      },
    ],
    dataFrom: 'any',
  },
};
const SERVICE_ACCOUNT: Shape = { apiVersion: 'string', kind: 'string', metadata: META, automountServiceAccountToken: 'boolean' };
const SECRET: Shape = { apiVersion: 'string', kind: 'string', metadata: META, type: 'string', stringData: 'map', data: 'map' };

// ---------------------------------------------------------------------------------------------
// A small TOML reader for .gitleaks.toml (no new dependency): tables, arrays of tables,
// key = value with strings (basic, literal, multi-line literal), booleans, numbers, arrays.
// ---------------------------------------------------------------------------------------------
function parseToml(source: string): Obj {
  const root: Obj = {};
  let table: Obj = root;
  let i = 0;
  const fail = (message: string): never => {
    const line = source.slice(0, i).split('\n').length;
    throw new Error(`TOML line ${line}: ${message}`);
  };
  const skipBlank = (newlines: boolean): void => {
    while (i < source.length) {
      const c = source[i]!;
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) i++;
      else if (c === '#') while (i < source.length && source[i] !== '\n') i++;
      else break;
    }
  };
  const key = (): string[] => {
    const parts: string[] = [];
    for (;;) {
      skipBlank(false);
      const m = /^(?:[A-Za-z0-9_-]+|"[^"\n]*")/.exec(source.slice(i));
      if (!m) fail('expected a key');
      parts.push(m![0].startsWith('"') ? m![0].slice(1, -1) : m![0]);
      i += m![0].length;
      skipBlank(false);
      if (source[i] !== '.') return parts;
      i++;
    }
  };
  const value = (): unknown => {
    skipBlank(false);
    const rest = source.slice(i);
    if (rest.startsWith("'''")) {
      const end = source.indexOf("'''", i + 3);
      if (end < 0) fail('unterminated multi-line literal string');
      const s = source.slice(i + 3, end).replace(/^\n/, '');
      i = end + 3;
      return s;
    }
    if (rest.startsWith("'")) {
      const end = source.indexOf("'", i + 1);
      if (end < 0 || source.slice(i, end).includes('\n')) fail('unterminated literal string');
      const s = source.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    if (rest.startsWith('"')) {
      const m = /^"((?:[^"\\\n]|\\["\\bfnrt]|\\u[0-9A-Fa-f]{4})*)"/.exec(rest);
      if (!m) fail('bad basic string');
      i += m![0].length;
      return JSON.parse(`"${m![1]!.replace(/\\f/g, '\\u000c')}"`) as string;
    }
    if (rest.startsWith('[')) {
      i++;
      const list: unknown[] = [];
      for (;;) {
        skipBlank(true);
        if (source[i] === ']') {
          i++;
          return list;
        }
        list.push(value());
        skipBlank(true);
        if (source[i] === ',') i++;
        else if (source[i] !== ']') fail('expected , or ] in an array');
      }
    }
    const m = /^(true|false|[+-]?\d+(?:\.\d+)?)(?=[ \t\r\n#,\]]|$)/.exec(rest);
    if (!m) fail(`unsupported value ${JSON.stringify(rest.slice(0, 20))}`);
    i += m![0].length;
    return m![1] === 'true' ? true : m![1] === 'false' ? false : Number(m![1]);
  };
  const descend = (path: string[], from: Obj): Obj =>
    path.reduce<Obj>((node, part) => {
      const next = node[part];
      if (next === undefined) return (node[part] = {}) as Obj;
      if (Array.isArray(next)) return next[next.length - 1] as Obj;
      if (typeof next !== 'object' || next === null) fail(`${part} is not a table`);
      return next as Obj;
    }, from);
  for (;;) {
    skipBlank(true);
    if (i >= source.length) return root;
    if (source.startsWith('[[', i)) {
      i += 2;
      const path = key();
      if (!source.startsWith(']]', i)) fail('expected ]]');
      i += 2;
      const parent = descend(path.slice(0, -1), root);
      const last = path[path.length - 1]!;
      const list = (parent[last] ??= []) as Obj[];
      if (!Array.isArray(list)) fail(`${last} is not an array of tables`);
      table = {};
      list.push(table);
    } else if (source[i] === '[') {
      i++;
      const path = key();
      if (source[i] !== ']') fail('expected ]');
      i++;
      table = descend(path, root);
    } else {
      const path = key();
      if (source[i] !== '=') fail('expected =');
      i++;
      const target = descend(path.slice(0, -1), table);
      const last = path[path.length - 1]!;
      if (last in target) fail(`duplicate key ${last}`);
      target[last] = value();
    }
    skipBlank(false);
    if (i < source.length && source[i] !== '\n') fail('expected the end of the line');
  }
}

/** A Go (RE2) regular expression from the gitleaks/sops configs as a JS RegExp (leading inline flags). */
function goRegExp(pattern: string): RegExp {
  const m = /^\(\?([a-z]+)\)/.exec(pattern);
  return new RegExp(m ? pattern.slice(m[0].length) : pattern, m ? m[1] : undefined);
}

// ---------------------------------------------------------------------------------------------
// The secret-value scan: no value, example credential or key material in any rendered file.
// ---------------------------------------------------------------------------------------------
const FORBIDDEN: [string, RegExp][] = [
  ['an AWS access key id', /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/],
  ['PEM material', /-----BEGIN/],
  ['an age private key', /AGE-SECRET-KEY-1/i],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}/],
  ['a Slack token', /\bxox[abpr]-/],
  ['a Stripe key', /\b[sr]k_(?:live|test)_/],
  ['a Google API key', /\bAIza[0-9A-Za-z_-]{35}/],
  ['a service-account key file', /"private_key(?:_id)?"\s*:/],
  ['credentials in a URL', /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@'"]+:[^\s/@'"]+@/i],
  ['a placeholder value', /\b(?:changeme|change-me|hunter2|s3cr3t|passw0rd|password123|example-?token|dummy-?secret)\b/i],
];
/**
 * KEY=value / key: value where the key names a credential: the value must be empty, a boolean or
 * a reference (a template action, a shell variable, stdin). Checked on the lines that are code or
 * configuration: not comments, and in Markdown only inside fenced blocks (the patterns above
 * apply to every line, prose included).
 */
const ASSIGNMENT = /([\w.-]*(?:password|passwd|pwd|token|secret|api[_-]?key|private[_-]?key|credentials?))["']?[ \t]*[=:][ \t]*([^\s#,;]*)/gi;
const REFERENCE = /^(?:|""|''|true|false|\{\{.*|\$.*|<.*|-)$/;

function codeLines(path: string, content: string): string {
  const text = path.endsWith('.md') ? ['```sh', '```yaml', '```json', '```text'].flatMap((l) => markdownBlocks(content, l.slice(3))).join('\n') : content;
  return text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n');
}

function secretLeaks(path: string, content: string): string[] {
  const found = FORBIDDEN.filter(([, re]) => re.test(content)).map(([what]) => `${path}: ${what}`);
  for (const [, key, val] of codeLines(path, content).matchAll(ASSIGNMENT)) {
    if (!REFERENCE.test(val!)) found.push(`${path}: ${key} has the value ${JSON.stringify(val)}`);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// A tiny Go-template evaluator for the Vault Agent template: enough to check that the agent
// writes one KEY=value line per key (trim markers, `with secret`, `.Data.data.KEY`).
// ---------------------------------------------------------------------------------------------
function renderAgentTemplate(template: string, secretPath: string, data: Record<string, string>): string {
  let out = template.replace(/\s*\{\{-/g, '{{').replace(/-\}\}\s*/g, '}}');
  const withRe = /^\{\{ with secret "([^"]+)" \}\}([\s\S]*)\{\{ end \}\}$/;
  const m = withRe.exec(out);
  if (!m) throw new Error(`unexpected agent template:\n${template}`);
  if (m[1] !== secretPath) throw new Error(`the template reads ${m[1]}, the annotation declares ${secretPath}`);
  out = m[2]!.replace(/\{\{ \.Data\.data\.([A-Za-z_][A-Za-z0-9_]*) \}\}/g, (_, k: string) => {
    if (!(k in data)) throw new Error(`missing key ${k}`);
    return data[k]!;
  });
  if (out.includes('{{')) throw new Error(`unevaluated action left in:\n${out}`);
  return out;
}

function markdownBlocks(markdown: string, lang: string): string[] {
  const blocks: string[] = [];
  const re = new RegExp(`^( *)\`\`\`${lang}\\n([\\s\\S]*?)^\\1\`\`\`$`, 'gm');
  for (const [, indent, body] of markdown.matchAll(re)) {
    blocks.push(body!.split('\n').map((line) => (line.startsWith(indent!) ? line.slice(indent!.length) : line)).join('\n'));
  }
  return blocks;
}

const slug = (heading: string): string =>
  heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

// ---------------------------------------------------------------------------------------------

describe('secrets template 1.0.0', () => {
  it('offers a test case for every provider, every external-secrets store and every sops cloud', async () => {
    const resolved = await Promise.all(CASES.map(async (c) => (await renderBuiltin(SPEC, c.answers)).values));
    expect(new Set(resolved.map((v) => v.secretsProvider))).toEqual(new Set(['external-secrets', 'vault-agent', 'sops']));
    const eso = resolved.filter((v) => v.secretsProvider === 'external-secrets');
    expect(new Set(eso.map((v) => v.secretStore))).toEqual(new Set(['aws-secrets-manager', 'gcp-secret-manager', 'vault']));
    const sops = resolved.filter((v) => v.secretsProvider === 'sops');
    expect(new Set(sops.map((v) => v.cloud))).toEqual(new Set(['aws', 'gcp']));
  });

  it('declares the shared answers exactly as templates/CONVENTIONS.md says', async () => {
    const manifest = parseYaml(readFileSync(join(TEMPLATE_DIR, 'template.yaml'), 'utf8')) as { questions: Obj[] };
    const q = Object.fromEntries(manifest.questions.map((x) => [x.name as string, x]));
    expect(q.name).toMatchObject({ type: 'string', pattern: '^[a-z][a-z0-9]*(-[a-z0-9]+)*$', maxLength: 63, default: '{{@target}}' });
    expect(q.secretKeys).toMatchObject({ type: 'string', pattern: '^[A-Z][A-Z0-9_]*(,[A-Z][A-Z0-9_]*)*$', default: 'DATABASE_URL' });
    const values = (x: Obj): string[] => (x.choices as (string | { value: string })[]).map((c) => (typeof c === 'string' ? c : c.value));
    expect(q.secretsProvider).toMatchObject({ type: 'select', default: 'external-secrets' });
    expect(values(q.secretsProvider!)).toEqual(['external-secrets', 'vault-agent', 'sops']);
    expect(q.secretStore).toMatchObject({ type: 'select', default: 'aws-secrets-manager', when: "{{eq secretsProvider 'external-secrets'}}" });
    expect(values(q.secretStore!)).toEqual(['aws-secrets-manager', 'gcp-secret-manager', 'vault']);
    expect(q.cloud).toMatchObject({ type: 'select', default: 'aws' });
    expect(values(q.cloud!)).toEqual(['aws', 'gcp']);
  });

  it('refuses answers that would put key material or an insecure endpoint into the repository', async () => {
    const privateAge = `AGE-SECRET-KEY-1${'Q'.repeat(58)}`;
    await expect(renderBuiltin(SPEC, { secretsProvider: 'sops', sopsAge: privateAge })).rejects.toThrow(/sopsAge/);
    await expect(renderBuiltin(SPEC, { secretsProvider: 'vault-agent', vaultAddress: 'http://vault.internal:8200' })).rejects.toThrow(/vaultAddress/);
    await expect(renderBuiltin(SPEC, { secretKeys: 'database_url' })).rejects.toThrow(/secretKeys/);
    await expect(renderBuiltin(SPEC, { secretKeys: 'DATABASE_URL=postgres://x' })).rejects.toThrow(/secretKeys/);
  });

  describe.each(CASES)('$label', ({ answers }) => {
    let r: Rendered;
    let name: string;
    let provider: string;

    beforeAll(async () => {
      r = await render(answers);
      name = String(r.values.name);
      provider = String(r.values.secretsProvider);
    });

    it('renders deterministically, only into the paths CONVENTIONS.md gives the secrets component', async () => {
      const again = await renderBuiltin(SPEC, answers);
      expect([...again.tree.keys()]).toEqual([...r.tree.keys()]);
      for (const [path, file] of again.tree) expect(text(file.bytes), path).toBe(r.files.get(path));

      const expected = {
        'external-secrets': ['kustomization.yaml', 'service-account.yaml', 'secret-store.yaml', 'external-secret.yaml'],
        'vault-agent': ['kustomization.yaml', 'rollout-vault-agent.yaml'],
        sops: ['kustomization.yaml', 'secret.enc.yaml.example'],
      }[provider]!.map((f) => `${COMPONENT}/${f}`);
      expected.push('.gitleaks.toml', 'docs/secrets.md', ...(provider === 'sops' ? ['.sops.yaml'] : []));
      expect([...r.tree.keys()].sort()).toEqual(expected.sort());
      for (const [path, file] of r.tree) expect(file.policy, path).toBe(path === '.gitleaks.toml' ? 'owned' : 'merge');
    });

    it('renders no secret value, example credential or key material in any file', () => {
      const leaks = [...r.files].flatMap(([path, content]) => secretLeaks(path, content));
      expect(leaks).toEqual([]);
      // And the scan itself is not blind: it catches what it is meant to catch.
      expect(secretLeaks('x', 'DB_PASSWORD=hunter22\n')).not.toEqual([]);
      expect(secretLeaks('x', 'api_token: "abc123def"\n')).not.toEqual([]);
      expect(secretLeaks('x', `AKIA${'ABCDEFGHIJKLMNOP'}`)).not.toEqual([]);
      expect(secretLeaks('x', 'DATABASE_URL=postgres://app:pw@db:5432/app')).not.toEqual([]);
      expect(secretLeaks('x.md', 'Set it:\n\n```sh\nexport VAULT_TOKEN=hvs.abcdef\n```\n')).not.toEqual([]);
    });

    it('leaves no Handlebars behind; Go template actions only in the Vault Agent template', () => {
      for (const [path, content] of r.files) {
        const actions = content.match(/\{\{[^}]*\}\}/g) ?? [];
        if (path === `${COMPONENT}/rollout-vault-agent.yaml`) {
          for (const a of actions) expect(a, path).toMatch(/^\{\{ (?:with secret "[^"]+" -|\.Data\.data\.[A-Z][A-Z0-9_]*|end -) ?\}\}$/);
        } else {
          expect(actions, path).toEqual([]);
        }
      }
    });

    it('writes YAML that parses, including the YAML blocks of docs/secrets.md', () => {
      const yamlFiles = [...r.files].filter(([p]) => /\.ya?ml(\.example)?$/.test(p));
      expect(yamlFiles.length).toBeGreaterThan(1);
      for (const [path, content] of yamlFiles) {
        for (const doc of parseAllDocuments(content)) expect(doc.errors.map((e) => e.message), path).toEqual([]);
      }
      for (const block of markdownBlocks(r.files.get('docs/secrets.md')!, 'yaml')) {
        for (const doc of parseAllDocuments(block)) expect(doc.errors.map((e) => e.message), block).toEqual([]);
      }
    });

    it('builds with kubectl kustomize from an overlay and gives the pod its secrets', async () => {
      const overlay = addStandInDeploy(r.dir, name, provider);
      const objects = await kustomize(overlay);
      const byKind = (kind: string): Obj[] => objects.filter((o) => o.kind === kind);
      const component = parseYaml(r.files.get(`${COMPONENT}/kustomization.yaml`)!) as Obj;
      expect(component).toMatchObject({ apiVersion: 'kustomize.config.k8s.io/v1alpha1', kind: 'Component' });
      for (const o of objects) expect((o.metadata as Obj).namespace, `${String(o.kind)} namespace`).toBe(name);

      const [rollout] = byKind('Rollout');
      expect(rollout).toBeDefined();
      new Rollout(rollout as never).validate();
      const template = (rollout!.spec as Obj).template as { metadata: Obj; spec: { containers: Obj[] } };
      const container = template.spec.containers[0]!;
      // The component never drops what the deploy base put there.
      expect(container).toMatchObject({ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] });
      expect(container.image).toMatch(/@sha256:/);

      if (provider === 'external-secrets') {
        expect(objects.map((o) => o.kind).sort()).toEqual(['ExternalSecret', 'Rollout', 'SecretStore', 'ServiceAccount']);
        const [store] = byKind('SecretStore');
        const [external] = byKind('ExternalSecret');
        const [account] = byKind('ServiceAccount');
        expect(store!.apiVersion).toBe('external-secrets.io/v1');
        expect(external!.apiVersion).toBe('external-secrets.io/v1');
        expect(unknownFields(store, SECRET_STORE)).toEqual([]);
        expect(unknownFields(external, EXTERNAL_SECRET)).toEqual([]);
        expect(unknownFields(account, SERVICE_ACCOUNT)).toEqual([]);
        new ServiceAccount(account as never).validate();

        // The ServiceAccount: no token mounted anywhere, and the store signs in as it.
        const reader = `${name}-secrets-reader`;
        expect(account).toMatchObject({ metadata: { name: reader }, automountServiceAccountToken: false });
        const provide = (store!.spec as { provider: Obj }).provider;
        expect(Object.keys(provide)).toHaveLength(1);
        const store_ = r.values.secretStore;
        if (store_ === 'aws-secrets-manager') {
          expect(provide.aws).toEqual({ service: 'SecretsManager', region: r.values.awsRegion, auth: { jwt: { serviceAccountRef: { name: reader } } } });
          expect((account!.metadata as Obj).annotations).toEqual({ 'eks.amazonaws.com/role-arn': r.values.awsRoleArn });
        } else if (store_ === 'gcp-secret-manager') {
          expect(provide.gcpsm).toEqual({ projectID: r.values.gcpProject, auth: { workloadIdentity: { serviceAccountRef: { name: reader } } } });
          expect((account!.metadata as Obj).annotations).toBeUndefined();
        } else {
          expect(provide.vault).toMatchObject({
            server: r.values.vaultAddress,
            path: r.values.vaultKvMount,
            version: 'v2',
            auth: { kubernetes: { mountPath: r.values.vaultAuthMount, role: r.values.vaultRole, serviceAccountRef: { name: reader, audiences: ['vault'] } } },
          });
          expect((provide.vault as Obj).namespace).toBe(r.values.vaultNamespace || undefined);
          expect(String(r.values.vaultAddress)).toMatch(/^https:\/\//);
        }
        // No static credentials anywhere in the store.
        expect(JSON.stringify(store)).not.toMatch(/secretRef|accessKeyID|tokenSecretRef|appRole/);

        // The ExternalSecret: the Secret NAME-secrets, one entry per key, owned by the operator.
        const spec = external!.spec as Obj;
        expect(spec).toMatchObject({
          refreshInterval: '1h',
          secretStoreRef: { kind: 'SecretStore', name: (store!.metadata as Obj).name },
          target: { name: `${name}-secrets`, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        });
        expect(spec.data).toEqual(r.keys.map((k) => ({ secretKey: k, remoteRef: { key: r.values.secretPath, property: k } })));
        if (store_ === 'gcp-secret-manager') expect(String(r.values.secretPath)).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(container.envFrom).toEqual([{ secretRef: { name: `${name}-secrets`, optional: true } }]);
      }

      if (provider === 'vault-agent') {
        expect(objects.map((o) => o.kind)).toEqual(['Rollout']);
        const a = template.metadata.annotations as Record<string, string>;
        const path = `${String(r.values.vaultKvMount)}/data/${String(r.values.secretPath)}`;
        expect(a).toMatchObject({
          'vault.hashicorp.com/agent-inject': 'true',
          'vault.hashicorp.com/service': r.values.vaultAddress,
          'vault.hashicorp.com/auth-path': `auth/${String(r.values.vaultAuthMount)}`,
          'vault.hashicorp.com/role': r.values.vaultRole,
          'vault.hashicorp.com/agent-pre-populate-only': 'true',
          'vault.hashicorp.com/agent-inject-secret-app.env': path,
          'vault.hashicorp.com/error-on-missing-key-app.env': 'true',
        });
        // The agent writes exactly one dotenv line per key.
        const sample = Object.fromEntries(r.keys.map((k, i) => [k, `v${i}`]));
        const dotenv = renderAgentTemplate(a['vault.hashicorp.com/agent-inject-template-app.env']!, path, sample);
        expect(dotenv).toBe(r.keys.map((k, i) => `${k}=v${i}\n`).join(''));
        // SECRETS_FILE appended to the env list; the base's variables stay.
        expect(container.env).toEqual([
          { name: 'PORT', value: '8080' },
          { name: 'SECRETS_FILE', value: '/vault/secrets/app.env' },
        ]);
        // The labels of the base survive the annotation patch.
        expect(template.metadata.labels).toEqual({ 'app.kubernetes.io/name': name });
      }

      if (provider === 'sops') {
        // Before secret.enc.yaml exists, the component adds nothing.
        expect(objects.map((o) => o.kind)).toEqual(['Rollout']);
        expect(container.envFrom).toEqual([{ secretRef: { name: `${name}-secrets`, optional: true } }]);

        // The documented step: create secret.enc.yaml from the example and list it.
        const dir = join(r.dir, COMPONENT);
        copyFileSync(join(dir, 'secret.enc.yaml.example'), join(dir, 'secret.enc.yaml'));
        const kustomization = readFileSync(join(dir, 'kustomization.yaml'), 'utf8');
        expect(kustomization).toMatch(/^resources: \[\]$/m);
        expect(kustomization).toContain('resources: [secret.enc.yaml]');
        writeFileSync(join(dir, 'kustomization.yaml'), kustomization.replace(/^resources: \[\]$/m, 'resources: [secret.enc.yaml]'));
        const enabled = await kustomize(overlay);
        const [secret] = enabled.filter((o) => o.kind === 'Secret');
        expect(secret).toMatchObject({ apiVersion: 'v1', metadata: { name: `${name}-secrets`, namespace: name }, type: 'Opaque' });
        expect(secret!.stringData).toEqual(Object.fromEntries(r.keys.map((k) => [k, ''])));
        expect(unknownFields(secret, SECRET)).toEqual([]);
        new Secret(secret as never).validate();
      }
    });

    it('writes a .gitleaks.toml that parses, extends the defaults and allowlists nothing', () => {
      const config = parseToml(r.files.get('.gitleaks.toml')!);
      expect(config.extend).toEqual({ useDefault: true });
      expect(typeof config.title).toBe('string');
      expect(config).not.toHaveProperty('allowlist');
      expect(config).not.toHaveProperty('allowlists');
      expect(Object.keys(config).sort()).toEqual(provider === 'sops' ? ['extend', 'rules', 'title'] : ['extend', 'title']);

      if (provider === 'sops') {
        const rules = config.rules as Obj[];
        expect(rules).toHaveLength(1);
        const rule = rules[0]!;
        expect(Object.keys(rule).sort()).toEqual(['description', 'id', 'path', 'regex', 'tags']);
        // Its own id, so it adds to the default rules and cannot replace one of them.
        expect(rule.id).toBe(`${name}-unencrypted-sops-secret`);
        const path = goRegExp(String(rule.path));
        expect(path.test('deploy/components/secrets/secret.enc.yaml')).toBe(true);
        expect(path.test('./deploy/components/secrets/secret.enc.yaml')).toBe(true);
        for (const other of ['deploy/components/secrets/secret.enc.yaml.example', 'src/config.ts', '.env', 'deploy/base/rollout.yaml']) {
          expect(path.test(other), other).toBe(false);
        }
        const regex = goRegExp(String(rule.regex));
        const clear = ['  DATABASE_URL: postgres://app@db/app', '  API_TOKEN: "tok en value"', "  A_KEY: 'abc'", '  CERT: |', '    DATABASE_URL: cG9zdGdyZXM6Ly8='];
        for (const line of clear) expect(regex.test(`stringData:\n${line}\n`), line).toBe(true);
        const safe = [
          '    DATABASE_URL: ENC[AES256_GCM,data:3pQ7Yw==,iv:kJd2mP0sXo3Bq9vT1f4R8Q==,tag:Zr4y2m1QX0oE5m8hTq9wAg==,type:str]',
          '    DATABASE_URL: ""',
          '    - arn: arn:aws:kms:eu-west-1:111122223333:alias/x',
          '    mac: ENC[AES256_GCM,data:abc=,iv:def=,tag:ghi=,type:str]',
          '    version: 3.9.1',
        ];
        for (const line of safe) expect(regex.test(`stringData:\n${line}\n`), line).toBe(false);
      }
    });

    it('writes a .sops.yaml whose single rule covers exactly the encrypted Secret (sops only)', () => {
      if (provider !== 'sops') {
        expect(r.files.has('.sops.yaml')).toBe(false);
        return;
      }
      const sops = parseYaml(r.files.get('.sops.yaml')!) as { creation_rules: Obj[] };
      expect(Object.keys(sops)).toEqual(['creation_rules']);
      expect(sops.creation_rules).toHaveLength(1);
      const rule = sops.creation_rules[0]!;
      const kms = String(r.values.sopsKms);
      const kmsKey = kms.startsWith('arn:aws') ? 'kms' : 'gcp_kms';
      // The default key follows the cloud answer.
      if (!('sopsKms' in answers)) expect(kmsKey).toBe(r.values.cloud === 'gcp' ? 'gcp_kms' : 'kms');
      expect(rule).toEqual({
        path_regex: String(rule.path_regex),
        encrypted_regex: '^(data|stringData)$',
        [kmsKey]: kms,
        ...(r.values.sopsAge ? { age: r.values.sopsAge } : {}),
      });
      if (rule.age) for (const recipient of String(rule.age).split(',')) expect(recipient).toMatch(/^age1[ac-hj-np-z02-9]{58}$/);
      const path = goRegExp(String(rule.path_regex));
      expect(path.test('deploy/components/secrets/secret.enc.yaml')).toBe(true);
      expect(path.test('/home/me/repo/deploy/components/secrets/secret.enc.yaml')).toBe(true);
      expect(path.test('deploy/components/secrets/secret.enc.yaml.example')).toBe(false);
      expect(path.test('deploy/base/secret.yaml')).toBe(false);
      const example = parseYaml(r.files.get(`${COMPONENT}/secret.enc.yaml.example`)!) as Obj;
      expect(example).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-secrets` }, type: 'Opaque' });
      expect(example.stringData).toEqual(Object.fromEntries(r.keys.map((k) => [k, ''])));
    });

    it('documents this provider in docs/secrets.md, with shell snippets that pass shellcheck', async () => {
      const doc = r.files.get('docs/secrets.md')!;
      for (const k of r.keys) expect(doc).toContain(`\`${k}\``);
      const headings = [...doc.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!);
      for (const h of ['How a secret reaches the pod', 'Setting it up (once)', 'Adding a key', 'Rotating a value', 'Local development', 'Secret scanning']) {
        expect(headings).toContain(h);
      }
      // Every in-page link resolves to a heading of this variant.
      const anchors = new Set(headings.map(slug));
      for (const [, anchor] of doc.matchAll(/\]\(#([^)]+)\)/g)) expect(anchors.has(anchor!), `#${anchor}`).toBe(true);
      // Local development: the .env file is git- and docker-ignored by the service component.
      expect(doc).toMatch(/`\.gitignore` ignores `\.env` and\s+`\.env\.\*`/);
      expect(doc).toMatch(/`\.dockerignore` ignores `\.env` and `\.env\.\*`/);
      // Only this provider's story is told.
      const mentions = { 'external-secrets': /ExternalSecret/, 'vault-agent': /Vault Agent/, sops: /sops edit/ };
      for (const [p, re] of Object.entries(mentions)) expect(re.test(doc), p).toBe(p === provider);
      const shell = markdownBlocks(doc, 'sh');
      expect(shell.length).toBeGreaterThan(2);
      await shellcheck(shell.join('\n'), `${provider}-${String(r.values.secretStore)}-${String(r.values.cloud)}`);
    });
  });
});
