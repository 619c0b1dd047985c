import { UsageError } from '../core/errors.js';

/**
 * Bounds on rendering, so a template that loops or inflates without bound (a huge {{#each}},
 * a partial that includes itself, a helper asked for a billion spaces) is stopped with a clear
 * error instead of eating the machine. Handlebars is synchronous, so the checks are cheap ones
 * made in our helpers, block bodies and partials while rendering, and after each file.
 * Work is counted in steps, never timed: the same template and answers stop at the same place
 * on a busy CI machine and on a laptop.
 */
export interface RenderLimits {
  /** Largest rendered file, in bytes (UTF-8). */
  maxFileBytes: number;
  /** Largest template, all rendered files together, in bytes. */
  maxTemplateBytes: number;
  /** Steps one file (or file name) may take to render: helper calls, block runs, partial entries. */
  maxFileSteps: number;
  /** How deep partials may include partials (a partial that includes itself stops here). */
  maxPartialDepth: number;
}

const MiB = 1024 * 1024;

export const RENDER_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxFileBytes: 10 * MiB,
  maxTemplateBytes: 100 * MiB,
  maxFileSteps: 5_000_000,
  maxPartialDepth: 64,
});

export function resolveLimits(overrides: Partial<RenderLimits> = {}): RenderLimits {
  return { ...RENDER_LIMITS, ...overrides };
}

export function formatBytes(bytes: number): string {
  return bytes >= MiB && bytes % MiB === 0 ? `${bytes / MiB} MiB` : `${bytes} bytes`;
}

const HINT =
  'Nothing was written. Check the loops ({{#each}}) and partials ({{> name}}) of that file: a partial must not include itself without an end, and a list answer must not be enormous.';

export function fileTooLarge(templateId: string, file: string, limits: RenderLimits): UsageError {
  return new UsageError(
    'template-file-too-large',
    `Template ${templateId}: ${file} renders to more than ${formatBytes(limits.maxFileBytes)}, the limit for one file.`,
    { where: { file }, hint: HINT },
  );
}

export function templateTooLarge(templateId: string, file: string, limits: RenderLimits): UsageError {
  return new UsageError(
    'template-too-large',
    `Template ${templateId} renders to more than ${formatBytes(limits.maxTemplateBytes)} in all (reached at ${file}), the limit for one template.`,
    { where: { file }, hint: HINT },
  );
}

export function tooManySteps(templateId: string, file: string, limits: RenderLimits): UsageError {
  return new UsageError(
    'template-render-steps',
    `Template ${templateId}: ${file} takes more than ${limits.maxFileSteps} steps (helper calls, loop iterations, partials) to render, the limit for one file.`,
    { where: { file }, hint: HINT },
  );
}

export function partialTooDeep(templateId: string, file: string, partial: string, limits: RenderLimits): UsageError {
  return new UsageError(
    'template-partial-depth',
    `Template ${templateId}: ${file} nests partials more than ${limits.maxPartialDepth} deep (at "${partial}"), the limit; a partial probably includes itself.`,
    { where: { file }, hint: HINT },
  );
}

/** The running budget of one render() call: steps taken so far, and partial depth. */
export class RenderBudget {
  private steps = 0;
  private depth = 0;

  constructor(
    readonly limits: RenderLimits,
    readonly templateId: string,
    readonly file: string,
  ) {}

  /** One step: call from every helper, block body and partial. */
  tick(): void {
    if (++this.steps > this.limits.maxFileSteps) throw tooManySteps(this.templateId, this.file, this.limits);
  }

  /** Output of one piece (a block's iterations so far, a helper's result, a partial). */
  checkSize(length: number): void {
    if (length > this.limits.maxFileBytes) throw fileTooLarge(this.templateId, this.file, this.limits);
  }

  enterPartial(name: string): void {
    this.tick();
    if (++this.depth > this.limits.maxPartialDepth) throw partialTooDeep(this.templateId, this.file, name, this.limits);
  }

  leavePartial(): void {
    this.depth--;
  }
}
