import type { Template } from '../template/template.js';
import { canonicalSource, sourceKind, type SourceKind } from './canonical.js';

/**
 * One kind of place templates come from (the built-in catalog, a `dir:` folder, a `git:`
 * repository, an `npm:` package). A driver is given canonical sources only. Where a loaded
 * template came from travels on the template itself (`template.source`), so nothing asks a
 * driver afterwards.
 */
export interface SourceDriver {
  readonly kind: SourceKind;
  /** Whether this driver reads the (canonical) source. */
  matches(source: string): boolean;
  /** The versions the source offers for a template, ascending. */
  versions(name: string, source: string): Promise<string[]>;
  /** NAME or NAME@VERSION (the latest without one) from the source; errors list what exists. */
  load(spec: string, source: string): Promise<Template>;
}

/**
 * The driver for a lockfile source, and the source in canonical form. An unknown kind or a
 * malformed source is canonicalSource's UsageError: it never falls back to the built-in catalog.
 */
export function driverFor(drivers: readonly SourceDriver[], raw: string): { driver: SourceDriver; source: string } {
  const source = canonicalSource(raw);
  const driver = drivers.find((d) => d.matches(source));
  // canonicalSource accepted the kind, so a table without its driver is a bug, not bad input.
  if (!driver) throw new Error(`No source driver for kind "${sourceKind(source)}".`);
  return { driver, source };
}

/** How the canonical sources of one kind are matched: by the kind canonicalSource gave them. */
export function matchesKind(kind: SourceKind, source: string): boolean {
  return sourceKind(source) === kind;
}

/** Gives a loaded template its compiled Handlebars from earlier runs, if the run keeps them. */
export type AttachCompiled = (template: Template) => Promise<Template>;
