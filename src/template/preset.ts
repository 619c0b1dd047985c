import { posix } from 'node:path';
import { z } from 'zod';
import { type Fs, readFileOrUndefined } from '../core/fs.js';
import { parseYamlSource, validateSource } from '../core/yaml-source.js';
import { TEMPLATE_NAME, type Question } from './schema.js';

/**
 * A preset is a named set of components applied together (the golden path): each component
 * is a template of its own; optional ones get a yes/no question to leave them out.
 */
export const presetSchema = z.strictObject({
  name: z.string().regex(TEMPLATE_NAME),
  description: z.string().optional(),
  components: z
    .array(
      z.strictObject({
        template: z.string().regex(TEMPLATE_NAME),
        optional: z.boolean().default(false),
        message: z.string().optional(),
      }),
    )
    .min(1),
  /**
   * Assertions across components (a secrets store the cloud can read): checked at create, add and
   * upgrade, dry runs too, over every component's recorded answers, when all of `needs` are answered.
   */
  checks: z
    .array(z.strictObject({ needs: z.array(z.string().min(1)).min(1), that: z.string().min(1), message: z.string().min(1) }))
    .default([]),
});
export type Preset = z.infer<typeof presetSchema>;
export type PresetCheck = Preset['checks'][number];

/** What create-service applies without --template: the whole golden path. */
export const DEFAULT_PRESET = 'golden-path';

/** presets/NAME.yaml in a catalog, or undefined when there is no such preset. */
export async function loadPreset(fs: Fs, catalogRoot: string, name: string): Promise<Preset | undefined> {
  if (!TEMPLATE_NAME.test(name)) return undefined;
  const file = posix.join(catalogRoot, 'presets', `${name}.yaml`);
  const bytes = await readFileOrUndefined(fs, file);
  if (!bytes) return undefined;
  return validateSource(presetSchema, parseYamlSource(new TextDecoder().decode(bytes), file, 'Preset'), file, 'Preset');
}

/** The question that leaves an optional component out: with<PascalName>, default yes. */
export function inclusionQuestion(component: Preset['components'][number]): Question {
  const pascal = component.template.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
  return {
    name: `with${pascal}`,
    type: 'boolean',
    message: component.message ?? `Add the ${component.template} component?`,
    default: true,
  };
}
