import { isTruthy } from '../answers/resolve.js';
import { createRenderer } from '../render/handlebars.js';
import type { Lockfile } from '../lock/lockfile.js';
import type { PresetCheck } from '../template/preset.js';

/**
 * The preset's cross-component checks that fail for the answers the repository will record
 * (every component's, after the plan): one rendered message each. A check runs only when every
 * name it needs is answered, so a repository without the secrets component is not asked about
 * its store.
 */
export function failedPresetChecks(checks: readonly PresetCheck[], lock: Lockfile, presetName: string): string[] {
  if (checks.length === 0) return [];
  const answers: Record<string, unknown> = {};
  for (const template of lock.templates) Object.assign(answers, template.answers);
  const renderer = createRenderer({ templateId: presetName, data: {} });
  const data = JSON.parse(JSON.stringify(answers)) as object;
  const file = `presets/${presetName}.yaml`;
  return checks
    .filter((check) => check.needs.every((name) => Object.hasOwn(answers, name) && answers[name] !== null))
    .filter((check) => !isTruthy(renderer.render(check.that, data, file)))
    .map((check) => renderer.render(check.message, data, file));
}
