import { UnsafeError } from '../core/errors.js';
import type { Policy } from '../template/schema.js';
import { isTruthy } from '../answers/resolve.js';
import { conditionResolver, policyResolver, templateId, type Template } from '../template/template.js';
import { createRenderer } from './handlebars.js';
import { assertSafePath, findCollision } from './paths.js';
import { fileTooLarge, resolveLimits, templateTooLarge, type RenderLimits } from './limits.js';

export interface RenderedFile {
  bytes: Uint8Array;
  executable: boolean;
  policy: Policy;
  /** The template file it came from (under files/), for messages. */
  source: string;
}

/** Rendered path (POSIX, relative to the target) -> file; keys in a stable order. */
export type RenderedTree = Map<string, RenderedFile>;

/** Answers are plain data; the renderer also sees @target (the folder name) and @template. */
export interface RenderContext {
  answers: Record<string, unknown>;
  targetName: string;
  /** Names of secret answers (a preset's too); the template's own secret questions always are. */
  secrets?: ReadonlySet<string>;
  /** Overrides of the render limits (tests); RENDER_LIMITS otherwise. */
  limits?: Partial<RenderLimits>;
  /** The CLI that manages the repository, as `{{@cli.package}}` and `{{@cli.version}}` (a dependency spec). */
  cli?: CliIdentity;
}

/** The CLI a generated repository pins (its package name, and the version or spec it depends on). */
export interface CliIdentity {
  package: string;
  version: string;
}

/** What templates see as @cli when a caller does not say (template tests, snapshots): a stable stand-in. */
export const STAND_IN_CLI: CliIdentity = { package: 'create-service', version: '0.0.0-test' };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Renders every file of a template; the same template and answers give the same bytes.
 * Secret answers are in the data of secret-policy files' contents only: anywhere else (a name,
 * another file, a partial it uses) they are simply not there, and a strict render fails.
 */
export function renderTemplate(template: Template, context: RenderContext): RenderedTree {
  const id = templateId(template);
  const limits = resolveLimits(context.limits);
  const secrets = secretNames(template, context.secrets);
  const renderer = createRenderer({
    secrets,
    partials: template.partials,
    templateId: id,
    limits,
    ...(template.compiled ? { cache: template.compiled } : {}),
    data: {
      target: context.targetName,
      template: { name: template.manifest.name, version: template.manifest.version },
      pins: template.pins,
      cli: context.cli ?? STAND_IN_CLI,
    },
  });
  const withSecrets = plainData(context.answers);
  const data = withoutSecrets(withSecrets, secrets);
  // Secrets are not recorded: re-rendering what was written has none, and secret files are never
  // compared, so an unknown secret renders empty there (create and add always have it).
  for (const name of secrets) if (!Object.hasOwn(withSecrets, name)) withSecrets[name] = null;
  const policyOf = policyResolver(template.manifest);
  const conditionsOf = conditionResolver(template.manifest);
  const manifestFile = `${template.root}/template.yaml`;
  const holds = new Map<string, boolean>();
  /** A file rule's `when`, rendered once per render over the non-secret answers. */
  const conditionHolds = (when: string): boolean => {
    let result = holds.get(when);
    if (result === undefined) holds.set(when, (result = isTruthy(renderer.render(when, data, manifestFile))));
    return result;
  };
  const tree: RenderedTree = new Map();
  let totalBytes = 0;

  // 1. Which files, under which names: everything up to their contents. A failure here is
  // reported only after the files before it are rendered, as a file-by-file loop would.
  const chosen: Array<{ file: Template['files'][number]; path: string; policy: Policy; source: string | undefined }> = [];
  let failure: { error: unknown } | undefined;
  for (const file of template.files) {
    try {
      const path = renderPath(file.path, (source) => renderer.render(source, data, `files/${file.path}`));
      if (path === undefined) continue;
      assertSafePath(path, id, file.path);
      if (!conditionsOf(path).every(conditionHolds)) continue;
      const policy = policyOf(path);
      let source: string | undefined;
      if (file.path.endsWith('.hbs')) {
        try {
          source = decoder.decode(file.bytes);
        } catch {
          throw new UnsafeError('template-not-utf8', `Template ${id}: files/${file.path} ends in .hbs but is not UTF-8 text.`, {
            hint: 'Only text files can be rendered; drop the .hbs suffix to copy the file as it is.',
          });
        }
      }
      chosen.push({ file, path, policy, source });
    } catch (error) {
      failure = { error };
      break;
    }
  }
  // 2. Their contents, compiled together (a speed-up only), then rendered in order.
  renderer.prepare(chosen.flatMap(({ source }) => (source === undefined ? [] : [source])));
  for (const { file, path, policy, source } of chosen) {
    let bytes = file.bytes;
    if (source !== undefined) {
      bytes = encoder.encode(renderer.render(source, policy === 'secret' ? withSecrets : data, `files/${file.path}`));
      if (bytes.byteLength > limits.maxFileBytes) throw fileTooLarge(id, `files/${file.path}`, limits);
    }
    totalBytes += bytes.byteLength;
    if (totalBytes > limits.maxTemplateBytes) throw templateTooLarge(id, `files/${file.path}`, limits);
    if (tree.has(path)) {
      throw new UnsafeError('template-duplicate-path', `Template ${id}: two files render to "${path}" (the second is files/${file.path}).`, {
        hint: 'Make the file names differ, or make one of them conditional.',
      });
    }
    tree.set(path, { bytes, executable: file.executable, policy, source: file.path });
  }
  if (failure) throw failure.error;
  const collision = findCollision(tree.keys());
  if (collision) {
    throw new UnsafeError('template-case-collision', `Template ${id}: "${collision[0]}" and "${collision[1]}" differ only by case or Unicode normalisation.`, {
      hint: 'They would be one file on macOS and Windows; rename one of them.',
    });
  }
  return tree;
}

