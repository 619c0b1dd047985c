/**
 * Static analysis of template Handlebars for `platform template lint`: which answers a source
 * refers to (and where), which helpers and partials it calls, and which of other tools' `{{ }}`
 * (GitHub Actions, Helm and Go templates) Handlebars would take for its own.
 *
 * The rules follow how the renderer compiles (strict, knownHelpersOnly, our helpers only):
 * a bare `{{x}}` is a helper call only if x is a helper, a path with arguments is always a
 * helper call, and only #each, #with and non-helper blocks change the context, so inside them
 * a name may be a field of the current item rather than an answer and is never reported.
 */
import Handlebars from 'handlebars';
import { HELPER_NAMES } from '../render/helpers.js';

type AST = hbs.AST.Program;
export type HandlebarsAst = AST;
type Node = hbs.AST.Node;
type Expression = hbs.AST.Expression;
type PathExpression = hbs.AST.PathExpression;
type Hash = hbs.AST.Hash;

export const KNOWN_HELPERS: ReadonlySet<string> = new Set([...HELPER_NAMES, 'if', 'unless', 'each', 'with']);

/** Helpers whose result says nothing of their arguments' values (they answer true or false). */
const CONDITION_HELPERS = new Set(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'and', 'or', 'not', 'includes', 'if', 'unless']);

