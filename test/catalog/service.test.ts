/**
 * The `service` built-in template, versions 1.0.0 and 1.1.0: rendered with the defaults and with
 * every fixture in each version's tests/ folder (Node.js 22 and 24), then checked without an
 * npm install (the install/build/start of the generated service runs in e2e):
 *
 * - every TypeScript file parses (the TypeScript compiler) and its JavaScript passes
 *   `node --check`; JSON, tsconfig (JSON with comments) and YAML files parse;
 * - package.json has the scripts a team relies on, and declares every package the code imports;
 * - the Dockerfile runs as a non-root user with an exec-form CMD, and (1.1.0) pulls its base
 *   image by the digest pinned in templates/pins.yaml and starts with the telemetry preloaded;
 * - (1.1.0) `.env.example` lists every configuration and secret key with an empty value, and no
 *   rendered file holds a secret value;
 * - 1.1.0 declares the 1.0.0 questions identically (so `platform upgrade` reuses the answers),
 *   gives its new questions defaults, and declares the shared `secretKeys` as CONVENTIONS.md says.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { BUILTIN_ROOT } from '../../src/template/builtin.js';
import type { RenderedTree } from '../../src/render/render.js';
import { builtinTemplate, renderBuiltin } from '../helpers/builtin.js';

const run = promisify(execFile);
const VERSIONS = ['1.0.0', '1.1.0'] as const;
type Version = (typeof VERSIONS)[number];
type Obj = Record<string, unknown>;
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

const PINS = parseYaml(readFileSync(join(BUILTIN_ROOT, 'pins.yaml'), 'utf8')) as { images?: Record<string, { image: string; tag: string; digest: string }> };

/** The defaults, then every fixture of the version (tests/*.yaml). */
function cases(version: Version): { label: string; answers: Obj }[] {
  const dir = join(BUILTIN_ROOT, 'service', version, 'tests');
  return [
    { label: 'defaults', answers: {} },
    ...readdirSync(dir)
      .filter((file) => file.endsWith('.yaml'))
      .sort()
      .map((file) => ({ label: `tests/${file}`, answers: parseYaml(readFileSync(join(dir, file), 'utf8')) as Obj })),
  ];
}

interface Rendered {
  tree: RenderedTree;
  values: Obj;
  files: Map<string, string>;
}

async function render(version: Version, answers: Obj): Promise<Rendered> {
  const { tree, values } = await renderBuiltin(`service@${version}`, answers);
  return { tree, values, files: new Map([...tree].map(([path, file]) => [path, text(file.bytes)])) };
}

