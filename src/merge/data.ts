/**
 * Three-way merge of plain data (what YAML and JSON parse to). Maps merge key by key; lists of
 * named items (jobs, steps, containers: `name`, `id`, `key`, `uses`, `run`, or kind +
 * metadata.name) merge item by item; lists of scalars merge as ordered sets. Anything else that
 * both sides changed differently is a conflict at that path.
 */
export type Data = null | boolean | number | string | Data[] | { [key: string]: Data };
export type Path = Array<string | number>;

const ABSENT: unique symbol = Symbol('absent');
type Maybe = Data | typeof ABSENT;

export interface DataMergeResult {
  value: Data;
  conflicts: Path[];
}

export function isPlainObject(value: unknown): value is { [key: string]: Data } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

interface MergeState {
  conflicts: Path[];
  /** Which side a conflicting path takes in the returned value (the other is reported). */
  prefer: 'ours' | 'theirs';
}

export function mergeData(base: Data, ours: Data, theirs: Data, prefer: 'ours' | 'theirs' = 'ours'): DataMergeResult {
  const state: MergeState = { conflicts: [], prefer };
  const value = merge(base, ours, theirs, [], state);
  return { value: value === ABSENT ? null : value, conflicts: state.conflicts };
}

/** deepEqual where a map's key order counts too: a side that only moved keys still changed something. */
function sameInOrder(a: unknown, b: unknown): boolean {
  if (!deepEqual(a, b)) return false;
  if (Array.isArray(a)) return (b as unknown[]).every((item, i) => sameInOrder(a[i], item));
  if (isPlainObject(a)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b as object);
    return ka.every((k, i) => k === kb[i] && sameInOrder(a[k], (b as Record<string, unknown>)[k]));
  }
  return true;
}

function merge(base: Maybe, ours: Maybe, theirs: Maybe, path: Path, state: MergeState): Maybe {
  if (deepEqual(ours, theirs)) return ours;
  if (sameInOrder(base, ours)) return theirs;
  if (sameInOrder(base, theirs)) return ours;
  if (isPlainObject(ours) && isPlainObject(theirs)) {
    return mergeObjects(isPlainObject(base) ? base : {}, ours, theirs, path, state);
  }
  if (Array.isArray(ours) && Array.isArray(theirs)) {
    const merged = mergeLists(Array.isArray(base) ? base : [], ours, theirs, path, state);
    if (merged !== undefined) return merged;
  }
  state.conflicts.push(path);
  return state.prefer === 'ours' ? ours : theirs;
}

/**
 * The keys one side moved: those not in the longest run of keys both it and base hold in the
 * same order. A move is an edit, so a key moved on one side and deleted on the other conflicts.
 */
export function movedKeys(base: string[], side: string[]): Set<string> {
  const inSide = new Set(side);
  const inBase = new Set(base);
  const a = base.filter((k) => inSide.has(k));
  const b = side.filter((k) => inBase.has(k));
  if (a.every((k, i) => k === b[i])) return new Set();
  // LCS by dynamic programming: these are a map's keys or a list's items, not a file's lines.
  if (a.length * b.length > 4_000_000) return new Set(a);
  const n = a.length;
  const m = b.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) table[i]![j] = a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
  const stay = new Set<string>();
  for (let i = 0, j = 0; i < n && j < m; ) {
    if (a[i] === b[j]) {
      stay.add(a[i]!);
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) i++;
    else j++;
  }
  return new Set(a.filter((k) => !stay.has(k)));
}

/** Moved on one side, deleted on the other (and not otherwise changed): a conflict, never a silent delete. */
function movedAndDeleted(key: string, base: Maybe, ours: Maybe, theirs: Maybe, moved: { ours: Set<string>; theirs: Set<string> }): boolean {
  if (base === ABSENT) return false;
  return (moved.ours.has(key) && theirs === ABSENT && ours !== ABSENT) || (moved.theirs.has(key) && ours === ABSENT && theirs !== ABSENT);
}

