import { parseYamlDocuments } from './yaml-documents.js';
import { isText, twoWayConflict } from './conflict.js';
import { detectEol, withEol } from './lines.js';
import { formatOf, mergeStructured, type StructuredFormat } from './structured.js';
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
 * Three-way merge of one file: YAML and JSON by structure when that can be decided and
 * checked, else by lines exactly as git merge-file does; binary files never merge. The local
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
  let note: string | undefined;
  let structuredConflict: { text: string; conflicts: number } | undefined;
  if (format !== 'text') {
    const structured = mergeStructured(format, base, ours, theirs, input.labels);
    if (structured.kind === 'merged') return { bytes: encoder.encode(structured.text), conflicts: 0, method: 'structure' };
    if (structured.kind === 'conflict') {
      note = `both sides changed ${structured.paths.map((p) => p.join('.')).join(', ')}`;
      structuredConflict = structured;
    } else {
      note = structured.reason;
    }
  }
  const merged = await input.textMerger(base, ours, theirs, input.labels);
  const lineMergeBreaks = merged.conflicts === 0 && format !== 'text' && parses(format, ours) && parses(format, theirs) && !parses(format, merged.text);
  if (structuredConflict && (merged.conflicts > 0 || lineMergeBreaks)) {
    // Never worse than git: its clean merge wins; otherwise the conflicts as small as the data allows.
    return { bytes: encoder.encode(structuredConflict.text), conflicts: structuredConflict.conflicts, method: 'structure', note: note! };
  }
  if (lineMergeBreaks) {
    // A clean line merge that breaks the file (a key added twice) is not clean: show both sides.
    const both = twoWayConflict(encoder.encode(ours), encoder.encode(theirs), input.labels);
    return { bytes: both, conflicts: 1, method: 'text', note: `merging by lines would leave invalid ${format.toUpperCase()}` };
  }
  return { bytes: encoder.encode(merged.text), conflicts: merged.conflicts, method: 'text', ...(note ? { note } : {}) };
}

function parses(format: StructuredFormat, text: string): boolean {
  try {
    if (format === 'json') JSON.parse(text);
    else if (parseYamlDocuments(text) === undefined) return false;
    return true;
  } catch {
    return false;
  }
}

function decodeText(bytes: Uint8Array): string | undefined {
  if (!isText(bytes)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
