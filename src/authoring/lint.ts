/**
 * `platform template lint`: what is wrong with a template folder, each problem with its file and
 * line, without rendering it. Errors are what would fail (or silently break) a render; warnings
 * are what is probably a mistake.
 */
import { posix } from 'node:path';
import { type Fs, readFileOrUndefined } from '../core/fs.js';
import { PlatformError, closest, type Location } from '../core/errors.js';
import { parseYamlSource, type SourceData } from '../core/yaml-source.js';
import { parseAnswersFile } from '../answers/file.js';
import { unsafePathReason } from '../render/paths.js';
import { TEMPLATE_NAME, templateManifestSchema, type TemplateManifest } from '../template/schema.js';
import { isVersion } from '../template/semver.js';
import { globMatcher } from '../template/glob.js';
import { secretMisuses } from '../template/secret-refs.js';
import { findSharedQuestions, resolveQuestionRefs, SHARED_QUESTIONS_FILE } from '../template/shared-questions.js';
import {
  analyze,
  findForeignExpressions,
  offsetOf,
  parseHandlebars,
  ROOT_SCOPE,
  stringLiterals,
  type Analysis,
  type HandlebarsAst,
  type Position,
  type Scope,
} from './handlebars-refs.js';
import { readTree } from './template-dir.js';
import { FIXTURE_EXTENSIONS, DEFAULTS_CASE } from './fixtures.js';

export type Severity = 'error' | 'warning';

/** Where other tools' {{ }} are in a source: the lines, and whether a position is inside one. */
interface Foreign {
  lines: ReadonlySet<number>;
  covers(position: Position): boolean;
}

export interface LintProblem {
  severity: Severity;
  code: string;
  message: string;
  /** Relative to the template folder: template.yaml, files/…, partials/…, tests/…. */
  file: string;
  line?: number;
  column?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Every problem found in the template folder dir, sorted by file and line. */
export async function lintTemplate(fs: Fs, dir: string): Promise<LintProblem[]> {
  const problems: LintProblem[] = [];
  const add = (severity: Severity, code: string, message: string, file: string, where?: Partial<Position> | Location): void => {
    const line = where?.line;
    const column = where?.column;
    if (problems.some((p) => p.code === code && p.file === file && p.line === line && p.message === message)) return;
    problems.push({ severity, code, message, file, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) });
  };
  const fromError = (error: unknown, file: string): void => {
    if (!(error instanceof PlatformError)) throw error;
    add('error', error.code, error.message, file, error.where);
  };

  // ---------------------------------------------------------------- template.yaml
  const manifestBytes = await readFileOrUndefined(fs, posix.join(dir, 'template.yaml'));
  if (!manifestBytes) {
    add('error', 'template-missing', 'There is no template.yaml.', 'template.yaml');
    return problems;
  }
  let source: SourceData | undefined;
  try {
    source = parseYamlSource(new TextDecoder().decode(manifestBytes), 'template.yaml', 'Template');
  } catch (error) {
    fromError(error, 'template.yaml');
  }
  let manifest: TemplateManifest | undefined;
  if (source) {
    // `- use: NAME` questions: resolved from the catalog's questions.yaml, each unknown name reported where it is used.
    let data = source.data;
    try {
      const found = resolveQuestionRefs(data, await findSharedQuestions(fs, dir));
      data = found.data;
      for (const problem of found.problems) {
        add('error', 'question-reference', `${problem.message} ${problem.hint}`, 'template.yaml', source.locate(['questions', problem.index, problem.field]));
      }
    } catch (error) {
      fromError(error, SHARED_QUESTIONS_FILE);
    }
    const result = templateManifestSchema.safeParse(data);
    if (result.success) manifest = result.data;
    else {
      for (const issue of result.error.issues) {
        const field = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
        // An unknown key is reported on its own line rather than its parent's.
        const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
        add('error', 'schema', `${field}: ${issue.message}`, 'template.yaml', source.locate(keys.length > 0 ? [...issue.path, keys[0]!] : issue.path));
      }
    }
  }
  const locate = (path: PropertyKey[]): Location => source?.locate(path) ?? { file: 'template.yaml' };

