/**
 * `platform answers NAME`: an answers file for a template or preset, every question with a comment
 * saying what it is, literal defaults written out, computed ones (from the folder name or earlier
 * answers) left commented, so `create-service --answers FILE --yes` creates what `--yes` alone would.
 */
import { stringify } from 'yaml';
import { ExitCode } from '../core/errors.js';
import { Catalog } from '../sources/catalog.js';
import type { Reporter } from '../ui/report.js';
import type { CliContext } from './context.js';
import { selectTemplates } from './compose.js';
import { describeSelection, listQuestions, type ListedQuestion } from './templates.js';

export async function runAnswers(ctx: CliContext, reporter: Reporter, name: string): Promise<ExitCode> {
  const selection = await selectTemplates(new Catalog(ctx), ctx.fs, name, ctx.cwd);
  const described = describeSelection(selection);
  const text = answersFile(name, described.components, listQuestions(selection));
  reporter.set({ ...described, text });
  if (!reporter.json) ctx.stdout.write(text);
  return ExitCode.ok;
}

/** The commented answers file (YAML) for a selection's questions. */
export function answersFile(name: string, components: Array<{ name: string; version: string }>, questions: ListedQuestion[]): string {
  const lines = [
    `# Answers for ${name} (${components.map((c) => `${c.name}@${c.version}`).join(', ')}), written by \`platform answers ${name}\`.`,
    '# Every value is the default. Use it with: create-service DIR --answers answers.yaml --yes',
    '# A commented-out key has a default computed at create (from the folder name or earlier answers)',
    '# or none: uncomment it to set it. `platform templates NAME` explains each question.',
  ];
  for (const question of questions) {
    lines.push('');
    const kind = question.choices ? `${question.type}: ${question.choices.map((c) => c.value).join(' | ')}` : question.type;
    lines.push(...comment(`${question.message ?? question.key} (${kind}) - asked by ${question.askedBy.join(', ')}`));
    if (question.help) lines.push(...comment(question.help));
    if (question.when !== undefined) lines.push(...comment(`asked when: ${question.when}`));
    if (question.secret) {
      lines.push('# secret: give it with --set or on a terminal; never write it into a file you commit.');
      lines.push(`# ${question.key}:`);
    } else if (isLiteral(question.default)) {
      lines.push(stringify({ [question.key]: question.default }, { lineWidth: 0 }).trimEnd());
    } else if (question.default !== undefined) {
      lines.push(...comment(`default: ${String(question.default)} (computed when created)`));
      lines.push(`# ${question.key}:`);
    } else {
      lines.push('# no default: an answer is required.');
      lines.push(`# ${question.key}:`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** A default written as it is: not a Handlebars expression. */
function isLiteral(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value === 'string') return !value.includes('{{');
  if (Array.isArray(value)) return value.every((item) => typeof item !== 'string' || !item.includes('{{'));
  return true;
}

/** Text as comment lines of at most about 100 characters (no line break inside a comment). */
function comment(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of text.split(/\r?\n/)) {
    let line = '#';
    for (const word of paragraph.split(' ').filter(Boolean)) {
      if (line.length > 1 && line.length + 1 + word.length > 100) {
        out.push(line);
        line = '#';
      }
      line += ` ${word}`;
    }
    out.push(line);
  }
  return out;
}
