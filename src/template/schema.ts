import { z } from 'zod';
import { compilePattern } from './pattern.js';

export const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;
export const TEMPLATE_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** secret: the only files a secret answer may be rendered into; never hashed, committed, shown or rewritten. */
export const POLICIES = ['merge', 'once', 'owned', 'secret'] as const;
export type Policy = (typeof POLICIES)[number];

const choice = z.union([
  z.string(),
  z.strictObject({ value: z.string(), label: z.string().optional() }),
]);

const questionFields = {
  name: z
    .string()
    .regex(IDENTIFIER, 'must be an identifier (letters, digits and _, not starting with a digit)')
    .refine((n) => !['__proto__', 'constructor', 'prototype'].includes(n), 'is a reserved word'),
  message: z.string().optional(),
  help: z.string().optional(),
  when: z.string().optional(),
  secret: z.boolean().optional(),
  /** Asked on the short interactive path (before the review screen); the rest keep their defaults unless customised. */
  essential: z.boolean().optional(),
};

const stringQuestion = z.strictObject({
  ...questionFields,
  type: z.literal('string'),
  default: z.string().optional(),
  pattern: z
    .string()
    .superRefine((p, ctx) => {
      const compiled = compilePattern(p);
      if (!compiled.ok) ctx.addIssue({ code: 'custom', message: `${compiled.reason}. Rewrite the pattern without them (check the answer's shape, not every rule)` });
    })
    .optional(),
  patternHint: z.string().optional(),
  minLength: z.number().int().min(0).optional(),
  maxLength: z.number().int().min(1).optional(),
  /**
   * An environment-specific value (an account, a role, a registry) with no honest default:
   * unanswered (--yes, or Enter at the prompt) the files get `<set-me:NAME>`, which create's
   * warnings, `platform status --check` and the generated CI's deploy jobs point at.
   */
  placeholder: z.boolean().optional(),
});

const numberQuestion = z.strictObject({
  ...questionFields,
  type: z.literal('number'),
  default: z.union([z.number(), z.string()]).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  integer: z.boolean().optional(),
});

const booleanQuestion = z.strictObject({
  ...questionFields,
  type: z.literal('boolean'),
  default: z.union([z.boolean(), z.string()]).optional(),
});

const selectQuestion = z.strictObject({
  ...questionFields,
  type: z.literal('select'),
  choices: z.array(choice).min(1),
  default: z.string().optional(),
});

const multiselectQuestion = z.strictObject({
  ...questionFields,
  type: z.literal('multiselect'),
  choices: z.array(choice).min(1),
  default: z.union([z.array(z.string()), z.string()]).optional(),
});

export const questionSchema = z.discriminatedUnion('type', [
  stringQuestion,
  numberQuestion,
  booleanQuestion,
  selectQuestion,
  multiselectQuestion,
]);
export type Question = z.infer<typeof questionSchema>;
export type QuestionType = Question['type'];

/**
 * A rule over rendered paths: `policy` (the first matching rule that sets one wins, merge by
 * default) and `when` (a file is written only if the `when` of every matching rule holds), so a
 * conditional file keeps a plain name instead of Handlebars in it.
 */
export const fileRuleSchema = z
  .strictObject({
    glob: z.string().min(1),
    policy: z.enum(POLICIES).optional(),
    when: z.string().min(1).optional(),
  })
  .refine((rule) => rule.policy !== undefined || rule.when !== undefined, 'a file rule needs a policy, a when, or both');
export type FileRule = z.infer<typeof fileRuleSchema>;

export const templateManifestSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z.string().regex(TEMPLATE_NAME, 'must be kebab-case (lower-case letters, digits and dashes)'),
    version: z.string().regex(SEMVER, 'must be a semantic version such as 1.2.0'),
    description: z.string().optional(),
    questions: z.array(questionSchema).default([]),
    files: z.array(fileRuleSchema).default([]),
    /** Files this version moved: local edits follow them. Paths may use Handlebars. */
    renames: z.array(z.strictObject({ from: z.string().min(1), to: z.string().min(1) })).default([]),
    /**
     * Commands run in the target after its files are written (argv, never a shell string; each
     * element may use Handlebars over the answers, secret answers excepted). Templates from
     * sources other than the built-in ones need --trust or a trust list entry (see README).
     */
    /**
     * What the repository must have for this version's files to work (checked at create, add and
     * upgrade, dry run included: exit 2 with the list). A component requirement applies when that
     * component is in the repository; files and package.json scripts must exist or be written.
     */
    requires: z
      .strictObject({
        components: z.array(z.strictObject({ name: z.string().regex(TEMPLATE_NAME, 'must be a template name'), minVersion: z.string().regex(SEMVER, 'must be a semantic version such as 1.2.0') })).default([]),
        files: z.array(z.string().min(1)).default([]),
        scripts: z.array(z.string().min(1)).default([]),
        /** package-lock.json (what `npm ci` installs from): checked by add and upgrade; create's install writes it. */
        lockfile: z.boolean().default(false),
      })
      .default({ components: [], files: [], scripts: [], lockfile: false }),
    hooks: z
      .array(
        z.strictObject({
          run: z.array(z.string()).min(1).refine((argv) => argv[0] !== '', 'must start with a command name'),
          description: z.string().min(1),
          on: z.array(z.enum(['create', 'upgrade'])).min(1).default(['create', 'upgrade']),
          when: z.string().optional(),
        }),
      )
      .default([]),
  })
  .superRefine((manifest, ctx) => {
    const seen = new Set<string>();
    manifest.questions.forEach((question, index) => {
      if (seen.has(question.name)) {
        ctx.addIssue({ code: 'custom', path: ['questions', index, 'name'], message: `"${question.name}" is asked twice` });
      }
      seen.add(question.name);
      if ((question.type === 'select' || question.type === 'multiselect') && question.default !== undefined) {
        const values = question.choices.map(choiceValue);
        const defaults = Array.isArray(question.default) ? question.default : [question.default];
        for (const value of defaults) {
          if (!value.includes('{{') && !values.includes(value)) {
            ctx.addIssue({
              code: 'custom',
              path: ['questions', index, 'default'],
              message: `"${value}" is not one of the choices (${values.join(', ')})`,
            });
          }
        }
      }
    });
  });
export type TemplateManifest = z.infer<typeof templateManifestSchema>;

export function choiceValue(c: z.infer<typeof choice>): string {
  return typeof c === 'string' ? c : c.value;
}
export function choiceLabel(c: z.infer<typeof choice>): string {
  return typeof c === 'string' ? c : (c.label ?? c.value);
}

/** pins.yaml: group -> name -> pin (an object with version and sha/digest, or a plain value). */
export const pinsSchema = z.record(
  z.string(),
  z
    .record(z.string(), z.unknown())
    .nullable()
    .transform((group) => group ?? {}),
);
