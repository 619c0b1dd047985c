import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import ts from 'typescript';
import { nodeFs } from '../../src/core/node-fs.js';
import type { CliContext } from '../../src/cli/context.js';
import { Catalog } from '../../src/sources/catalog.js';
import { resolveComposition, selectTemplates, sourceLabel } from '../../src/cli/compose.js';
import { planChanges } from '../../src/workflow/plan-changes.js';
import { newComponent } from '../../src/workflow/change.js';
import { diff3Merger } from '../../src/merge/text.js';
import type { GivenAnswer } from '../../src/answers/resolve.js';
import { EMPTY_LOCKFILE } from '../../src/lock/lockfile.js';
import { writes } from '../../src/plan/plan.js';
import { memoryFs } from '../helpers/memfs.js';
import type { RenderedTree } from '../../src/render/render.js';
import { writeTree } from '../helpers/builtin.js';

const ctx = { fs: nodeFs } as unknown as CliContext;
const decoder = new TextDecoder();

/** The golden path as create-service renders it with --yes and these --set answers. */
async function renderGoldenPath(set: Record<string, string>): Promise<{ tree: RenderedTree; components: string[] }> {
  const selection = await selectTemplates(new Catalog(ctx), nodeFs, 'golden-path');
  const given = new Map<string, GivenAnswer>(Object.entries(set).map(([k, v]) => [k, { value: v, where: { flag: `--set ${k}` } }]));
  const { included, answers } = await resolveComposition({ selection, given, defaults: new Map(), useDefaults: true, prompter: undefined, targetName: 'payments-api' });
  const { fs } = memoryFs();
  const changes = included.map((template) => newComponent(template, sourceLabel(template), answers));
  const plan = await planChanges(fs, '/repo', EMPTY_LOCKFILE, changes, { textMerger: diff3Merger, conflictStyle: 'markers', force: false });
  const tree: RenderedTree = new Map();
  for (const op of plan.operations) if (writes(op)) tree.set(op.path, { bytes: op.bytes, executable: op.executable, policy: op.policy, source: op.path });
  return { tree, components: plan.components.map((c) => c.name) };
}

const COMBINATIONS: Array<[string, Record<string, string>]> = [
  ['defaults (GitHub, external-secrets on AWS)', {}],
  ['GitLab CI on GCP with Secret Manager', { ciProvider: 'gitlab', cloud: 'gcp', secretStore: 'gcp-secret-manager' }],
  ['Vault through external-secrets', { secretStore: 'vault' }],
  ['vault-agent', { secretsProvider: 'vault-agent' }],
  ['sops', { secretsProvider: 'sops' }],
  ['without CI', { withCi: 'false' }],
  ['without observability', { withObservability: 'false' }],
  ['without secrets', { withSecrets: 'false' }],
  ['without deployment', { withDeploy: 'false' }],
  ['the service alone', { withCi: 'false', withObservability: 'false', withSecrets: 'false', withDeploy: 'false' }],
];

const SECRET_PATTERNS: Array<[string, RegExp]> = [
  ['an AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}\b/],
  ['a Slack token', /\bxox[baprs]-[A-Za-z0-9-]{10,}/],
  ['a password with a value', /\b(password|passwd|secret|api[_-]?key|token)\s*[:=]\s*["']?(?!\$|\{|<|\*|"?\s*$|'?\s*$|changeme\b)[A-Za-z0-9+/_-]{8,}/i],
];

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(COMBINATIONS)('the golden path: %s', (_, answers) => {
  it('renders each included component, with files that parse and no secret values', async () => {
    const { tree, components } = await renderGoldenPath(answers);
    expect(components[0]).toBe('service');
    for (const [flag, component] of [['withCi', 'ci'], ['withObservability', 'observability'], ['withSecrets', 'secrets'], ['withDeploy', 'deploy']] as const) {
      expect(components.includes(component), component).toBe(answers[flag] !== 'false');
    }
    for (const [path, file] of tree) {
      const text = decoder.decode(file.bytes);
      if (/\.(ya?ml)$/.test(path)) {
        for (const doc of parseAllDocuments(text)) expect(doc.errors, `${path} parses as YAML`).toEqual([]);
      }
      if (/(^|\/)tsconfig[^/]*\.json$/.test(path)) {
        // TypeScript's config files are JSON with comments: parse them as TypeScript does.
        expect(ts.parseConfigFileTextToJson(path, text).error, `${path} parses as tsconfig`).toBeUndefined();
      } else if (path.endsWith('.json')) {
        expect(() => JSON.parse(text), `${path} parses as JSON`).not.toThrow();
      }
      for (const [what, pattern] of SECRET_PATTERNS) {
        expect(pattern.test(text) ? `${path} holds ${what}: ${pattern.exec(text)?.[0]}` : 'clean').toBe('clean');
      }
    }
  });

  it('pins what it runs: actions by full SHA, base images by digest, as a non-root user', async () => {
    const { tree } = await renderGoldenPath(answers);
    for (const [path, file] of tree) {
      const text = decoder.decode(file.bytes);
      if (path.startsWith('.github/workflows/')) {
        expect(text, `${path}: top-level permissions`).toMatch(/^permissions:\s*\{\}\s*$/m);
        for (const [, action] of text.matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)/gm)) {
          if (action!.startsWith('./')) continue;
          expect(action, `${path}: ${action} pinned to a full commit SHA`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
        }
        expect(text, `${path}: no pull_request_target`).not.toMatch(/pull_request_target/);
      }
      if (path === 'Dockerfile' || path.endsWith('/Dockerfile')) {
        for (const [, image] of text.matchAll(/^FROM\s+(\S+)/gm)) {
          if (/^[a-z-]+$/.test(image!)) continue; // a build stage of this file
          expect(image, `${path}: ${image} pinned by digest`).toMatch(/@sha256:[0-9a-f]{64}$/);
        }
        const users = [...text.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]);
        expect(users.at(-1), `${path}: runs as a non-root user`).toBeDefined();
        expect(users.at(-1)).not.toMatch(/^(root|0)$/);
        expect(text, `${path}: exec-form CMD`).toMatch(/^CMD \[/m);
      }
    }
  });

  it('passes shellcheck on every shell script', async () => {
    const { tree } = await renderGoldenPath(answers);
    const scripts = [...tree].filter(([path, file]) => path.endsWith('.sh') || decoder.decode(file.bytes.subarray(0, 20)).match(/^#!.*\b(ba)?sh\b/));
    if (scripts.length === 0) return;
    const dir = writeTree(new Map(scripts), mkdtempSync(join(tmpdir(), 'golden-sh-')));
    dirs.push(dir);
    execFileSync('shellcheck', scripts.map(([path]) => join(dir, path)), { stdio: 'pipe' });
  });
});