  if (manifest) {
    const folder = posix.basename(dir);
    if (isVersion(folder) && manifest.version !== folder) {
      add('error', 'version-folder', `version is ${manifest.version} but the folder is ${folder}: a version lives in the folder of its name.`, 'template.yaml', locate(['version']));
    }
    const expectedName = isVersion(folder) ? posix.basename(posix.dirname(dir)) : folder;
    if (TEMPLATE_NAME.test(expectedName) && manifest.name !== expectedName) {
      add('warning', 'name-folder', `name is "${manifest.name}" but the folder is "${expectedName}": a template is found by its folder's name.`, 'template.yaml', locate(['name']));
    }
  }

  const questions = manifest?.questions ?? [];
  const questionIndex = new Map(questions.map((q, i) => [q.name, i]));
  const isQuestion = (name: string): boolean => questionIndex.has(name);
  const uses = new Set<string>();
  const maybeUses = new Set<string>();
  let incomplete = false;

  const undeclared = (name: string): string => {
    const near = closest(name, questionIndex.keys());
    return `"${name}" is not a question in template.yaml${near ? `; did you mean "${near}"?` : '.'} A variable must be declared as a question.`;
  };

  /** Records what an analysis used, and reports what it may not use. */
  const collect = (analysis: Analysis, file: string, options: { foreign?: Foreign; at?: Location; kind: 'content' | 'name' }): void => {
    const where = (pos: Position): Partial<Position> | Location | undefined => options.at ?? (options.kind === 'name' ? undefined : pos);
    for (const ref of analysis.refs) {
      if (ref.scope === 'nested') {
        maybeUses.add(ref.name);
        continue;
      }
      uses.add(ref.name);
      if (!manifest || options.foreign?.covers(ref)) continue;
      if (!isQuestion(ref.name)) add('error', 'undeclared-variable', undeclared(ref.name), file, where(ref));
    }
    for (const helper of analysis.unknownHelpers) {
      if (options.foreign?.covers(helper)) continue;
      add('error', 'unknown-helper', `"${helper.name}" is not a helper; only the helpers in the template guide exist (templates cannot add their own).`, file, where(helper));
    }
  };

  /** A file's Handlebars: decoded, foreign {{ }} reported, parsed (ast undefined on a syntax error, reported). */
  const parseSource = (bytes: Uint8Array, display: string): { ast: HandlebarsAst | undefined; foreign: Foreign } | undefined => {
    const text = decodeOrReport(bytes, display);
    if (text === undefined) return undefined;
    const foreign = reportForeign(text, display);
    const parsed = parseHandlebars(text);
    if ('ast' in parsed) return { ast: parsed.ast, foreign };
    incomplete = true;
    if (!foreign.lines.has(parsed.error.line)) add('error', 'handlebars-syntax', parsed.error.message, display, parsed.error);
    return { ast: undefined, foreign };
  };

  // ---------------------------------------------------------------- partials
  const partialTree = await readTree(fs, posix.join(dir, 'partials'));
  const partials = new Map<string, { file: string; ast: HandlebarsAst | undefined; foreign: Foreign }>();
  for (const file of partialTree.files) {
    const display = `partials/${file.path}`;
    const source = parseSource(file.bytes, display);
    if (source) partials.set(file.path.replace(/\.hbs$/, ''), { file: display, ast: source.ast, foreign: source.foreign });
  }
  for (const link of partialTree.symlinks) add('error', 'symlink', 'Templates may not contain symbolic links; replace it with the file itself.', `partials/${link}`);

