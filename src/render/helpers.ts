import { stringify } from 'yaml';
import type { HelperDelegate } from 'handlebars';

/** The only helpers a template can call. Pure functions of their arguments. */

function words(value: unknown): string[] {
  return String(value ?? '')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
}
const capitalise = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

/** Handlebars passes its options object last; helpers only want the real arguments. */
function args(list: unknown[]): unknown[] {
  return list.slice(0, -1);
}

const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

export const HELPERS: Record<string, HelperDelegate> = {
  camelCase: (v: unknown) => words(v).map((w, i) => (i === 0 ? w.toLowerCase() : capitalise(w))).join(''),
  pascalCase: (v: unknown) => words(v).map(capitalise).join(''),
  kebabCase: (v: unknown) => words(v).map((w) => w.toLowerCase()).join('-'),
  snakeCase: (v: unknown) => words(v).map((w) => w.toLowerCase()).join('_'),
  constantCase: (v: unknown) => words(v).map((w) => w.toUpperCase()).join('_'),
  titleCase: (v: unknown) => words(v).map(capitalise).join(' '),
  upper: (v: unknown) => String(v ?? '').toUpperCase(),
  lower: (v: unknown) => String(v ?? '').toLowerCase(),

  eq: (a: unknown, b: unknown) => a === b,
  ne: (a: unknown, b: unknown) => a !== b,
  lt: (a: number, b: number) => a < b,
  lte: (a: number, b: number) => a <= b,
  gt: (a: number, b: number) => a > b,
  gte: (a: number, b: number) => a >= b,
  and: (...list: unknown[]) => args(list).every(Boolean),
  or: (...list: unknown[]) => args(list).some(Boolean),
  not: (v: unknown) => !v,
  /** Inline condition for file names, which cannot hold the "/" of {{/if}}: {{when cond "name"}}. */
  when: (condition: unknown, value: unknown, ...rest: unknown[]) => {
    const otherwise = rest.length > 1 ? rest[0] : '';
    return condition ? value : otherwise;
  },
  includes: (container: unknown, item: unknown) =>
    Array.isArray(container) ? container.includes(item) : String(container ?? '').includes(String(item)),

  json: (...list: unknown[]) => {
    const [value, indent] = args(list);
    return JSON.stringify(value, null, typeof indent === 'number' ? indent : undefined);
  },
  yaml: (value: unknown) => stringify(value).replace(/\n$/, ''),
  indent: (text: unknown, width: unknown) => {
    const pad = ' '.repeat(typeof width === 'number' ? width : 2);
    return String(text ?? '')
      .split('\n')
      .map((line) => (line.length > 0 ? pad + line : line))
      .join('\n');
  },
  join: (...list: unknown[]) => {
    const [items, separator] = args(list);
    return Array.isArray(items) ? items.join(typeof separator === 'string' ? separator : ', ') : String(items ?? '');
  },
  split: (...list: unknown[]) => {
    const [value, separator] = args(list);
    return String(value ?? '')
      .split(typeof separator === 'string' ? separator : ',')
      .map((part) => part.trim())
      .filter(Boolean);
  },
  default: (...list: unknown[]) => args(list).find((v) => !isEmpty(v)) ?? '',
  raw: function (this: unknown, options: { fn: (context: unknown) => string }) {
    return options.fn(this);
  },
  /** `uses:` value of a pinned GitHub Action: owner/repo@<full sha> # <version>. */
  action: (name: unknown, options: HelperOptions) => {
    const pin = lookupPin(options, 'actions', name) as { uses: string; sha: string; version: string };
    return `${pin.uses}@${pin.sha} # ${pin.version}`;
  },
  /** A container image pinned by digest: name:tag@sha256:… */
  image: (name: unknown, options: HelperOptions) => {
    const pin = lookupPin(options, 'images', name) as { image: string; tag: string; digest: string };
    return `${pin.image}:${pin.tag}@${pin.digest}`;
  },
  /** Any other pinned value (a tool version, a chart version): {{pin "tools" "gitleaks"}}. */
  pin: (group: unknown, name: unknown, options: HelperOptions) => {
    const pin = lookupPin(options, String(group), name);
    if (typeof pin === 'object' && pin !== null && 'version' in pin) return String((pin as { version: unknown }).version);
    return String(pin);
  },
};

interface HelperOptions {
  data?: { pins?: Record<string, Record<string, unknown>> };
}

/** Pins come from the catalog's pins.yaml (one place for every SHA, digest and version). */
function lookupPin(options: HelperOptions, group: string, name: unknown): unknown {
  const groupPins = options.data?.pins?.[group];
  const pin = groupPins && Object.hasOwn(groupPins, String(name)) ? groupPins[String(name)] : undefined;
  if (pin === undefined) {
    const known = groupPins ? Object.keys(groupPins).join(', ') : 'none';
    throw new Error(`"${String(name)}" is not pinned in pins.yaml under ${group} (pinned: ${known})`);
  }
  return pin;
}

export const HELPER_NAMES = Object.keys(HELPERS);