function read(rendered: Rendered, path: string): string {
  const content = rendered.files.get(path);
  if (content === undefined) throw new Error(`${path} is not rendered (rendered: ${[...rendered.files.keys()].join(', ')})`);
  return content;
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The Dockerfile's instructions (continuation lines joined, comments dropped). */
function dockerInstructions(dockerfile: string): { keyword: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** The module specifiers a TypeScript file imports (static and dynamic). */
function importsOf(path: string, source: string): string[] {
  const file = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      found.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** `@scope/name/sub` -> `@scope/name`; `name/sub` -> `name`. */
const packageOf = (specifier: string): string => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** Values that look like credentials: none may be rendered, anywhere. */
const SECRET_PATTERNS: Array<[string, RegExp]> = [
  ['an AWS access key', /\bAKIA[0-9A-Z]{16}\b/],
  ['a private key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/],
  ['a GitHub token', /\bgh[pousr]_[A-Za-z0-9]{30,}\b/],
  ['a URL with credentials', /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"'`]+:[^\s/@"'`]+@/i],
  ['an assignment of a password or token', /\b(password|passwd|secret|api[_-]?key|token)\s*[:=]\s*["']?(?!\$|\{|<|\*|"?\s*$|'?\s*$)[A-Za-z0-9+/_-]{8,}/i],
];

describe.each(VERSIONS)('service@%s', (version) => {
  describe.each(cases(version))('rendered with %s', (_label, answers) => {
    it('renders deterministically', async () => {
      const first = await render(version, answers);
      const second = await render(version, answers);
      expect([...second.files]).toEqual([...first.files]);
    });

    it('has TypeScript that parses and compiles to JavaScript node accepts (node --check)', async () => {
      const rendered = await render(version, answers);
      const sources = [...rendered.files].filter(([path]) => path.endsWith('.ts'));
      expect(sources.map(([path]) => path)).toEqual(expect.arrayContaining(['src/server.ts', 'src/app.ts', 'src/config.ts', 'vitest.config.ts']));
      const dir = mkdtempSync(join(tmpdir(), 'service-js-'));
      dirs.push(dir);
      const outputs: string[] = [];
      for (const [path, source] of sources) {
        const result = ts.transpileModule(source, {
          fileName: path,
          reportDiagnostics: true,
          compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2023, verbatimModuleSyntax: true },
        });
        const problems = (result.diagnostics ?? []).map((d) => `${path}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
        expect(problems, `${path} parses as TypeScript`).toEqual([]);
        const out = join(dir, path.replace(/\.ts$/, '.mjs'));
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, result.outputText);
        outputs.push(out);
      }
      // The real parser of the runtime: every compiled module is valid JavaScript for node.
      await Promise.all(
        outputs.map((file) =>
          run(process.execPath, ['--check', file]).catch((error: Error & { stderr?: string }) => {
            throw new Error(`node --check ${file.slice(dir.length + 1)} failed:\n${error.stderr ?? error.message}`);
          }),
        ),
      );
    });

    it('has JSON, tsconfig and YAML files that parse', async () => {
      const rendered = await render(version, answers);
      for (const [path, content] of rendered.files) {
        if (/(^|\/)tsconfig[^/]*\.json$/.test(path)) {
          expect(ts.parseConfigFileTextToJson(path, content).error, `${path} parses as tsconfig`).toBeUndefined();
        } else if (path.endsWith('.json')) {
          expect(() => JSON.parse(content), `${path} parses as JSON`).not.toThrow();
        } else if (/\.ya?ml$/.test(path)) {
          for (const doc of parseAllDocuments(content)) expect(doc.errors, `${path} parses as YAML`).toEqual([]);
        }
      }
      const catalog = parseYaml(read(rendered, 'catalog-info.yaml')) as { metadata: Obj; spec: Obj };
      expect(catalog.metadata.name).toBe(rendered.values.name);
      expect(catalog.metadata.annotations).toEqual({ 'platform/template': `service@${version}` });
      expect(catalog.spec.owner).toBe(rendered.values.owner);
    });

    it('has a package.json with the scripts, and every package the code imports', async () => {
      const rendered = await render(version, answers);
      const pkg = JSON.parse(read(rendered, 'package.json')) as { name: string; type: string; scripts: Record<string, string>; engines: Obj; dependencies: Record<string, string>; devDependencies: Record<string, string> };
      expect(pkg.name).toBe(rendered.values.name);
      expect(pkg.type).toBe('module');
      for (const script of ['build', 'start', 'test', 'lint']) expect(pkg.scripts[script], `scripts.${script}`).toMatch(/\S/);
      expect(pkg.devDependencies['@types/node']).toMatch(new RegExp(`^\\^${String(rendered.values.nodeVersion)}\\.`));
      expect(String(pkg.engines.node)).toMatch(new RegExp(`^>=${String(rendered.values.nodeVersion)}\\b`));

      const production = new Set(Object.keys(pkg.dependencies));
      const all = new Set([...production, ...Object.keys(pkg.devDependencies)]);
      for (const [path, source] of rendered.files) {
        if (!path.endsWith('.ts')) continue;
        for (const specifier of importsOf(path, source)) {
          if (specifier.startsWith('node:')) continue;
          if (specifier.startsWith('.')) {
            // ./x.js is the compiled name of ./x.ts: the source must be rendered.
            const target = posix.join(posix.dirname(path), specifier).replace(/\.js$/, '.ts');
            expect(rendered.files.has(target), `${path} imports ${specifier}: ${target} is rendered`).toBe(true);
            continue;
          }
          // The service's own code runs in the image, which has production dependencies only.
          const declared = path.startsWith('src/') ? production : all;
          expect(declared.has(packageOf(specifier)), `${path} imports ${specifier}: declared in package.json`).toBe(true);
        }
      }
      if (version !== '1.0.0') {
        // Telemetry is preloaded, in npm start as in the image.
        expect(pkg.scripts.start).toContain('--import ./dist/telemetry.js dist/server.js');
        expect(pkg.scripts.dev).toContain('--import ./src/telemetry.ts');
        expect(read(rendered, 'vitest.config.ts')).toMatch(/OTEL_SDK_DISABLED: "true"/);
      }
    });

    it('has a Dockerfile that runs as a non-root user with an exec-form CMD', async () => {
      const rendered = await render(version, answers);
      const instructions = dockerInstructions(read(rendered, 'Dockerfile'));
      const stages = new Set<string>();
      const bases: string[] = [];
      for (const { keyword, args } of instructions.filter((i) => i.keyword === 'FROM')) {
        const [image = '', as, stage] = args.split(/\s+/);
        if (!stages.has(image)) bases.push(image);
        if (as?.toUpperCase() === 'AS' && stage) stages.add(stage);
      }
      expect(bases.length).toBeGreaterThan(0);
      const users = instructions.filter((i) => i.keyword === 'USER').map((i) => i.args);
      expect(users.at(-1), 'the last USER').toBeDefined();
      expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
      const cmds = instructions.filter((i) => i.keyword === 'CMD');
      expect(cmds).toHaveLength(1);
      const cmd = JSON.parse(cmds[0]!.args) as unknown;
      expect(Array.isArray(cmd) && cmd.every((part) => typeof part === 'string'), 'CMD is exec form (a JSON array)').toBe(true);
      expect(instructions.some((i) => i.keyword === 'ENTRYPOINT'), 'no ENTRYPOINT shell wrapper').toBe(false);
      expect(instructions.find((i) => i.keyword === 'EXPOSE')?.args).toBe(String(rendered.values.port));

      if (version === '1.0.0') {
        // Released as is: the base image by tag (1.1.0 pins it by digest).
        expect(bases).toEqual([`node:${String(rendered.values.nodeVersion)}-slim`]);
        return;
      }
      const pin = PINS.images?.[`node${String(rendered.values.nodeVersion)}`];
      expect(pin, `templates/pins.yaml images.node${String(rendered.values.nodeVersion)}`).toBeDefined();
      for (const base of bases) {
        expect(base, `FROM ${base} is pinned by digest`).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
        expect(base).toBe(`${pin!.image}:${pin!.tag}@${pin!.digest}`);
      }
      expect(cmd).toEqual(['node', '--import', './dist/telemetry.js', 'dist/server.js']);
      expect(rendered.files.has('src/telemetry.ts')).toBe(true);
    });

    it('renders no secret value', async () => {
      const rendered = await render(version, answers);
      for (const [path, content] of rendered.files) {
        for (const [what, pattern] of SECRET_PATTERNS) {
          expect(pattern.test(content) ? `${path} holds ${what}: ${pattern.exec(content)?.[0]}` : 'clean').toBe('clean');
        }
      }
    });

    if (version !== '1.0.0') {
      it('lists every configuration and secret key in .env.example, with empty values only', async () => {
        const rendered = await render(version, answers);
        const lines = read(rendered, '.env.example')
          .split('\n')
          .filter((line) => line.trim() && !line.trimStart().startsWith('#'));
        for (const line of lines) expect(line, '.env.example: KEY= with an empty value').toMatch(/^[A-Z][A-Z0-9_]*=$/);
        const keys = lines.map((line) => line.slice(0, -1));
        expect(new Set(keys).size, 'no key twice').toBe(keys.length);

        const secretKeys = String(rendered.values.secretKeys).split(',');
        const config = read(rendered, 'src/config.ts');
        // The variables src/config.ts validates (its zod schema) and the secrets it declares.
        const schemaKeys = [...config.matchAll(/^ {2}([A-Z][A-Z0-9_]*): optional\(/gm)].map((m) => m[1]!);
        const declaredSecrets = [...(/export const SECRET_KEYS = \[([\s\S]*?)\] as const/.exec(config)?.[1] ?? '').matchAll(/"([A-Z][A-Z0-9_]*)"/g)].map((m) => m[1]!);
        expect(schemaKeys).toEqual(expect.arrayContaining(['PORT', 'HOST', 'LOG_LEVEL', 'NODE_ENV', 'SHUTDOWN_TIMEOUT_MS', 'FLAGS_FILE']));
        expect(declaredSecrets).toEqual(secretKeys);
        expect(keys).toEqual(expect.arrayContaining([...schemaKeys, 'SECRETS_FILE', ...secretKeys, 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_SERVICE_NAME', 'OTEL_SDK_DISABLED']));
        // And the files that keep real values out of git and out of the image.
        expect(read(rendered, '.gitignore')).toMatch(/^\.env$/m);
        expect(read(rendered, '.gitignore')).toMatch(/^!\.env\.example$/m);
        expect(read(rendered, '.dockerignore')).toMatch(/^\.env$/m);
        expect(read(rendered, '.dockerignore')).toMatch(/^\.env\.\*$/m);
      });

      it('wires telemetry, feature flags and secrets as CONVENTIONS.md says', async () => {
        const rendered = await render(version, answers);
        const telemetry = read(rendered, 'src/telemetry.ts');
        expect(telemetry).toContain(`export const SERVICE_NAME = "${String(rendered.values.name)}";`);
        expect(telemetry).toMatch(/OTEL_SDK_DISABLED/);
        expect(telemetry).toContain('@fastify/otel');
        expect(telemetry).not.toContain('@opentelemetry/instrumentation-fastify');
        expect(read(rendered, 'src/server.ts')).toMatch(/shutdownTelemetry\(/);
        const flags = read(rendered, 'src/flags.ts');
        expect(flags).toMatch(/newGreeting: \{ key: "new-greeting", defaultValue: false \}/);
        expect(flags).toMatch(/offlineFlagSourcePath: flagsFile/);
        const config = read(rendered, 'src/config.ts');
        expect(config).toMatch(/SECRETS_FILE/);
        expect(config).toContain(`the Secret \`${String(rendered.values.name)}-secrets\``);
        // Code and tests are merged on upgrade (the team's edits kept); the image is owned.
        expect(rendered.tree.get('src/telemetry.ts')?.policy).toBe('merge');
        expect(rendered.tree.get('src/app.ts')?.policy).toBe('merge');
        expect(rendered.tree.get('Dockerfile')?.policy).toBe('owned');
      });
    }
  });
});

describe('service@1.1.0 as the successor of 1.0.0', () => {
  it('declares the 1.0.0 questions identically, and new questions with defaults', async () => {
    const [previous, next] = await Promise.all([builtinTemplate('service@1.0.0'), builtinTemplate('service@1.1.0')]);
    const before = previous.manifest.questions;
    const after = next.manifest.questions;
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(added.map((q) => q.name)).toEqual(['secretKeys']);
    for (const question of added) expect(question.default, `${question.name} has a default (upgrade uses it)`).toBeDefined();
  });

  it('declares the shared secretKeys question exactly as CONVENTIONS.md says', async () => {
    const conventions = readFileSync(join(BUILTIN_ROOT, 'CONVENTIONS.md'), 'utf8');
    const row = conventions.split('\n').find((line) => line.startsWith('| `secretKeys` |'));
    expect(row, 'CONVENTIONS.md has a secretKeys row').toBeDefined();
    const question = (await builtinTemplate('service@1.1.0')).manifest.questions.find((q) => q.name === 'secretKeys') as Obj | undefined;
    expect(question).toMatchObject({ type: 'string', default: 'DATABASE_URL' });
    expect(row).toContain(`\`${String(question!.pattern)}\``);
    expect(row).toContain(`| \`${String(question!.default)}\` |`);
  });

  it('rejects secret names that are not UPPER_SNAKE_CASE, and renders each name it accepts', async () => {
    await expect(renderBuiltin('service@1.1.0', { secretKeys: 'database_url' })).rejects.toThrow(/secretKeys/);
    await expect(renderBuiltin('service@1.1.0', { secretKeys: 'A, B' })).rejects.toThrow(/secretKeys/);
    const { files } = await render('1.1.0', { secretKeys: 'DATABASE_URL,STRIPE_API_KEY' });
    expect(read({ files } as Rendered, '.env.example')).toMatch(/^DATABASE_URL=\nSTRIPE_API_KEY=$/m);
    expect(read({ files } as Rendered, 'README.md')).toContain('-e DATABASE_URL -e STRIPE_API_KEY');
  });

  it('records its changes and the steps after an upgrade in CHANGELOG.md', () => {
    const changelog = readFileSync(join(BUILTIN_ROOT, 'service', '1.1.0', 'CHANGELOG.md'), 'utf8');
    expect(changelog).toMatch(/^## 1\.1\.0$/m);
    expect(changelog).toMatch(/^### After upgrading from 1\.0\.0$/m);
    expect(changelog.indexOf('## 1.1.0')).toBeLessThan(changelog.indexOf('## 1.0.0'));
  });

  it('measures latency in buckets that include every latency SLO threshold observability offers', async () => {
    const telemetry = read(await render('1.1.0', {}), 'src/telemetry.ts');
    const list = /export const HTTP_DURATION_BUCKETS = \[([^\]]*)\]/.exec(telemetry)?.[1];
    expect(list, 'src/telemetry.ts exports HTTP_DURATION_BUCKETS').toBeDefined();
    const buckets = list!.split(',').map((b) => b.trim()).filter(Boolean).map(Number);
    expect(buckets.every((b) => b > 0)).toBe(true);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    const observability = await builtinTemplate('observability');
    const threshold = observability.manifest.questions.find((q) => q.name === 'latencyThresholdSeconds') as { choices?: unknown[] } | undefined;
    expect(threshold?.choices?.length, 'observability asks for latencyThresholdSeconds').toBeGreaterThan(0);
    for (const choice of threshold!.choices!) expect(buckets, `threshold ${String(choice)} is a bucket boundary`).toContain(Number(choice));
  });

  it('pins a base image for every Node.js version it offers', async () => {
    const question = (await builtinTemplate('service@1.1.0')).manifest.questions.find((q) => q.name === 'nodeVersion') as { choices?: unknown[] } | undefined;
    const versions = (question?.choices ?? []).map((choice) => String(typeof choice === 'object' && choice !== null ? (choice as Obj).value : choice));
    expect(versions).toEqual(['22', '24']);
    for (const major of versions) {
      const pin = PINS.images?.[`node${major}`];
      expect(pin, `templates/pins.yaml images.node${major}`).toMatchObject({ image: 'node', tag: expect.stringMatching(new RegExp(`^${major}(\\.[\\d.]+)?-slim$`)) });
      expect(pin!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });
});