  const usedPartials = new Set<string>();
  const analysedPartials = new Set<string>();
  const followPartials = (analysis: Analysis, file: string, where: (pos: Position) => Partial<Position> | undefined): void => {
    for (const call of analysis.partials) {
      const partial = partials.get(call.name);
      if (!partial) {
        add('error', 'unknown-partial', `The partial "${call.name}" does not exist (expected partials/${call.name}.hbs).`, file, where(call));
        continue;
      }
      usedPartials.add(call.name);
      const key = `${call.name}\0${scopeKey(call.scope)}`;
      if (analysedPartials.has(key) || !partial.ast) continue;
      analysedPartials.add(key);
      const inner = analyze(partial.ast, call.scope);
      collect(inner, partial.file, { foreign: partial.foreign, kind: 'content' });
      followPartials(inner, partial.file, (pos) => pos);
    }
  };

  // ---------------------------------------------------------------- files/
  const fileTree = await readTree(fs, posix.join(dir, 'files'));
  for (const link of fileTree.symlinks) add('error', 'symlink', 'Templates may not contain symbolic links; replace it with the file itself.', `files/${link}`);
  if (fileTree.files.length === 0 && fileTree.symlinks.length === 0) add('warning', 'no-files', 'The template writes nothing: files/ is empty or missing.', 'files');

  for (const file of fileTree.files) {
    const display = `files/${file.path}`;
    const rendered = file.path.endsWith('.hbs');
    const target = rendered ? file.path.slice(0, -'.hbs'.length) : file.path;

    // The path: its Handlebars, and where it could land.
    if (target.includes('{{')) {
      const parsed = parseHandlebars(target);
      if ('error' in parsed) {
        incomplete = true;
        add('error', 'handlebars-syntax', `In the file name: ${parsed.error.message}`, display);
      } else {
        const analysis = analyze(parsed.ast, ROOT_SCOPE);
        collect(analysis, display, { kind: 'name' });
        followPartials(analysis, display, () => undefined);
        for (const literal of stringLiterals(parsed.ast)) {
          const reason = literalPathReason(literal);
          if (reason) add('error', 'unsafe-path', `The file name holds "${literal}", which ${reason}.`, display);
        }
      }
    }
    const reason = unsafePathReason(target.replace(/\{\{\{?[\s\S]*?\}?\}\}/g, 'x'));
    if (reason) add('error', 'unsafe-path', `It would be written to "${target}", and ${reason}.`, display);

    if (!rendered) {
      // Copied byte for byte: an answer written here stays {{name}} in the output.
      const text = tryDecode(file.bytes);
      const match = text === undefined ? undefined : [...text.matchAll(/(?<![$\\])\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g)].find((m) => isQuestion(m[1]!));
      if (match && text !== undefined) {
        add('warning', 'not-rendered', `It uses {{${match[1]}}} but is copied as it is (no .hbs suffix): name it ${file.path}.hbs to render it.`, display, positionFor(text, match.index));
      }
      continue;
    }
    const source = parseSource(file.bytes, display);
    if (!source?.ast) continue;
    const analysis = analyze(source.ast, ROOT_SCOPE);
    collect(analysis, display, { foreign: source.foreign, kind: 'content' });
    followPartials(analysis, display, (pos) => pos);
  }

