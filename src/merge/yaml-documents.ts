import { isMap, isScalar, parseAllDocuments, visit, type Document } from 'yaml';

/**
 * Every document of a YAML text, or undefined when one of them has a syntax error or a map
 * holds a key twice. Linear in the text: yaml's own `uniqueKeys` compares each key with all
 * earlier ones (quadratic: seconds at 40,000 keys), and these files come from repositories.
 */
export function parseYamlDocuments(text: string): Document.Parsed[] | undefined {
  const docs = parseAllDocuments(text, { uniqueKeys: false });
  if (!Array.isArray(docs) || docs.some((doc) => doc.errors.length > 0 || hasDuplicateKey(doc))) return undefined;
  return docs;
}

/** Scalars compare by value (as yaml's uniqueKeys does); other keys by their text. */
function hasDuplicateKey(doc: Document): boolean {
  let found = false;
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : String(pair.key);
        if (seen.has(key)) {
          found = true;
          return visit.BREAK;
        }
        seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}
