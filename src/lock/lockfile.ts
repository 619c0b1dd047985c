import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MAX_INPUT_BYTES, parseYamlSource, validateSource, type SourceData } from '../core/yaml-source.js';
import { POLICIES, SEMVER, TEMPLATE_NAME, type Policy } from '../template/schema.js';
import { PlatformError } from '../core/errors.js';
import { canonicalSource } from '../sources/canonical.js';
import { emitYaml } from './yaml-emit.js';
import { readEmittedYaml } from './yaml-read.js';

function sourceProblem(source: string): string | undefined {
  try {
    canonicalSource(source);
    return undefined;
  } catch (error) {
    if (error instanceof PlatformError) return error.message;
    throw error;
  }
}
import { assertSafeRelative } from '../core/target.js';
import { unsafePathReason } from '../render/paths.js';

/**
 * `.platform.yaml`, committed at the repository root: what each applied template wrote, so a
 * later upgrade can tell the template's lines from the team's.
 */
export const LOCKFILE_SCHEMA_VERSION = 1;

const SAFE_KEY = (key: string): boolean => !['__proto__', 'constructor', 'prototype'].includes(key);

/** A secret file is recorded without a hash: a hash of a short secret can be brute-forced. */
const lockedFileSchema = z.discriminatedUnion('policy', [
  z.strictObject({
    policy: z.enum(POLICIES.filter((p) => p !== 'secret') as ['merge', 'once', 'owned']),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex'),
    executable: z.boolean().optional(),
  }),
  z.strictObject({
    policy: z.literal('secret'),
    executable: z.boolean().optional(),
  }),
]);
export type LockedFile = z.infer<typeof lockedFileSchema>;

/** The recorded hash of a file; undefined for a secret file (never hashed). */
export function recordedHash(file: LockedFile): string | undefined {
  return file.policy === 'secret' ? undefined : file.sha256;
}

/** The lockfile entry of a file the template wrote: secret files get no hash. */
export function lockedFile(policy: Policy, bytes: Uint8Array, executable: boolean): LockedFile {
  const flag = executable ? { executable: true } : {};
  return policy === 'secret' ? { policy, ...flag } : { policy, sha256: sha256(bytes), ...flag };
}

const lockedTemplateSchema = z.strictObject({
  name: z.string().regex(TEMPLATE_NAME),
  version: z.string().regex(SEMVER),
  // Checked here so a bad source is reported with its line; every use canonicalises it again.
  source: z.string().min(1).superRefine((source, ctx) => {
    const problem = sourceProblem(source);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  }),
  answers: z.record(z.string().refine(SAFE_KEY, 'is a reserved key'), z.unknown()),
  files: z.record(z.string().refine(SAFE_KEY, 'is a reserved key'), lockedFileSchema),
  /** The template's hooks did not run (untrusted, declined, conflicts) or one of them failed. */
  hooks: z.enum(['pending', 'failed']).optional(),
});
export type LockedTemplate = z.infer<typeof lockedTemplateSchema>;

const NPM_PACKAGE = /^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/;

export const lockfileSchema = z.strictObject({
  $schema: z.string().optional(),
  schemaVersion: z.literal(LOCKFILE_SCHEMA_VERSION),
  /** The CLI the templates were last rendered for (`{{@cli}}`): base renders use it again. */
  cli: z.strictObject({ package: z.string().regex(NPM_PACKAGE, 'must be an npm package name').max(214), version: z.string().regex(/^[A-Za-z0-9@:/._+~^<>=|*, -]{1,512}$/, 'must be a dependency spec') }).optional(),
  templates: z.array(lockedTemplateSchema),
});
export type Lockfile = z.infer<typeof lockfileSchema>;

export const EMPTY_LOCKFILE: Lockfile = { schemaVersion: LOCKFILE_SCHEMA_VERSION, templates: [] };

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The lockfile comes from the repository, so it is input like any other: each `files:` key must
 * pass the same checks as a rendered path (exit 5 with its line), before anything reads it.
 */
export function parseLockfile(text: string, file: string): Lockfile {
  const source = lockfileSource(text, file);
  const lock = validateSource(lockfileSchema, source, file, 'Lockfile');
  for (const [index, template] of lock.templates.entries()) {
    for (const path of Object.keys(template.files)) {
      // Located only when refused: locating every key would make a large lockfile quadratic.
      if (unsafePathReason(path) === undefined) continue;
      assertSafeRelative(path, { what: `the files of ${template.name} in the lockfile`, where: source.locate(['templates', index, 'files', path]) });
    }
  }
  return lock;
}

/**
 * The lockfile's data: read directly when it is exactly as this CLI writes it (readEmittedYaml
 * proves that), else by the one YAML reader. Lines for messages always come from that reader.
 */
function lockfileSource(text: string, file: string): SourceData {
  const data = text.length <= MAX_INPUT_BYTES.lockfile ? readEmittedYaml(text) : undefined;
  if (data === undefined) return parseYamlSource(text, file, 'Lockfile');
  let parsed: SourceData | undefined;
  return { data, locate: (path) => (parsed ??= parseYamlSource(text, file, 'Lockfile')).locate(path) };
}

const HEADER =
  '# Written by the platform CLI (create-service, platform add/upgrade): what each template wrote.\n' +
  '# Commit it. `platform upgrade` reads it to keep your edits; do not edit it by hand.\n';

/**
 * Editors check the lockfile against the schema of the CLI pinned in the repository (its copy in
 * node_modules), never one fetched by package name from a CDN.
 */
function schemaLine(lock: Lockfile): string {
  // Only a valid package name goes into the comment (a newline in it would end the comment).
  return lock.cli && NPM_PACKAGE.test(lock.cli.package) ? `# yaml-language-server: $schema=./node_modules/${lock.cli.package}/templates/schemas/lockfile.schema.json\n` : '';
}

/** Deterministic text: templates by name, files by path; written without a YAML document tree (see yaml-emit). */
export function serializeLockfile(lock: Lockfile): string {
  const templates = [...lock.templates]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((t) => ({
      name: t.name,
      version: t.version,
      source: t.source,
      answers: t.answers,
      files: Object.fromEntries(Object.keys(t.files).sort().map((path) => [path, t.files[path]])),
      ...(t.hooks ? { hooks: t.hooks } : {}),
    }));
  return schemaLine(lock) + HEADER + emitYaml({ schemaVersion: lock.schemaVersion, ...(lock.cli ? { cli: lock.cli } : {}), templates });
}

/** The lockfile with one template's entry added or replaced. */
export function withTemplate(lock: Lockfile, entry: LockedTemplate): Lockfile {
  return { ...lock, templates: [...lock.templates.filter((t) => t.name !== entry.name), entry] };
}
