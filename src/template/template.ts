import type { Policy, TemplateManifest } from './schema.js';
import { globMatcher } from './glob.js';
import type { CompiledCache } from '../render/compiled-cache.js';

/**
 * Where a template came from, set by whatever loaded it: the built-in catalog, a folder, or the
 * lockfile source (`git:URL[//SUB]`, `npm:PACKAGE[//SUB]`) of a repository or package.
 */
export type TemplateSource = { kind: 'builtin' } | { kind: 'dir'; path: string } | { kind: 'git' | 'npm'; source: string };

/** The lockfile source of a template (canonicalSource makes it the recorded form). */
export function lockfileSource(source: TemplateSource): string {
  if (source.kind === 'builtin') return 'builtin';
  return source.kind === 'dir' ? `dir:${source.path}` : source.source;
}

export interface TemplateFile {
  /** Path under files/, POSIX separators, still with Handlebars in it. */
  path: string;
  bytes: Uint8Array;
  executable: boolean;
}

export interface Template {
  manifest: TemplateManifest;
  source: TemplateSource;
  /** Folder holding template.yaml, for messages. */
  root: string;
  files: TemplateFile[];
  partials: Record<string, string>;
  changelog: string | undefined;
  /** The catalog's pins.yaml (action SHAs, image digests), available as {{action}}, {{image}}, {{pin}}. */
  pins: Record<string, Record<string, unknown>>;
  /** sha256 of everything the template is made of: names its compiled form. */
  digest: string;
  /** Compiled Handlebars from earlier runs, attached by the CLI; renders add to it. */
  compiled?: CompiledCache;
}

export function templateId(template: Pick<Template, 'manifest'>): string {
  return `${template.manifest.name}@${template.manifest.version}`;
}

/** The policy of a rendered path: the first matching rule wins, merge by default. */
export function policyResolver(manifest: TemplateManifest): (path: string) => Policy {
  const rules = manifest.files.flatMap((rule) => (rule.policy === undefined ? [] : [{ matches: globMatcher(rule.glob), policy: rule.policy }]));
  return (path) => rules.find((rule) => rule.matches(path))?.policy ?? 'merge';
}

/** The `when` conditions of every file rule matching a rendered path (all must hold to write it). */
export function conditionResolver(manifest: TemplateManifest): (path: string) => string[] {
  const rules = manifest.files.flatMap((rule) => (rule.when === undefined ? [] : [{ matches: globMatcher(rule.glob), when: rule.when }]));
  return (path) => rules.filter((rule) => rule.matches(path)).map((rule) => rule.when);
}