export interface Position {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

export interface VariableRef extends Position {
  /** The first segment of the path: the answer's name when scope is root. */
  name: string;
  /** root: resolves against the answers; nested: inside #each/#with, may be a field of the item. */
  scope: 'root' | 'nested';
  /** The value can reach the output (not only a condition). */
  rendered: boolean;
}

export interface PartialCall extends Position {
  name: string;
  /** The context the partial renders in: the answers (plus hash names), or something else. */
  scope: Scope;
}

export interface Analysis {
  refs: VariableRef[];
  unknownHelpers: Array<Position & { name: string }>;
  partials: PartialCall[];
}

export type Scope = { kind: 'root'; defined: ReadonlySet<string> } | { kind: 'nested' };

export const ROOT_SCOPE: Scope = { kind: 'root', defined: new Set() };

interface Frame {
  scope: Scope;
  blockParams: readonly string[];
}

export interface SyntaxProblem extends Position {
  message: string;
}

/** Parses Handlebars; a syntax error comes back with its line and a one-line message. */
export function parseHandlebars(source: string): { ast: AST } | { error: SyntaxProblem } {
  try {
    return { ast: Handlebars.parse(source) };
  } catch (error) {
    return { error: syntaxProblem(error) };
  }
}

function syntaxProblem(error: unknown): SyntaxProblem {
  const raw = error instanceof Error ? error.message : String(error);
  const exception = error as { lineNumber?: number; column?: number };
  const parse = /^Parse error on line (\d+):\n(?:.*\n)?(.*)\n(.*)$/.exec(raw);
  if (parse) {
    const caret = parse[2]!.indexOf('^');
    return { line: Number(parse[1]), column: caret >= 0 ? caret + 1 : 1, message: `Handlebars syntax error: ${parse[3]}` };
  }
  const located = / - (\d+):(\d+)$/.exec(raw);
  const line = exception.lineNumber ?? (located ? Number(located[1]) : 1);
  const column = (exception.column ?? (located ? Number(located[2]) : 0)) + 1;
  return { line, column, message: `Handlebars syntax error: ${raw.replace(/ - \d+:\d+$/, '').split('\n')[0]}` };
}

const at = (node: Node): Position => ({ line: node.loc?.start.line ?? 1, column: (node.loc?.start.column ?? 0) + 1 });

/** Every answer, helper and partial a parsed source refers to, starting in the given scope. */
export function analyze(ast: AST, scope: Scope = ROOT_SCOPE): Analysis {
  const out: Analysis = { refs: [], unknownHelpers: [], partials: [] };

  const isBlockParam = (name: string, stack: readonly Frame[]): boolean => stack.some((frame) => frame.blockParams.includes(name));
  const isScoped = (path: PathExpression): boolean => /^(\.|this\b)/.test(path.original);

  /** A path used as a value. */
  const variable = (path: PathExpression, stack: readonly Frame[], rendered: boolean): void => {
    if (path.data) {
      // @root.x is the answer x from anywhere; every other @ variable (@target, @index…) is data.
      if (path.parts[0] === 'root' && path.parts.length > 1) out.refs.push({ name: path.parts[1]!, scope: 'root', rendered, ...at(path) });
      return;
    }
    const name = path.parts[0];
    if (name === undefined) return; // this, .
    if (path.depth === 0 && !isScoped(path) && isBlockParam(name, stack)) return;
    const frame = stack[stack.length - 1 - path.depth];
    if (!frame) return; // ../ beyond what we can see (a partial's caller): not ours to judge
    if (frame.scope.kind === 'root') {
      if (!frame.scope.defined.has(name)) out.refs.push({ name, scope: 'root', rendered, ...at(path) });
    } else {
      out.refs.push({ name, scope: 'nested', rendered, ...at(path) });
    }
  };

  /** Whether a path with these arguments is a helper call (as the compiler classifies it). */
  const isHelperCall = (path: Expression, params: Expression[], hash: Hash | undefined, stack: readonly Frame[]): path is PathExpression => {
    if (path.type !== 'PathExpression') return false;
    const p = path as PathExpression;
    if (p.data || p.depth > 0 || p.parts.length !== 1 || isScoped(p)) return false;
    if (isBlockParam(p.parts[0]!, stack)) return false;
    return params.length > 0 || (hash?.pairs.length ?? 0) > 0 || KNOWN_HELPERS.has(p.parts[0]!);
  };

  const helperCall = (path: PathExpression, params: Expression[], hash: Hash | undefined, stack: readonly Frame[], rendered: boolean): void => {
    const name = path.parts[0]!;
    if (!KNOWN_HELPERS.has(name)) out.unknownHelpers.push({ name, ...at(path) });
    const condition = CONDITION_HELPERS.has(name);
    params.forEach((param, index) => expression(param, stack, rendered && !condition && !(name === 'when' && index === 0)));
    for (const pair of hash?.pairs ?? []) expression(pair.value, stack, rendered);
  };

  const expression = (expr: Expression, stack: readonly Frame[], rendered: boolean): void => {
    if (expr.type === 'PathExpression') variable(expr as PathExpression, stack, rendered);
    else if (expr.type === 'SubExpression') {
      const sub = expr as hbs.AST.SubExpression;
      if (isHelperCall(sub.path, sub.params, sub.hash, stack)) helperCall(sub.path, sub.params, sub.hash, stack, rendered);
      else {
        expression(sub.path, stack, rendered);
        for (const param of sub.params) expression(param, stack, rendered);
      }
    }
  };

  const program = (prog: hbs.AST.Program | undefined, stack: readonly Frame[]): void => {
    if (!prog) return;
    for (const statement of prog.body) node(statement, stack);
  };

  const nested = (stack: readonly Frame[], prog: hbs.AST.Program | undefined): Frame[] => [...stack, { scope: { kind: 'nested' }, blockParams: prog?.blockParams ?? [] }];

  const partial = (statement: hbs.AST.PartialStatement | hbs.AST.PartialBlockStatement, stack: readonly Frame[]): void => {
    for (const param of statement.params) expression(param, stack, true);
    for (const pair of statement.hash?.pairs ?? []) expression(pair.value, stack, true);
    if (statement.name.type !== 'PathExpression') {
      expression(statement.name, stack, true); // a dynamic partial name: only its expression is ours
      return;
    }
    const current = stack[stack.length - 1]!.scope;
    const hashNames = (statement.hash?.pairs ?? []).map((pair) => pair.key);
    const scope: Scope =
      statement.params.length > 0 || current.kind === 'nested'
        ? { kind: 'nested' }
        : { kind: 'root', defined: new Set([...current.defined, ...hashNames]) };
    out.partials.push({ name: (statement.name as PathExpression).original, scope, ...at(statement) });
  };

  const node = (statement: hbs.AST.Statement, stack: readonly Frame[]): void => {
    switch (statement.type) {
      case 'MustacheStatement': {
        const m = statement as hbs.AST.MustacheStatement;
        if (isHelperCall(m.path, m.params, m.hash, stack)) helperCall(m.path, m.params, m.hash, stack, true);
        else expression(m.path, stack, true);
        return;
      }
      case 'BlockStatement': {
        const b = statement as hbs.AST.BlockStatement;
        if (isHelperCall(b.path, b.params, b.hash, stack)) {
          const name = b.path.parts[0]!;
          helperCall(b.path, b.params, b.hash, stack, name !== 'if' && name !== 'unless');
          // #each and #with render their block with another context; the rest keep this one.
          const changesContext = name === 'each' || name === 'with' || !KNOWN_HELPERS.has(name);
          program(b.program, changesContext ? nested(stack, b.program) : stack);
          program(b.inverse, stack);
        } else {
          // {{#list}}…{{/list}}: a section over a value, which may iterate or change the context.
          expression(b.path, stack, true);
          for (const param of b.params) expression(param, stack, true);
          program(b.program, nested(stack, b.program));
          program(b.inverse, stack);
        }
        return;
      }
      case 'PartialStatement':
        partial(statement as hbs.AST.PartialStatement, stack);
        return;
      case 'PartialBlockStatement': {
        const pb = statement as hbs.AST.PartialBlockStatement;
        partial(pb, stack);
        program(pb.program, stack);
        return;
      }
      default:
        return; // content, comments, decorators
    }
  };

  program(ast, [{ scope, blockParams: [] }]);
  return out;
}

// ----------------------------------------------------------------------------- other tools' {{ }}

export interface ForeignExpression extends Position {
  kind: 'github-actions' | 'go-template';
  /** The text as written, shortened. */
  text: string;
  /** Offsets in the source: from the {{ (or the $ before it) to after the }}. */
  start: number;
  end: number;
}

/** Go template words that are never a Handlebars helper of ours (unless a question is so named). */
const GO_WORDS = /^-?\s*(end|range|define|template|include|block|toYaml|toJson|tpl|printf|required|nindent|quote)(?=[\s}])/;

