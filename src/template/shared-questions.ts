/**
 * Shared questions: a catalog declares the questions its templates agree on (name, owner,
 * port...) once, in questions.yaml beside pins.yaml, and a template asks one with `- use: NAME`
 * in its questions (plus any field it words differently: `help`, `when`...). A reference is
 * resolved when the template is read, so everything after the loader sees plain questions.
 */
import { posix } from 'node:path';
import { UnsafeError, UsageError, closest, type Location } from '../core/errors.js';
import { statOrUndefined, type Fs } from '../core/fs.js';
import { readInputFile } from '../core/input-file.js';
import { parseYamlSource, validateSource } from '../core/yaml-source.js';
import { questionSchema } from './schema.js';
import { isVersion } from './semver.js';

export const SHARED_QUESTIONS_FILE = 'questions.yaml';

/** A shared question's fields as written in questions.yaml (validated, `name` excluded). */
export interface SharedQuestion {
  fields: Record<string, unknown>;
  where: Location;
}

export interface SharedQuestions {
  /** The file they came from, for messages; undefined when the catalog has none. */
  file: string | undefined;
  questions: ReadonlyMap<string, SharedQuestion>;
}

export const NO_SHARED_QUESTIONS: SharedQuestions = { file: undefined, questions: new Map() };

/** The fields a reference may not set: they are what makes the question the shared one. */
const FIXED_FIELDS = ['name', 'type'] as const;

const decoder = new TextDecoder('utf-8', { fatal: false });

/** A catalog's questions.yaml (name -> question fields), or none when the catalog has no such file. */
export async function loadSharedQuestions(fs: Fs, catalogRoot: string): Promise<SharedQuestions> {
  const file = posix.join(catalogRoot, SHARED_QUESTIONS_FILE);
  if ((await statOrUndefined(fs, file))?.isSymbolicLink()) {
    throw new UnsafeError('template-symlink', `The catalog holds a symbolic link: ${file}.`, {
      hint: 'Catalogs may not contain symbolic links; replace it with the file itself.',
    });
  }
  const bytes = await readInputFile(fs, file, {
    kind: 'template',
    what: 'Shared questions file',
    followLinks: false,
    hint: 'questions.yaml is a regular file: replace it with the file itself.',
  });
  if (!bytes) return NO_SHARED_QUESTIONS;
  const source = parseYamlSource(decoder.decode(bytes), file, 'Shared questions file');
  const data = source.data ?? {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new UsageError('schema', `Shared questions file ${file} is invalid: it must map each question's name to its fields.`, {
      where: { file, line: 1 },
      hint: 'Write it as `owner: {type: string, message: Owning team, ...}`, one entry per shared question.',
    });
  }
  const questions = new Map<string, SharedQuestion>();
  for (const [name, fields] of Object.entries(data as Record<string, unknown>)) {
    const where = source.locate([name]);
    if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) {
      throw new UsageError('schema', `Shared questions file ${file} is invalid: "${name}" must be a map of question fields.`, {
        where,
        hint: 'Give it at least a type: `owner: {type: string, message: Owning team}`.',
      });
    }
    if (Object.hasOwn(fields, 'name')) {
      throw new UsageError('schema', `Shared questions file ${file} is invalid: "${name}" has a name field; the key is its name.`, {
        where: source.locate([name, 'name']),
        hint: `Remove the name field under ${name}.`,
      });
    }
    // Validated as a question (the key as its name), located in questions.yaml.
    validateSource(questionSchema, { data: { name, ...fields }, locate: (path) => source.locate(path[0] === 'name' ? [name] : [name, ...path]) }, file, 'Shared questions file');
    questions.set(name, { fields: fields as Record<string, unknown>, where });
  }
  return { file, questions };
}

/**
 * The shared questions a template folder sees: its own questions.yaml, else its catalog's (two
 * levels up, beside the NAME/ folders, when the folder is NAME/VERSION) — where its pins are.
 */
export async function findSharedQuestions(fs: Fs, dir: string): Promise<SharedQuestions> {
  const candidates = [dir];
  if (isVersion(posix.basename(dir))) candidates.push(posix.dirname(posix.dirname(dir)));
  for (const candidate of candidates) {
    const shared = await loadSharedQuestions(fs, candidate);
    if (shared.file) return shared;
  }
  return NO_SHARED_QUESTIONS;
}

/**
 * For a template inside a fetched repository or package: its own questions.yaml, else the one at
 * the repository's (package's) root; never above it.
 */
export async function sharedQuestionsWithin(fs: Fs, dir: string, top: string): Promise<SharedQuestions> {
  for (const candidate of dir === top ? [dir] : [dir, top]) {
    const shared = await loadSharedQuestions(fs, candidate);
    if (shared.file) return shared;
  }
  return NO_SHARED_QUESTIONS;
}

export interface ReferenceProblem {
  /** Index in `questions:` of the reference. */
  index: number;
  field: 'use' | (typeof FIXED_FIELDS)[number];
  message: string;
  hint: string;
}

/**
 * template.yaml's data with every `- use: NAME` replaced by the shared question (the reference's
 * own fields win), and what was wrong with the references. Data that is not a template's shape
 * is returned as it is: the schema reports it.
 */
export function resolveQuestionRefs(data: unknown, shared: SharedQuestions): { data: unknown; problems: ReferenceProblem[] } {
  const problems: ReferenceProblem[] = [];
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return { data, problems };
  const manifest = data as Record<string, unknown>;
  if (!Array.isArray(manifest.questions)) return { data, problems };
  const where = shared.file ?? SHARED_QUESTIONS_FILE;
  const questions = manifest.questions.map((item: unknown, index: number) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item) || !Object.hasOwn(item, 'use')) return item;
    const { use, ...overrides } = item as Record<string, unknown>;
    for (const field of FIXED_FIELDS) {
      if (Object.hasOwn(overrides, field)) {
        problems.push({
          index,
          field,
          message: `questions.${index}: a question with use: takes its ${field} from ${where}, so it cannot set ${field}.`,
          hint: `Remove ${field} here, or declare the question in full (without use:).`,
        });
      }
    }
    if (typeof use !== 'string') {
      problems.push({ index, field: 'use', message: `questions.${index}.use: must be the name of a shared question.`, hint: `Write use: NAME, with a NAME declared in ${where}.` });
      return item;
    }
    const found = shared.questions.get(use);
    if (!found) {
      const near = closest(use, shared.questions.keys());
      problems.push({
        index,
        field: 'use',
        message: `questions.${index}.use: "${use}" is not a shared question${shared.file ? ` in ${shared.file}` : ` (there is no ${SHARED_QUESTIONS_FILE} beside the template or in its catalog)`}${near ? `; did you mean "${near}"?` : '.'}`,
        hint: shared.file
          ? `Shared questions: ${[...shared.questions.keys()].join(', ') || 'none'}. Declare "${use}" there, or declare the question in full in template.yaml.`
          : `Declare it in ${SHARED_QUESTIONS_FILE} at the catalog's root (beside pins.yaml), or declare the question in full in template.yaml.`,
      });
      return item;
    }
    return { name: use, ...found.fields, ...overrides };
  });
  return { data: { ...manifest, questions }, problems };
}

/** The first reference problem as the error a load raises (file:line of the reference). */
export function referenceError(problem: ReferenceProblem, manifestPath: string, locate: (path: PropertyKey[]) => Location): UsageError {
  const at = locate(['questions', problem.index, problem.field]);
  return new UsageError('question-reference', `Template ${manifestPath}${at.line !== undefined ? `:${at.line}` : ''}: ${problem.message}`, {
    where: at,
    hint: problem.hint,
  });
}
