import { hash } from 'node:crypto';
import Handlebars from 'handlebars';
import type { CompiledCache } from './compiled-cache.js';

export { memoryCache, type CompiledCache } from './compiled-cache.js';

type TemplateSpecification = Parameters<typeof Handlebars.template>[0];
import { UsageError } from '../core/errors.js';
import { HELPERS } from './helpers.js';
import { PlatformError } from '../core/errors.js';
import { RenderBudget, resolveLimits, type RenderLimits } from './limits.js';

/**
 * A fresh, hardened Handlebars environment per render: strict (a missing variable is an error),
 * no HTML escaping, only our helpers (an unknown helper fails at compile time), no prototype
 * access, and partials from the template itself.
 */
export interface Renderer {
  /** Renders source (from `file`, for messages) against a context of plain data. */
  render(source: string, context: object, file: string): string;
  /**
   * Compiles the sources a render is about to use, all in one go: one JavaScript compile for
   * all their specs costs far less than one per file. Only a speed-up: a source that fails to
   * compile here is left to render(), which fails on it exactly as it would have.
   */
  prepare(sources: readonly string[]): void;
}

// Handlebars treats log and lookup as known by default; naming them false makes them compile errors.
const KNOWN_HELPERS = {
  ...Object.fromEntries([...Object.keys(HELPERS), 'if', 'unless', 'each', 'with'].map((name) => [name, true])),
  log: false,
  lookup: false,
};

/** Exported for tests that compile with another Handlebars build (the bundle's code generator). */
export const COMPILE_OPTIONS = {
  strict: true,
  noEscape: true,
  knownHelpers: KNOWN_HELPERS,
  knownHelpersOnly: true,
};

const FINGERPRINT = `${Handlebars.VERSION}\0${JSON.stringify(COMPILE_OPTIONS)}\0`;

/**
 * A fresh copy for each compile: Handlebars writes into the options it is given (data,
 * knownHelpers, and a blockParams stack that a compile failing inside a block would leave
 * non-empty for the next one).
 */
const compileOptions = (): typeof COMPILE_OPTIONS => ({ ...COMPILE_OPTIONS });

/** sha256 of the fingerprint and the source: one-shot hashing (Node >= 20.12, as package.json requires) costs a fraction of a Hash object per file. */
export function compileKey(source: string): string {
  return hash('sha256', FINGERPRINT + source, 'hex').slice(0, 40);
}

/** A precompiled template spec (JavaScript source written by Handlebars' own precompiler). */
function reviveSpec(spec: string): TemplateSpecification {
  return new Function(`return (${spec});`)() as TemplateSpecification;
}

/**
 * Many specs revived by one `new Function` (V8's per-call cost dominates for small templates);
 * undefined when that fails or does not give exactly one spec object each (a damaged cache),
 * so the caller revives them one by one and fails on the bad one as before.
 */
export function reviveSpecs(specs: readonly string[]): TemplateSpecification[] | undefined {
  if (specs.length === 0) return [];
  try {
    const revived = new Function(`return [\n${specs.map((spec) => `(${spec})`).join(',\n')}\n];`)() as unknown;
    if (!Array.isArray(revived) || revived.length !== specs.length) return undefined;
    if (!revived.every((spec) => spec !== null && typeof spec === 'object' && typeof (spec as { main?: unknown }).main === 'function')) return undefined;
    return revived as TemplateSpecification[];
  } catch {
    return undefined;
  }
}

/** Compiles a source into the cache ahead of time (the build does this for built-in templates). */
export function precompileInto(cache: CompiledCache, source: string): void {
  const key = compileKey(source);
  if (cache.get(key) === undefined) cache.set(key, Handlebars.create().precompile(source, compileOptions()) as unknown as string);
}

