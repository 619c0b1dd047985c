import { createHash } from 'node:crypto';
import Handlebars from 'handlebars';
import type { CompiledCache } from './compiled-cache.js';

export { memoryCache, type CompiledCache } from './compiled-cache.js';

type TemplateSpecification = Parameters<typeof Handlebars.template>[0];
import { UsageError } from '../core/errors.js';
import { HELPERS } from './helpers.js';

/**
 * A fresh, hardened Handlebars environment per render: strict (a missing variable is an error),
 * no HTML escaping, only our helpers (an unknown helper fails at compile time), no prototype
 * access, and partials from the template itself.
 */
export interface Renderer {
  /** Renders source (from `file`, for messages) against a context of plain data. */
  render(source: string, context: object, file: string): string;
}

// Handlebars treats log and lookup as known by default; naming them false makes them compile errors.
const KNOWN_HELPERS = {
  ...Object.fromEntries([...Object.keys(HELPERS), 'if', 'unless', 'each', 'with'].map((name) => [name, true])),
  log: false,
  lookup: false,
};

const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  knownHelpers: KNOWN_HELPERS,
  knownHelpersOnly: true,
};

const FINGERPRINT = `${Handlebars.VERSION}\0${JSON.stringify(COMPILE_OPTIONS)}\0`;

export function compileKey(source: string): string {
  return createHash('sha256').update(FINGERPRINT).update(source).digest('hex').slice(0, 40);
}

/** A precompiled template spec (JavaScript source written by Handlebars' own precompiler). */
function reviveSpec(spec: string): TemplateSpecification {
  return new Function(`return (${spec});`)() as TemplateSpecification;
}

/** Compiles a source into the cache ahead of time (the build does this for built-in templates). */
export function precompileInto(cache: CompiledCache, source: string): void {
  const key = compileKey(source);
  if (cache.get(key) === undefined) cache.set(key, Handlebars.create().precompile(source, COMPILE_OPTIONS) as unknown as string);
}

export function createRenderer(options: {
  partials?: Record<string, string>;
  data?: Record<string, unknown>;
  templateId: string;
  /** Compiled templates from earlier runs (by source); new compilations are added to it. */
  cache?: CompiledCache;
}): Renderer {
  const env = Handlebars.create();
  for (const name of Object.keys(env.helpers)) env.unregisterHelper(name);
  for (const [name, fn] of Object.entries(builtinBlockHelpers(Handlebars))) env.registerHelper(name, fn);
  env.registerHelper(HELPERS);
  for (const [name, source] of Object.entries(options.partials ?? {})) env.registerPartial(name, source);

  return {
    render(source, context, file) {
      try {
        const key = compileKey(source);
        let spec = options.cache?.get(key);
        if (spec === undefined) {
          spec = env.precompile(source, COMPILE_OPTIONS) as unknown as string;
          options.cache?.set(key, spec);
        }
        const template = env.template(reviveSpec(spec));
        return template(context, {
          data: options.data ?? {},
          allowProtoPropertiesByDefault: false,
          allowProtoMethodsByDefault: false,
        });
      } catch (error) {
        throw renderError(error, file, options.templateId, context);
      }
    },
  };
}

/** Keep Handlebars' own if/unless/each/with; drop log, lookup and helperMissing hooks we don't vouch for. */
function builtinBlockHelpers(hbs: typeof Handlebars): Record<string, Handlebars.HelperDelegate> {
  const fresh = hbs.create();
  const keep: Record<string, Handlebars.HelperDelegate> = {};
  for (const name of ['if', 'unless', 'each', 'with', 'helperMissing', 'blockHelperMissing']) {
    const helper = fresh.helpers[name];
    if (helper) keep[name] = helper;
  }
  return keep;
}

function renderError(error: unknown, file: string, templateId: string, context: object): UsageError {
  const raw = error instanceof Error ? error.message : String(error);
  const exception = error as { lineNumber?: number; column?: number };
  let line = exception.lineNumber;
  let column = exception.column;
  const parse = /^Parse error on line (\d+):/.exec(raw);
  if (parse) line = Number(parse[1]);
  const missing = /^"([^"]+)" not defined in/.exec(raw);
  const unknownHelper = /unknown helper (\S+)/.exec(raw);
  const where = { file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column: column + 1 } : {}) };
  const at = line !== undefined ? `${file}:${line}` : file;
  if (missing) {
    const known = Object.keys(context).join(', ');
    return new UsageError('template-undefined-variable', `Template ${templateId}: ${at} uses "${missing[1]}", which is not defined.`, {
      where,
      hint: `Declare a question named "${missing[1]}" in template.yaml or fix the name. Defined: ${known || 'nothing'}.`,
    });
  }
  if (unknownHelper) {
    return new UsageError('template-unknown-helper', `Template ${templateId}: ${at} calls the unknown helper "${unknownHelper[1]}".`, {
      where,
      hint: 'Only the helpers listed in the template authoring guide exist; templates cannot add their own.',
    });
  }
  if (/is not pinned in pins\.yaml/.test(raw)) {
    return new UsageError('template-unknown-pin', `Template ${templateId}: ${at}: ${raw.replace(/ - \d+:\d+$/, '')}.`, {
      where,
      hint: 'Add the pin to the catalog\'s pins.yaml, or fix the name.',
    });
  }
  const summary = raw.replace(/ - \d+:\d+$/, '').split('\n').filter(Boolean);
  return new UsageError('template-syntax', `Template ${templateId}: ${at}: ${summary[0]}`, {
    where,
    problems: summary.slice(1),
    hint: 'Fix the Handlebars syntax; write a literal {{ as \\{{ or inside {{{{raw}}}}…{{{{/raw}}}}.',
  });
}
