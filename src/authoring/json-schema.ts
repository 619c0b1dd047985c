/**
 * JSON Schemas of template.yaml and .platform.yaml, generated from the zod schemas the CLI
 * validates with, so editors (yaml-language-server, VS Code) check and complete the same rules.
 * The generated files are shipped in templates/schemas/; a unit test keeps them up to date
 * (UPDATE_JSON_SCHEMAS=1 rewrites them).
 */
import { posix } from 'node:path';
import { z } from 'zod';
import type { Fs } from '../core/fs.js';
import { lockfileSchema } from '../lock/lockfile.js';
import { templateManifestSchema } from '../template/schema.js';

export const SCHEMA_FILES = {
  template: 'template.schema.json',
  lockfile: 'lockfile.schema.json',
  questions: 'questions.schema.json',
} as const;

/** The package the schemas ship in (package.json "name"). */
const PACKAGE = 'create-service';

/** Where a published version of the CLI serves a schema (from its npm tarball). */
export function schemaUrl(kind: keyof typeof SCHEMA_FILES, version: string): string {
  return `https://unpkg.com/${PACKAGE}@${version}/templates/schemas/${SCHEMA_FILES[kind]}`;
}

/** The comment line that points yaml-language-server at a schema. */
export function schemaModeline(url: string): string {
  return `# yaml-language-server: $schema=${url}`;
}

type JsonObject = Record<string, unknown>;

const QUESTION_FIELDS: Record<string, string> = {
  name: 'An identifier (letters, digits, _); the answer is {{name}} in files and file names.',
  type: 'string | number | boolean | select | multiselect',
  message: 'The prompt (defaults to the name).',
  help: 'A longer explanation, shown with the prompt and in errors.',
  default: "A literal, or a Handlebars expression over earlier answers ({{@target}} is the target folder's name made kebab-case: My Service gives my-service).",
  when: 'Asked only when this Handlebars expression renders truthy; otherwise the default (or null) is taken.',
  essential: 'Asked first on a terminal (the short path: name, owner, the choices that change what is generated); the other questions keep their defaults unless the user picks customise on the review screen. A question without a default is always asked.',
  secret: 'Never recorded in .platform.yaml, never printed; rendered only into the contents of files with policy secret.',
  placeholder: 'string questions: an environment-specific value with no honest default; unanswered, files get <set-me:NAME> until set (platform status --check lists them).',
  pattern: 'A regular expression (Unicode) the answer must match.',
  patternHint: 'What the pattern means, in words, for error messages.',
  choices: 'The values to pick from: strings, or {value, label}.',
};

const TEMPLATE_FIELDS: Record<string, string> = {
  name: 'kebab-case; the name of the folder holding the versions.',
  version: 'A semantic version; the name of the version folder. A released version is never edited again.',
  description: 'One paragraph: what the template writes.',
  questions: 'What the template asks, in order; defaults and conditions may use earlier answers only.',
  files:
    'Rules by glob over rendered paths. policy: the first matching rule with one wins; files matching none merge. secret: the only files a secret answer may be rendered into; never committed, hashed, shown or rewritten by the CLI. when: the file is written only if the when of every matching rule renders truthy.',
  renames: 'Files this version moved (paths may use Handlebars): local edits follow them on upgrade.',
};

const FILE_RULE_FIELDS: Record<string, string> = {
  glob: 'Rendered paths it applies to: * within a name, ** across folders, ?, {a,b}.',
  policy: 'merge (default) | once | owned | secret; the first matching rule with a policy wins.',
  when: 'A Handlebars condition over the answers: the file is written only if it renders truthy (every matching rule\'s when must hold).',
};

/**
 * `- use: NAME`: a shared question of the catalog (questions.yaml beside pins.yaml), resolved
 * when the template is read; any field but name and type may be reworded here.
 */