export function createRenderer(options: {
  partials?: Record<string, string>;
  data?: Record<string, unknown>;
  templateId: string;
  /** Compiled templates from earlier runs (by source); new compilations are added to it. */
  cache?: CompiledCache;
  /** Overrides of the render limits (tests); RENDER_LIMITS otherwise. */
  limits?: Partial<RenderLimits>;
  /** Names of secret answers: one missing from the data is reported as a secret out of place. */
  secrets?: ReadonlySet<string>;
}): Renderer {
  const limits = resolveLimits(options.limits);
  // The budget of the render() call in progress; helpers, blocks and partials check it.
  let budget = new RenderBudget(limits, options.templateId, '(template)');
  const current = (): RenderBudget => budget;

  const env = Handlebars.create();
  for (const name of Object.keys(env.helpers)) env.unregisterHelper(name);
  for (const [name, fn] of Object.entries(builtinBlockHelpers(Handlebars))) env.registerHelper(name, guardBlockHelper(fn, current));
  for (const [name, fn] of Object.entries(HELPERS)) env.registerHelper(name, guardHelper(name, fn, current));
  // Files and partials compile the same way, through the same cache.
  // Specs revived ahead of rendering by prepare(), by source.
  const prepared = new Map<string, TemplateSpecification>();
  const specOf = (source: string, key: string): string => {
    let spec = options.cache?.get(key);
    if (spec === undefined) {
      spec = env.precompile(source, compileOptions()) as unknown as string;
      options.cache?.set(key, spec);
    }
    return spec;
  };
  const compile = (source: string): Handlebars.TemplateDelegate => {
    const ready = prepared.get(source);
    if (ready) return env.template(ready);
    const key = compileKey(source);
    const cached = options.cache?.get(key);
    if (cached !== undefined) {
      try {
        return env.template(reviveSpec(cached));
      } catch {
        // A damaged cache entry only costs a compile (and is replaced): it never fails a render.
      }
    }
    const spec = env.precompile(source, compileOptions()) as unknown as string;
    options.cache?.set(key, spec);
    return env.template(reviveSpec(spec));
  };
  const secrets = options.secrets ?? new Set<string>();
  const fail = (error: unknown, file: string, context: unknown): never => {
    throw renderError(error, file, options.templateId, context && typeof context === 'object' ? context : {}, secrets);
  };
  for (const [name, source] of Object.entries(options.partials ?? {})) {
    env.registerPartial(name, guardPartial(name, source, current, compile, fail));
  }

  return {
    prepare(sources) {
      const batch = new Map<string, string>();
      for (const source of sources) {
        if (prepared.has(source) || batch.has(source)) continue;
        try {
          batch.set(source, specOf(source, compileKey(source)));
        } catch {
          // render() compiles it again and reports the error at its place in the order.
        }
      }
      const revived = reviveSpecs([...batch.values()]);
      if (revived) [...batch.keys()].forEach((source, index) => prepared.set(source, revived[index]!));
    },
    render(source, context, file) {
      const outer = budget;
      budget = new RenderBudget(limits, options.templateId, file);
      try {
        const template = compile(source);
        const output = template(context, {
          data: options.data ?? {},
          allowProtoPropertiesByDefault: false,
          allowProtoMethodsByDefault: false,
        });
        budget.checkSize(output.length);
        budget.tick();
        return output;
      } catch (error) {
        if (error instanceof PlatformError) throw error;
        return fail(error, file, context);
      } finally {
        budget = outer;
      }
    },
  };
}

type HelperOptionsLike = { fn?: (...args: unknown[]) => string; inverse?: (...args: unknown[]) => string };

/**
 * if/unless/each/with and blockHelperMissing: every run of the block body is a step of the budget, and
 * the output the block has produced so far (an {{#each}} over a huge list stops at the size limit).
 */
function guardBlockHelper(helper: Handlebars.HelperDelegate, budget: () => RenderBudget): Handlebars.HelperDelegate {
  return function (this: unknown, ...args: unknown[]) {
    budget().tick();
    const last = args[args.length - 1] as HelperOptionsLike | undefined;
    if (last && typeof last === 'object' && typeof last.fn === 'function') {
      let produced = 0;
      const guard = (inner: (...a: unknown[]) => string) =>
        Object.assign(function (this: unknown, ...a: unknown[]) {
          const b = budget();
          b.tick();
          const out = inner.apply(this, a);
          produced += typeof out === 'string' ? out.length : 0;
          b.checkSize(produced);
          return out;
        }, inner);
      args[args.length - 1] = { ...last, fn: guard(last.fn), ...(typeof last.inverse === 'function' ? { inverse: guard(last.inverse) } : {}) };
    }
    const result = (helper as (...a: unknown[]) => unknown).apply(this, args);
    if (typeof result === 'string') budget().checkSize(result.length);
    return result;
  };
}

/** Our helpers: a step before, the size after; indent refuses a width that would inflate past the limit. */
function guardHelper(name: string, helper: Handlebars.HelperDelegate, budget: () => RenderBudget): Handlebars.HelperDelegate {
  return function (this: unknown, ...args: unknown[]) {
    const b = budget();
    b.tick();
    if (name === 'indent' && typeof args[1] === 'number') {
      const text = String(args[0] ?? '');
      let lines = 1;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
      b.checkSize(text.length + Math.max(0, args[1]) * lines);
    }
    const result = (helper as (...a: unknown[]) => unknown).apply(this, args);
    if (typeof result === 'string') b.checkSize(result.length);
    return result;
  };
}

/**
 * A template's partial, compiled on first use with exactly the options and the cache of a file
 * (strict, no escaping, our helpers only), behind a depth bound: a partial that includes itself
 * stops with a clear error. Its own errors name the partial, not only the file that included it.
 */
function guardPartial(
  name: string,
  source: string,
  budget: () => RenderBudget,
  compile: (source: string) => Handlebars.TemplateDelegate,
  fail: (error: unknown, file: string, context: unknown) => never,
): Handlebars.Template {
  let compiled: Handlebars.TemplateDelegate | undefined;
  const partial = (context: unknown, runtime: Handlebars.RuntimeOptions): string => {
    const b = budget();
    b.enterPartial(name);
    try {
      compiled ??= compile(source);
      const out = compiled(context, runtime);
      b.checkSize(out.length);
      return out;
    } catch (error) {
      if (error instanceof PlatformError) throw error;
      return fail(error, `partials/${name}.hbs (included by ${b.file})`, context);
    } finally {
      b.leavePartial();
    }
  };
  return partial as unknown as Handlebars.Template;
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

function renderError(error: unknown, file: string, templateId: string, context: object, secrets: ReadonlySet<string>): UsageError {
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
  if (missing && secrets.has(missing[1]!)) {
    return new UsageError('template-secret-outside', `Template ${templateId}: ${at} uses the secret answer "${missing[1]}", but only files with the secret policy may hold a secret.`, {
      where,
      hint: `Render "${missing[1]}" only into a file declared with policy: secret in template.yaml (files: [{glob: .env, policy: secret}]), never into other files, file names, renames or other questions' defaults.`,
    });
  }
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