  // ---------------------------------------------------------------- questions' default and when, renames
  questions.forEach((question, index) => {
    const expressions: Array<{ field: PropertyKey[]; text: string; rendered: boolean }> = [];
    if (question.when !== undefined) expressions.push({ field: ['questions', index, 'when'], text: question.when, rendered: false });
    const defaults = question.default === undefined ? [] : Array.isArray(question.default) ? question.default : [question.default];
    defaults.forEach((value, i) => {
      if (typeof value === 'string') {
        expressions.push({ field: Array.isArray(question.default) ? ['questions', index, 'default', i] : ['questions', index, 'default'], text: value, rendered: true });
      }
    });
    for (const expression of expressions) {
      if (!expression.text.includes('{{')) continue;
      const at = locate(expression.field);
      const fieldName = `${question.name}.${String(expression.field[2])}`;
      const parsed = parseHandlebars(expression.text);
      if ('error' in parsed) {
        incomplete = true;
        add('error', 'handlebars-syntax', `${fieldName}: ${parsed.error.message}`, 'template.yaml', at);
        continue;
      }
      const analysis = analyze(parsed.ast, ROOT_SCOPE);
      for (const ref of analysis.refs) {
        if (ref.scope === 'nested') {
          maybeUses.add(ref.name);
          continue;
        }
        if (ref.name !== question.name) uses.add(ref.name);
        const asked = questionIndex.get(ref.name);
        if (asked === undefined) add('error', 'undeclared-variable', `${fieldName}: ${undeclared(ref.name)}`, 'template.yaml', at);
        else if (asked >= index) {
          add('error', 'question-order', `${fieldName} uses "${ref.name}", which is asked ${asked === index ? 'by this very question' : 'later'}: answers are resolved in order, so only earlier questions can be used.`, 'template.yaml', at);
        }
      }
      collect({ refs: [], unknownHelpers: analysis.unknownHelpers, partials: [] }, 'template.yaml', { at, kind: 'content' });
    }
  });
  (manifest?.renames ?? []).forEach((rename, index) => {
    for (const side of ['from', 'to'] as const) {
      if (!rename[side].includes('{{')) continue;
      const at = locate(['renames', index, side]);
      const parsed = parseHandlebars(rename[side]);
      if ('error' in parsed) add('error', 'handlebars-syntax', `renames.${index}.${side}: ${parsed.error.message}`, 'template.yaml', at);
      else collect(analyze(parsed.ast, ROOT_SCOPE), 'template.yaml', { at, kind: 'name' });
    }
  });

  // ---------------------------------------------------------------- files: rules' when
  (manifest?.files ?? []).forEach((rule, index) => {
    if (rule.when === undefined) return;
    const at = locate(['files', index, 'when']);
    const parsed = parseHandlebars(rule.when);
    if ('error' in parsed) {
      incomplete = true;
      add('error', 'handlebars-syntax', `files.${index}.when: ${parsed.error.message}`, 'template.yaml', at);
    } else {
      collect(analyze(parsed.ast, ROOT_SCOPE), 'template.yaml', { at, kind: 'content' });
    }
    // A condition over no file is a typo in the glob (the file is then written unconditionally).
    const matches = globMatcher(rule.glob);
    const targets = fileTree.files.map((file) => file.path.replace(/\.hbs$/, '')).filter((target) => !target.includes('{{'));
    if (!targets.some(matches) && !fileTree.files.some((file) => file.path.includes('{{'))) {
      add('warning', 'rule-matches-nothing', `files.${index}: "${rule.glob}" matches no file under files/, so its when: applies to nothing.`, 'template.yaml', locate(['files', index, 'glob']));
    }
  });

  // ---------------------------------------------------------------- secrets: the check a load makes, every use
  if (manifest) {
    const partialSources = Object.fromEntries(
      partialTree.files.flatMap((file) => {
        const text = tryDecode(file.bytes);
        return text === undefined ? [] : [[file.path.replace(/\.hbs$/, ''), text]];
      }),
    );
    for (const misuse of secretMisuses({ manifest, files: fileTree.files, partials: partialSources, locate })) {
      add('error', 'secret-rendered', misuse.message, misuse.file, misuse);
    }
  }

  // ---------------------------------------------------------------- what is never used
  if (manifest && !incomplete) {
    questions.forEach((question, index) => {
      if (!uses.has(question.name) && !maybeUses.has(question.name)) {
        add('warning', 'unused-question', `The question "${question.name}" is used nowhere (files, file names, partials, other questions' default or when).`, 'template.yaml', locate(['questions', index, 'name']));
      }
    });
  }
  for (const [name, partial] of partials) {
    if (!usedPartials.has(name)) add('warning', 'unused-partial', `The partial "${name}" is never used ({{> ${name}}}).`, partial.file);
  }