/**
 * `{{` that Handlebars would take as its own, though written for another tool: GitHub Actions'
 * `${{ … }}`, and Helm/Go templates' `{{ .Values.x }}`, `{{- … }}`, `{{ $x }}`, `{{ end }}`.
 * Looked for in the source text (Handlebars cannot even parse most of them). Escaped `\{{`,
 * raw blocks and comments are skipped.
 */
export function findForeignExpressions(source: string, isQuestion: (name: string) => boolean = () => false): ForeignExpression[] {
  const masked: Array<[number, number]> = [];
  for (const m of source.matchAll(/\{\{\{\{([^\s}]+)\}\}\}\}[\s\S]*?\{\{\{\{\/\1\}\}\}\}|\{\{~?!--[\s\S]*?--~?\}\}|\{\{~?![\s\S]*?\}\}/g)) {
    masked.push([m.index, m.index + m[0].length]);
  }
  const isMasked = (i: number): boolean => masked.some(([from, to]) => i >= from && i < to);
  const found: ForeignExpression[] = [];
  for (const m of source.matchAll(/\{\{/g)) {
    const i = m.index;
    if (isMasked(i)) continue;
    let backslashes = 0;
    while (source[i - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 1) continue; // \{{ is a literal {{
    const close = source.indexOf('}}', i + 2);
    const inner = source.slice(i + 2, close === -1 ? Math.min(source.length, i + 60) : close);
    const text = `${backslashes === 0 && source[i - 1] === '$' ? '$' : ''}{{${inner.length > 40 ? `${inner.slice(0, 40)}…` : inner}}}`;
    const start = backslashes === 0 && source[i - 1] === '$' ? i - 1 : i;
    const span = { start, end: close === -1 ? i + 2 + inner.length : close + 2, ...positionOf(source, start) };
    if (backslashes === 0 && source[i - 1] === '$') {
      found.push({ kind: 'github-actions', text, ...span });
      continue;
    }
    const word = GO_WORDS.exec(inner);
    if (/^-\s/.test(inner) || /^-?\s*\.[A-Za-z_]/.test(inner) || /^-?\s*\$/.test(inner) || (word && !isQuestion(word[1]!))) {
      found.push({ kind: 'go-template', text, ...span });
    }
  }
  return found;
}

/** A function from 1-based line and column to the offset in source. */
export function offsetOf(source: string): (position: Position) => number {
  const starts = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) starts.push(i + 1);
  return ({ line, column }) => (starts[line - 1] ?? source.length) + column - 1;
}

export function positionOf(source: string, index: number): Position {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index; i++) {
    if (source.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

/** String literals anywhere in a parsed source (for the literal parts of file names). */
export function stringLiterals(ast: AST): string[] {
  const out: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value && typeof value === 'object') {
      const n = value as { type?: string; value?: unknown };
      if (n.type === 'StringLiteral' && typeof n.value === 'string') out.push(n.value);
      for (const [key, child] of Object.entries(value)) if (key !== 'loc') visit(child);
    }
  };
  visit(ast);
  return out;
}
