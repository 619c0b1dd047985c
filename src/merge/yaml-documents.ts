import { isAlias, isMap, isScalar, parseAllDocuments, visit, type Document } from 'yaml';
import type { Data } from './data.js';

/**
 * yaml's options for every parse here. uniqueKeys off: yaml's own check compares each key with
 * all earlier ones (quadratic: seconds at 40,000 keys), and these files come from repositories;
 * ours below is linear. prettyErrors off: only whether a document has errors is ever read, never
 * their text, so no line counter is kept for their positions.
 */
const OPTIONS = { uniqueKeys: false, prettyErrors: false } as const;

/** Every document of a YAML text, or undefined when one of them has a syntax error or a map holds a key twice. */
export function parseYamlDocuments(text: string): Document.Parsed[] | undefined {
  const docs = parseAllDocuments(text, OPTIONS);
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0 || scan(doc, false))) return undefined;
  return docs;
}

/**
 * The same documents, also undefined when one holds an anchor or an alias (never expanded: an
 * alias bomb stays text), checked in the same walk: a merge that settles a conflict parses every
 * candidate file, so one walk per document instead of two.
 */
export function parseYamlDocumentsWithoutAliases(text: string): Document.Parsed[] | undefined {
  const docs = parseAllDocuments(text, OPTIONS);
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0 || scan(doc, true))) return undefined;
  return docs;
}

/**
 * True when a map holds a key twice (scalars compare by value, as yaml's uniqueKeys does; other
 * keys by their text) or, with `aliases`, when a node is an alias or carries an anchor.
 */
function scan(doc: Document, aliases: boolean): boolean {
  let found = false;
  visit(doc, (_, node) => {
    if (aliases && (isAlias(node) || (node as { anchor?: string } | null)?.anchor)) {
      found = true;
      return visit.BREAK;
    }
    if (!isMap(node)) return undefined;
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? pair.key.value : String(pair.key);
      if (seen.has(key)) {
        found = true;
        return visit.BREAK;
      }
      seen.add(key);
    }
    return undefined;
  });
  return found;
}

/** Alias-free documents only (checked before); 0 makes any alias that slipped through an error, never an expansion. */
export function toData(doc: Document): Data {
  return (doc.toJS({ maxAliasCount: 0 }) ?? null) as Data;
}