  // ---------------------------------------------------------------- tests/ fixtures
  const fixtures = (await fs.readdir(posix.join(dir, 'tests'), { withFileTypes: true }).catch(() => []))
    .filter((e) => e.isFile() && FIXTURE_EXTENSIONS.some((ext) => e.name.endsWith(ext)))
    .map((e) => e.name)
    .sort();
  for (const name of fixtures) {
    const display = `tests/${name}`;
    if (name.replace(/\.[^.]+$/, '') === DEFAULTS_CASE) {
      add('error', 'fixture-name', `"${DEFAULTS_CASE}" is the name of the defaults' snapshot; rename the fixture.`, display);
      continue;
    }
    try {
      const given = parseAnswersFile(new TextDecoder().decode(await fs.readFile(posix.join(dir, 'tests', name))), display);
      if (!manifest) continue;
      for (const [answer, value] of given) {
        if (!isQuestion(answer)) add('error', 'fixture-unknown-answer', `"${answer}" is not a question in template.yaml${didYouMeanText(answer, questionIndex.keys())}`, display, 'flag' in value.where ? undefined : value.where);
      }
    } catch (error) {
      fromError(error, display);
    }
  }

  return problems.sort(compareProblems);

  // ---------------------------------------------------------------- helpers
  function decodeOrReport(bytes: Uint8Array, display: string): string | undefined {
    const text = tryDecode(bytes);
    if (text === undefined) add('error', 'not-utf8', 'It ends in .hbs but is not UTF-8 text: only text can be rendered; drop the .hbs suffix to copy it as it is.', display);
    return text;
  }

  /** Reports other tools' {{ }}; returns where they are (Handlebars' complaints there are theirs). */
  function reportForeign(text: string, display: string): Foreign {
    const lines = new Set<number>();
    const spans: Array<[number, number]> = [];
    const offset = offsetOf(text);
    for (const found of findForeignExpressions(text, isQuestion)) {
      lines.add(found.line);
      spans.push([found.start, found.end]);
      if (found.kind === 'github-actions') {
        add('error', 'github-actions-expression', `${found.text} is a GitHub Actions expression, but Handlebars would render it: write $\\{{ … }} (or wrap it in {{{{raw}}}}…{{{{/raw}}}}).`, display, found);
      } else {
        add('error', 'go-template-expression', `${found.text} looks like a Helm/Go template, which Handlebars would try to render: write \\{{ … }} (or wrap it in {{{{raw}}}}…{{{{/raw}}}}).`, display, found);
      }
    }
    return {
      lines,
      covers: (position) => {
        const at = offset(position);
        return spans.some(([start, end]) => at >= start && at < end);
      },
    };
  }
}

function tryDecode(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

function positionFor(text: string, index: number): Position {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** Why a literal used in a file name could take the file out of the target, if it could. */
function literalPathReason(literal: string): string | undefined {
  if (literal.startsWith('/')) return 'is absolute';
  const segments = literal.split('/');
  if (segments.includes('..')) return 'climbs out of the target with ".."';
  if (segments.some((s) => s.toLowerCase() === '.git')) return 'lands inside .git/';
  return undefined;
}

function scopeKey(scope: Scope): string {
  return scope.kind === 'nested' ? 'nested' : `root:${[...scope.defined].sort().join(',')}`;
}

function didYouMeanText(word: string, candidates: Iterable<string>): string {
  const near = closest(word, candidates);
  return near ? `; did you mean "${near}"?` : '.';
}

const FILE_ORDER = (file: string): number => (file === 'template.yaml' ? 0 : file.startsWith('files') ? 1 : file.startsWith('partials/') ? 2 : 3);

function compareProblems(a: LintProblem, b: LintProblem): number {
  return (
    FILE_ORDER(a.file) - FILE_ORDER(b.file) ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
}
