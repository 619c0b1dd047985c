/**
 * Where a template may use a secret answer: only in the contents of files with the `secret`
 * policy (and the partials those use). A static check over the Handlebars of every file, file
 * name, partial, rename, hook and question expression, run when a template is loaded and by
 * `platform template lint`. Any reference counts, a condition too: it would put a bit of the
 * secret into a committed file (and at render time a secret is simply absent there).
 */
import type { Location } from '../core/errors.js';
import { analyze, parseHandlebars, ROOT_SCOPE, type Analysis, type Scope } from '../authoring/handlebars-refs.js';
import { policyResolver } from './template.js';
import type { TemplateManifest } from './schema.js';

export interface SecretMisuse {
  /** Relative to the template folder: files/…, partials/…, template.yaml. */
  file: string;
  /** Says what and why, without the location (file and line are beside it). */
  line?: number;
  column?: number;
  secret: string;
  message: string;
}

export interface SecretCheckInput {
  manifest: TemplateManifest;
  files: ReadonlyArray<{ path: string; bytes: Uint8Array }>;
  partials: Readonly<Record<string, string>>;
  /** Where a field of template.yaml is (for its line); none: template.yaml without a line. */
  locate?: (path: PropertyKey[]) => Location;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

/** Every place a secret answer is used outside a secret file's contents. */
export function secretMisuses(input: SecretCheckInput): SecretMisuse[] {
  const { manifest } = input;
  const secrets = new Set(manifest.questions.filter((q) => q.secret).map((q) => q.name));
  if (secrets.size === 0) return [];
  const policyOf = policyResolver(manifest);
  const out: SecretMisuse[] = [];
  const seenPartials = new Set<string>();

  const report = (analysis: Analysis, file: string, what: string, at?: Location): void => {
    for (const ref of analysis.refs) {
      if (ref.scope !== 'root' || !secrets.has(ref.name)) continue;
      const line = at ? at.line : ref.line;
      const column = at ? at.column : ref.column;
      out.push({
        file,
        ...(line !== undefined ? { line } : {}),
        ...(column !== undefined ? { column } : {}),
        secret: ref.name,
        message: `The secret answer "${ref.name}" is used in ${what}; a secret may only be rendered into the contents of files with the secret policy.`,
      });
    }
  };

  /** Partials a non-secret source uses, followed in the scope they are called in. */
  const follow = (analysis: Analysis, usedBy: string): void => {
    for (const call of analysis.partials) {
      const source = input.partials[call.name];
      const key = `${call.name}\0${scopeKey(call.scope)}`;
      if (source === undefined || seenPartials.has(key)) continue;
      seenPartials.add(key);
      const parsed = parseHandlebars(source);
      if ('error' in parsed) continue; // a syntax error is reported on its own
      const inner = analyze(parsed.ast, call.scope);
      report(inner, `partials/${call.name}.hbs`, `a partial used by ${usedBy}, which is not a secret file`);
      follow(inner, usedBy);
    }
  };

  const check = (text: string, file: string, what: string, at?: Location): void => {
    if (!text.includes('{{')) return;
    const parsed = parseHandlebars(text);
    if ('error' in parsed) return;
    const analysis = analyze(parsed.ast, ROOT_SCOPE);
    report(analysis, file, what, at);
    follow(analysis, file);
  };

  for (const file of input.files) {
    const display = `files/${file.path}`;
    const target = file.path.endsWith('.hbs') ? file.path.slice(0, -'.hbs'.length) : file.path;
    check(target, display, 'its file name', { file: display });
    if (!file.path.endsWith('.hbs') || policyOf(target) === 'secret') continue;
    check(decoder.decode(file.bytes), display, 'a file that is not a secret file');
  }

  const locate = (path: PropertyKey[]): Location => input.locate?.(path) ?? { file: 'template.yaml' };
  manifest.questions.forEach((question, index) => {
    if (question.secret) return; // a secret's own default may come from another secret: not recorded
    const fields: Array<[PropertyKey[], unknown]> = [[['questions', index, 'when'], question.when]];
    if (Array.isArray(question.default)) question.default.forEach((value, i) => fields.push([['questions', index, 'default', i], value]));
    else fields.push([['questions', index, 'default'], question.default]);
    for (const [field, value] of fields) {
      if (typeof value !== 'string') continue;
      check(value, 'template.yaml', `${question.name}.${String(field[2])} (the question is not secret, so its answer is recorded)`, located(locate(field)));
    }
  });
  manifest.files.forEach((rule, index) => {
    if (rule.when !== undefined) check(rule.when, 'template.yaml', `files.${index}.when (which files exist is committed)`, located(locate(['files', index, 'when'])));
  });
  manifest.renames.forEach((rename, index) => {
    for (const side of ['from', 'to'] as const) check(rename[side], 'template.yaml', `renames.${index}.${side}`, located(locate(['renames', index, side])));
  });
  manifest.hooks.forEach((hook, index) => {
    hook.run.forEach((arg, i) => check(arg, 'template.yaml', `hook ${index + 1} (hooks are never given secrets)`, located(locate(['hooks', index, 'run', i]))));
  });
  return out;
}

/** A location of template.yaml, with the line and column the message shows (if known). */
function located(location: Location): Location {
  return { file: 'template.yaml', ...(location.line !== undefined ? { line: location.line } : {}), ...(location.column !== undefined ? { column: location.column } : {}) };
}

function scopeKey(scope: Scope): string {
  return scope.kind === 'nested' ? 'nested' : `root:${[...scope.defined].sort().join(',')}`;
}