const QUESTION_REFERENCE: JsonObject = {
  type: 'object',
  description: 'A shared question declared once in the catalog\'s questions.yaml; the fields given here (message, help, when...) replace its own.',
  properties: {
    use: { description: 'The name of a question in questions.yaml at the catalog\'s root.', type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
  },
  required: ['use'],
  not: { anyOf: [{ required: ['name'] }, { required: ['type'] }] },
};

const LOCKFILE_FIELDS: Record<string, string> = {
  schemaVersion: 'The format of this file.',
  templates: 'Each applied template: its version, source, recorded answers (never secrets) and the files it wrote.',
};

/** The JSON Schema of template.yaml (draft-07, which every YAML editor supports). */
export function templateJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(templateManifestSchema, { target: 'draft-7', io: 'input' }) as JsonObject;
  describeProperties(schema, TEMPLATE_FIELDS);
  const questions = (schema.properties as Record<string, JsonObject>).questions!;
  const variants = ((questions.items as JsonObject).oneOf ?? []) as JsonObject[];
  for (const variant of variants) describeProperties(variant, QUESTION_FIELDS);
  variants.push(QUESTION_REFERENCE);
  const rule = ((schema.properties as Record<string, JsonObject>).files!.items ?? {}) as JsonObject;
  describeProperties(rule, FILE_RULE_FIELDS);
  return {
    $schema: schema.$schema,
    title: 'template.yaml',
    description: 'A template of the platform CLI (create-service, platform): what it is and what it asks. See templates/README.md.',
    ...withoutKey(schema, '$schema'),
  };
}

/** The JSON Schema of a catalog's questions.yaml: name -> a question's fields (without name). */
export function questionsJsonSchema(): JsonObject {
  const questions = (templateJsonSchema().properties as Record<string, JsonObject>).questions!;
  const variants = ((questions.items as JsonObject).oneOf as JsonObject[])
    .filter((variant) => variant !== QUESTION_REFERENCE)
    .map((variant) => {
      const { name: _name, ...properties } = variant.properties as Record<string, unknown>;
      return { ...variant, properties, required: ((variant.required ?? []) as string[]).filter((field) => field !== 'name') };
    });
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'questions.yaml',
    description: "A catalog's shared questions, keyed by name; a template asks one with `- use: NAME` in its questions. See templates/README.md.",
    type: 'object',
    propertyNames: { pattern: '^[A-Za-z_][A-Za-z0-9_]*$' },
    additionalProperties: { oneOf: variants },
  };
}

/** The JSON Schema of .platform.yaml. */
export function lockfileJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(lockfileSchema, { target: 'draft-7', io: 'input' }) as JsonObject;
  describeProperties(schema, LOCKFILE_FIELDS);
  return {
    $schema: schema.$schema,
    title: '.platform.yaml',
    description: 'Written by the platform CLI: what each applied template wrote, so upgrades keep your edits. Do not edit by hand.',
    ...withoutKey(schema, '$schema'),
  };
}

/** File name -> text of every generated schema. */
export function jsonSchemaFiles(): Record<string, string> {
  return {
    [SCHEMA_FILES.template]: `${JSON.stringify(templateJsonSchema(), null, 2)}\n`,
    [SCHEMA_FILES.lockfile]: `${JSON.stringify(lockfileJsonSchema(), null, 2)}\n`,
    [SCHEMA_FILES.questions]: `${JSON.stringify(questionsJsonSchema(), null, 2)}\n`,
  };
}

/** Writes the schemas into dir (templates/schemas/ in this repository). */
export async function writeJsonSchemas(fs: Fs, dir: string): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(jsonSchemaFiles())) {
    await fs.writeFile(posix.join(dir, name), text);
    written.push(posix.join(dir, name));
  }
  return written;
}

function describeProperties(schema: JsonObject, descriptions: Record<string, string>): void {
  const properties = schema.properties as Record<string, JsonObject> | undefined;
  if (!properties) return;
  for (const [name, description] of Object.entries(descriptions)) {
    const property = properties[name];
    if (property && property.description === undefined) properties[name] = { description, ...property };
  }
}

function withoutKey(object: JsonObject, key: string): JsonObject {
  return Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
}
