import { isText, twoWayConflict } from './conflict.js';
import { detectEol, withEol } from './lines.js';
import { formatOf, type StructuredFormat } from './format.js';
import type { MergeLabels, TextMerger } from './text.js';

export interface FileMergeInput {
  path: string;
  base: Uint8Array;
  ours: Uint8Array;
  theirs: Uint8Array;
  labels: MergeLabels;
  textMerger: TextMerger;
  /** Default: from the file name. */
  format?: StructuredFormat | 'text';
}

export interface FileMergeResult {
  bytes: Uint8Array;
  conflicts: number;
  /** How it was merged, for the report. */
  method: 'structure' | 'text' | 'binary';
  /** Why structure merge was not used, when it was tried. */
  note?: string;
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Three-way merge of one file: by lines exactly as git merge-file does wherever that is clean;
 * YAML and JSON by structure where lines conflict (or would leave invalid data) and structure
 * can decide; binary files never merge. The local
 * file's line endings are kept: base and theirs are read in ours' style first.
 */
export async function mergeFile(input: FileMergeInput): Promise<FileMergeResult> {
  const texts = [input.base, input.ours, input.theirs].map(decodeText);
  if (texts.some((t) => t === undefined)) return { bytes: input.ours, conflicts: 1, method: 'binary' };
  const [rawBase, ours, rawTheirs] = texts as [string, string, string];
  const eol = detectEol(ours);
  const base = detectEol(rawBase) === eol ? rawBase : withEol(rawBase, eol);
  const theirs = detectEol(rawTheirs) === eol ? rawTheirs : withEol(rawTheirs, eol);

  const format = input.format ?? formatOf(input.path) ?? 'text';
  // git's line merge first: wherever it is clean (and leaves the data valid), its bytes are the
  // result, comments, quoting and layout included. Structure is only for what lines cannot merge.
  const merged = await input.textMerger(base, ours, theirs, input.labels);
  // yaml (the biggest module here) loads only for YAML: a merge driver runs once per file.
  const parse = format === 'yaml' ? (await import('./yaml-documents.js')).parseYamlDocuments : undefined;
  const parses = (text: string): boolean => {
    try {
      return parse ? parse(text) !== undefined : (JSON.parse(text), true);
    } catch {
      return false;
    }
  };
  const lineMergeBreaks = merged.conflicts === 0 && format !== 'text' && parses(ours) && parses(theirs) && !parses(merged.text);
  if (merged.conflicts === 0 && !lineMergeBreaks) return { bytes: encoder.encode(merged.text), conflicts: 0, method: 'text' };

  let note: string | undefined;
  if (format !== 'text') {
    const { mergeStructured } = await import('./structured.js');
    const structured = mergeStructured(format, base, ours, theirs, input.labels);
    if (structured.kind === 'merged') return { bytes: encoder.encode(structured.text), conflicts: 0, method: 'structure' };
    if (structured.kind === 'conflict') {
      // Never worse than git: the conflicts as small as the data allows.
      const note = `both sides changed ${structured.paths.map((p) => p.join('.')).join(', ')}`;
      return { bytes: encoder.encode(structured.text), conflicts: structured.conflicts, method: 'structure', note };
    }
    note = structured.reason;
  }
  if (lineMergeBreaks) {
    // A clean line merge that breaks the file (a key added twice) is not clean: show both sides.
    const both = twoWayConflict(encoder.encode(ours), encoder.encode(theirs), input.labels);
    return { bytes: both, conflicts: 1, method: 'text', note: `merging by lines would leave invalid ${format.toUpperCase()}` };
  }
  return { bytes: encoder.encode(merged.text), conflicts: merged.conflicts, method: 'text', ...(note ? { note } : {}) };
}

function decodeText(bytes: Uint8Array): string | undefined {
  if (!isText(bytes)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