/**
 * Renders a path under files/; undefined when any folder or file name in it renders empty
 * (that is how a template leaves a file out). The .hbs suffix is dropped. Names are rendered
 * one by one (a "/" inside {{ }} does not split them), so an answer holding a "/" cannot pass
 * for an empty name: it makes a path that the safety check then judges.
 */
function renderPath(path: string, render: (path: string) => string): string | undefined {
  const withoutSuffix = path.endsWith('.hbs') ? path.slice(0, -'.hbs'.length) : path;
  const rendered: string[] = [];
  for (const segment of splitPath(withoutSuffix)) {
    const name = segment.includes('{{') ? render(segment) : segment;
    if (name.trim() === '') return undefined;
    rendered.push(name);
  }
  return rendered.join('/');
}

/** Splits at the "/" between names, not at those inside {{ }} (as in {{/if}}). */
function splitPath(path: string): string[] {
  const segments: string[] = [];
  let current = '';
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    if (path.startsWith('{{', i)) {
      depth++;
      current += '{{';
      i++;
    } else if (path.startsWith('}}', i) && depth > 0) {
      depth--;
      current += '}}';
      i++;
    } else if (path[i] === '/' && depth === 0) {
      segments.push(current);
      current = '';
    } else {
      current += path[i];
    }
  }
  segments.push(current);
  return segments;
}

/** The template's secret questions, and any other secret answer names given. */
export function secretNames(template: Pick<Template, 'manifest'>, more: ReadonlySet<string> = new Set()): Set<string> {
  return new Set([...template.manifest.questions.filter((q) => q.secret).map((q) => q.name), ...more]);
}

/** Answers without the secret ones: the data of everything but a secret file's contents. */
export function withoutSecrets(answers: Record<string, unknown>, secrets: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(answers).filter(([name]) => !secrets.has(name)));
}

/** A deep copy holding only JSON data, so no function or prototype reaches the template. */
export function plainData(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}