function mergeObjects(base: Record<string, Data>, ours: Record<string, Data>, theirs: Record<string, Data>, path: Path, state: MergeState): Maybe {
  const get = (o: Record<string, Data>, k: string): Maybe => (Object.hasOwn(o, k) ? o[k]! : ABSENT);
  const merged = new Map<string, Data>();
  const moved = { ours: movedKeys(Object.keys(base), Object.keys(ours)), theirs: movedKeys(Object.keys(base), Object.keys(theirs)) };
  for (const key of Object.keys(ours)) {
    if (movedAndDeleted(key, get(base, key), ours[key]!, get(theirs, key), moved)) {
      state.conflicts.push([...path, key]);
      if (state.prefer === 'ours') merged.set(key, ours[key]!);
      continue;
    }
    const value = merge(get(base, key), ours[key]!, get(theirs, key), [...path, key], state);
    if (value !== ABSENT) merged.set(key, value);
  }
  // Keys only theirs has (added by the template): placed after the key that precedes them there.
  const theirsKeys = Object.keys(theirs);
  theirsKeys.forEach((key, index) => {
    if (Object.hasOwn(ours, key)) return;
    if (movedAndDeleted(key, get(base, key), ABSENT, theirs[key]!, moved)) {
      state.conflicts.push([...path, key]);
      if (state.prefer === 'ours') return;
    }
    const value = merge(get(base, key), ABSENT, theirs[key]!, [...path, key], state);
    if (value === ABSENT) return;
    const before = theirsKeys.slice(0, index).reverse().find((k) => merged.has(k));
    insertAfter(merged, before, key, value, (k) => !Object.hasOwn(base, k) && !Object.hasOwn(theirs, k));
  });
  return Object.fromEntries(merged);
}

/**
 * Inserts after `after` and after any entries only ours added right there: when both sides
 * add at one place, ours' additions come first, as two appends would read.
 */
function insertAfter(map: Map<string, Data>, after: string | undefined, key: string, value: Data, oursOnly: (key: string) => boolean): void {
  const entries = [...map];
  let at = after === undefined ? 0 : entries.findIndex(([k]) => k === after) + 1;
  while (at < entries.length && oursOnly(entries[at]![0])) at++;
  entries.splice(at, 0, [key, value]);
  map.clear();
  for (const [k, v] of entries) map.set(k, v);
}

const IDENTITY_FIELDS = ['name', 'id', 'key', 'uses', 'run'];

/** The identity of a list item, or undefined when it has none. */
export function itemKey(item: Data): string | undefined {
  if (isPlainObject(item)) {
    const metadata = item.metadata;
    if (typeof item.kind === 'string' && isPlainObject(metadata) && typeof metadata.name === 'string') {
      return `kind:${item.kind}/${metadata.name}`;
    }
    for (const field of IDENTITY_FIELDS) {
      if (typeof item[field] === 'string') return `${field}:${item[field] as string}`;
    }
    return undefined;
  }
  if (Array.isArray(item)) return undefined;
  return `value:${JSON.stringify(item)}`;
}

function keyed(list: Data[]): Map<string, Data> | undefined {
  const map = new Map<string, Data>();
  for (const item of list) {
    const key = itemKey(item);
    if (key === undefined || map.has(key)) return undefined;
    map.set(key, item);
  }
  return map;
}

/** Lists merge item by item when every item has a unique identity on all three sides. */
function mergeLists(base: Data[], ours: Data[], theirs: Data[], path: Path, state: MergeState): Data[] | undefined {
  const b = keyed(base);
  const o = keyed(ours);
  const t = keyed(theirs);
  if (!b || !o || !t) return undefined;
  const get = (m: Map<string, Data>, k: string): Maybe => (m.has(k) ? m.get(k)! : ABSENT);
  const merged = new Map<string, Data>();
  const moved = { ours: movedKeys([...b.keys()], [...o.keys()]), theirs: movedKeys([...b.keys()], [...t.keys()]) };
  let index = 0;
  for (const [key, item] of o) {
    if (movedAndDeleted(key, get(b, key), item, get(t, key), moved)) {
      state.conflicts.push([...path, index++]);
      if (state.prefer === 'ours') merged.set(key, item);
      continue;
    }
    const value = merge(get(b, key), item, get(t, key), [...path, index], state);
    if (value !== ABSENT) merged.set(key, value);
    index++;
  }
  const theirsKeys = [...t.keys()];
  theirsKeys.forEach((key, i) => {
    if (o.has(key)) return;
    if (movedAndDeleted(key, get(b, key), ABSENT, t.get(key)!, moved)) {
      state.conflicts.push([...path, i]);
      if (state.prefer === 'ours') return;
    }
    const value = merge(get(b, key), ABSENT, t.get(key)!, [...path, i], state);
    if (value === ABSENT) return;
    const before = theirsKeys.slice(0, i).reverse().find((k) => merged.has(k));
    insertAfter(merged, before, key, value, (k) => !b.has(k) && !t.has(k));
  });
  return [...merged.values()];
}
