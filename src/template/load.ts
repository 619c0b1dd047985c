import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { type Fs, statOrUndefined } from '../core/fs.js';
import { UnsafeError, UsageError } from '../core/errors.js';
import { parseYamlSource, validateSource } from '../core/yaml-source.js';
import { readInputFile } from '../core/input-file.js';
import { RENDER_LIMITS } from '../render/limits.js';
import { pinsSchema, templateManifestSchema } from './schema.js';
import { secretMisuses, type SecretCheckInput } from './secret-refs.js';
import { findSharedQuestions, referenceError, resolveQuestionRefs, type SharedQuestions } from './shared-questions.js';
import type { Template, TemplateFile, TemplateSource } from './template.js';

const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Reads one template folder (template.yaml, files/, partials/) into memory. Its `- use: NAME`
 * questions come from `shared` (by default the questions.yaml beside it or in its catalog).
 */
export async function loadTemplate(
  fs: Fs,
  root: string,
  source: TemplateSource,
  pins: Record<string, Record<string, unknown>> = {},
  shared?: SharedQuestions,
): Promise<Template> {
  const manifestPath = posix.join(root, 'template.yaml');
  for (const name of ['template.yaml', 'files', 'partials', 'CHANGELOG.md']) await refuseSymlink(fs, posix.join(root, name));
  const manifestBytes = await readTemplatePart(fs, manifestPath).catch((error: unknown) => {
    // Not there, or the template folder itself is not a folder.
    if (error instanceof UsageError || error instanceof UnsafeError) throw error;
    return undefined;
  });
  if (!manifestBytes) {
    throw new UsageError('template-missing', `No template.yaml in ${root}.`, {
      hint: 'A template is a folder with template.yaml and files/.',
    });
  }
  const text = decoder.decode(manifestBytes);
  const parsed = parseYamlSource(text, manifestPath, 'Template');
  const resolved = resolveQuestionRefs(parsed.data, shared ?? (await findSharedQuestions(fs, root)));
  if (resolved.problems[0]) throw referenceError(resolved.problems[0], manifestPath, (path) => parsed.locate(path));
  const manifest = validateSource(templateManifestSchema, { data: resolved.data, locate: (path) => parsed.locate(path) }, manifestPath, 'Template');
  const files = await readTree(fs, posix.join(root, 'files'));
  const partials: Record<string, string> = {};
  for (const file of await readTree(fs, posix.join(root, 'partials'))) {
    const name = file.path.replace(/\.hbs$/, '');
    partials[name] = decoder.decode(file.bytes);
  }
  refuseSecretMisuse({ manifest, files, partials, locate: (path) => parsed.locate(path) }, root);
  const changelogBytes = await readTemplatePart(fs, posix.join(root, 'CHANGELOG.md'));
  // The resolved questions too: a change in the catalog's questions.yaml is a change of the template.
  const hash = createHash('sha256').update(text).update(JSON.stringify(pins)).update(JSON.stringify(manifest.questions));
  for (const file of files) hash.update(`\0${file.path}\0${file.executable}\0`).update(file.bytes);
  for (const [name, partial] of Object.entries(partials)) hash.update(`\0partial:${name}\0${partial}`);
  return {
    manifest,
    source,
    root,
    files,
    partials,
    changelog: changelogBytes ? decoder.decode(changelogBytes) : undefined,
    pins,
    digest: hash.digest('hex'),
  };
}

/** A template that would render a secret answer outside a secret file is refused at load. */
function refuseSecretMisuse(input: SecretCheckInput, root: string): void {
  const misuse = secretMisuses(input)[0];
  if (!misuse) return;
  const file = posix.join(root, misuse.file);
  const at = misuse.line !== undefined ? `${misuse.file}:${misuse.line}` : misuse.file;
  throw new UsageError('template-secret-outside', `Template ${input.manifest.name}@${input.manifest.version}: ${at}: ${misuse.message}`, {
    where: { file, ...(misuse.line !== undefined ? { line: misuse.line } : {}), ...(misuse.column !== undefined ? { column: misuse.column } : {}) },
    hint: `Declare the file that holds "${misuse.secret}" with policy: secret in template.yaml (files: [{glob: .env, policy: secret}]); such files are written on create, never committed, hashed, shown or overwritten by the CLI. \`platform template lint\` lists every such use.`,
  });
}

/**
 * A template's own parts (template.yaml, files/, partials/, CHANGELOG.md, pins.yaml) may not be
 * links: a linked files/ would read whatever it points at, and used to pass as an empty folder.
 */
async function refuseSymlink(fs: Fs, path: string): Promise<void> {
  if ((await statOrUndefined(fs, path))?.isSymbolicLink()) {
    throw new UnsafeError('template-symlink', `The template holds a symbolic link: ${path}.`, {
      hint: 'Templates may not contain symbolic links; replace it with the file or folder itself.',
    });
  }
}

/**
 * template.yaml, CHANGELOG.md or pins.yaml: a regular file of at most 4 MiB, checked before it is
 * opened (a FIFO there would block the CLI for ever); undefined when absent.
 */
function readTemplatePart(fs: Fs, path: string): Promise<Uint8Array | undefined> {
  return readInputFile(fs, path, {
    kind: 'template',
    what: 'Template file',
    followLinks: false,
    hint: 'A template holds only regular files: replace it with the file itself.',
  });
}

/** The largest file a template may hold under files/ or partials/ (a render's whole budget). */
const MAX_TEMPLATE_FILE_BYTES = RENDER_LIMITS.maxTemplateBytes;

/** Every regular file under dir, sorted by path; symbolic links are refused. */
async function readTree(fs: Fs, dir: string): Promise<TemplateFile[]> {
  if (!(await statOrUndefined(fs, dir))?.isDirectory()) return [];
  const out: TemplateFile[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await fs.readdir(posix.join(dir, relative), { withFileTypes: true });
    for (const entry of entries) {
      const path = relative ? `${relative}/${entry.name}` : entry.name;
      const full = posix.join(dir, path);
      if (entry.isSymbolicLink()) {
        throw new UnsafeError('template-symlink', `The template holds a symbolic link: ${full}.`, {
          hint: 'Templates may not contain symbolic links; replace it with the file itself.',
        });
      }
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const stat = await fs.lstat(full);
        if (stat.size > MAX_TEMPLATE_FILE_BYTES) {
          throw new UsageError('template-file-too-large', `The template file ${full} is ${stat.size} bytes, more than a template may hold (${MAX_TEMPLATE_FILE_BYTES}).`, {
            where: { file: full },
            hint: 'Keep large assets out of templates (download them in a hook, or commit them in the repository).',
          });
        }
        out.push({ path, bytes: await fs.readFile(full), executable: (stat.mode & 0o111) !== 0 });
      }
    }
  };
  await walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The catalog's pins.yaml: groups (actions, images, tools) of named pins; empty if absent. */
export async function loadPins(fs: Fs, catalogRoot: string): Promise<Record<string, Record<string, unknown>>> {
  const file = posix.join(catalogRoot, 'pins.yaml');
  await refuseSymlink(fs, file);
  const bytes = await readTemplatePart(fs, file);
  if (!bytes) return {};
  const source = parseYamlSource(decoder.decode(bytes), file, 'Pins file');
  return validateSource(pinsSchema, source, file, 'Pins file');
}
