import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { z } from 'zod';
import { parseYamlSource, validateSource } from '../core/yaml-source.js';
import { assertSafeRelative } from '../core/target.js';
import { unsafePathReason } from '../render/paths.js';
import { POLICIES, SEMVER, TEMPLATE_NAME } from '../template/schema.js';

/**
 * `.platform.yaml`, committed at the repository root: what each applied template wrote, so a
 * later upgrade can tell the template's lines from the team's.
 */
export const LOCKFILE_SCHEMA_VERSION = 1;

const SAFE_KEY = (key: string): boolean => !['__proto__', 'constructor', 'prototype'].includes(key);

const lockedFileSchema = z.strictObject({
  policy: z.enum(POLICIES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a sha256 in hex'),
  executable: z.boolean().optional(),
});
export type LockedFile = z.infer<typeof lockedFileSchema>;

const lockedTemplateSchema = z.strictObject({
  name: z.string().regex(TEMPLATE_NAME),
  version: z.string().regex(SEMVER),
  source: z.string().min(1),
  answers: z.record(z.string().refine(SAFE_KEY, 'is a reserved key'), z.unknown()),
  files: z.record(z.string().refine(SAFE_KEY, 'is a reserved key'), lockedFileSchema),
  /** The template's hooks did not run (untrusted, declined, conflicts) or one of them failed. */
  hooks: z.enum(['pending', 'failed']).optional(),
});
export type LockedTemplate = z.infer<typeof lockedTemplateSchema>;

export const lockfileSchema = z.strictObject({
  $schema: z.string().optional(),
  schemaVersion: z.literal(LOCKFILE_SCHEMA_VERSION),
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
  const source = parseYamlSource(text, file, 'Lockfile');
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

const HEADER =
  '# yaml-language-server: $schema=https://unpkg.com/create-service/templates/schemas/lockfile.schema.json\n' +
  '# Written by the platform CLI (create-service, platform add/upgrade): what each template wrote.\n' +
  '# Commit it. `platform upgrade` reads it to keep your edits; do not edit it by hand.\n';

/** Deterministic text: templates by name, files by path. */
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
  return HEADER + stringify({ schemaVersion: lock.schemaVersion, templates }, { lineWidth: 0 });
}

/** The lockfile with one template's entry added or replaced. */
export function withTemplate(lock: Lockfile, entry: LockedTemplate): Lockfile {
  return { ...lock, templates: [...lock.templates.filter((t) => t.name !== entry.name), entry] };
}
