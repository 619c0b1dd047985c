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
  /** git's clean line merge kept as is, but it is not valid data: counted as one conflict. */
  warning?: string;
}

// ignoreBOM: a byte order mark stays in the text, part of its first line as git sees it.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BOM = '\ufeff';
const withoutBom = (text: string): string => (text.startsWith(BOM) ? text.slice(BOM.length) : text);
const encoder = new TextEncoder();

/**
 * Three-way merge of one file: wherever git's line merge is clean, its bytes are the result.
 * Where lines conflict, YAML and JSON are resolved by structure when the data decides (inside
 * git's output first, so only the conflict blocks change), else git's markers: never worse than
 * git. Binary files never merge. The local file's line endings are kept: base and theirs are
 * read in ours' style first.
 */
export async function mergeFile(input: FileMergeInput): Promise<FileMergeResult> {
  const texts = [input.base, input.ours, input.theirs].map(decodeText);
  if (texts.some((t) => t === undefined)) return { bytes: input.ours, conflicts: 1, method: 'binary' };
  const [rawBase, ours, rawTheirs] = texts as [string, string, string];
  const eol = detectEol(ours);
  const base = detectEol(rawBase) === eol ? rawBase : withEol(rawBase, eol);
  const theirs = detectEol(rawTheirs) === eol ? rawTheirs : withEol(rawTheirs, eol);

  const format = input.format ?? formatOf(input.path) ?? 'text';
  // git's line merge first: wherever it is clean its bytes are the result, comments, quoting and
  // layout included. Structure is only for what lines cannot merge.
  const merged = await input.textMerger(base, ours, theirs, input.labels);
  if (merged.conflicts === 0) {
    // A clean line merge that leaves a key twice (both sides added it at different places) is
    // still git's result, byte for byte, but not clean: one conflict (no markers), and the
    // warning says what to look at. Nothing invalid is ever reported clean.
    const warning = format === 'text' ? undefined : await brokenByLines(format, ours, theirs, merged.text);
    if (warning) return { bytes: encoder.encode(merged.text), conflicts: 1, method: 'text', note: warning, warning };
    return { bytes: encoder.encode(merged.text), conflicts: 0, method: 'text' };
  }
  if (format === 'text') return { bytes: encoder.encode(merged.text), conflicts: merged.conflicts, method: 'text' };
  // A byte order mark is bytes, not data: the structural routes read and write data, and would
  // drop it. With one, git's lines stand.
  if ([base, ours, theirs].some((text) => text.startsWith(BOM))) {
    return { bytes: encoder.encode(merged.text), conflicts: merged.conflicts, method: 'text', note: 'a byte order mark: merged by lines only' };
  }

  // Lines conflict. First inside git's own output: its bytes everywhere but the blocks.
  const { resolveLineConflicts } = await import('./resolve.js');
  const resolved = resolveLineConflicts(format, base, ours, theirs, merged.text);
  if ('text' in resolved && resolved.conflicts === 0) return { bytes: encoder.encode(resolved.text), conflicts: 0, method: 'structure' };
  // Some blocks settle and the rest stay git's conflicts, fewer than git's.
  const partial = 'text' in resolved ? { bytes: encoder.encode(resolved.text), conflicts: resolved.conflicts, method: 'structure' as const } : undefined;
  const reason = 'reason' in resolved ? resolved.reason : 'both sides changed the same data';
  // A comment both sides rewrote: no data decides it, and the whole-structure route below keeps
  // only ours' comments. A person decides.
  const { commentsConflict, parseConflicts } = await import('./hunks.js');
  if (format === 'yaml' && commentsConflict(merged.text)) {
    return partial ? { ...partial, note: 'both sides changed the same comment' } : { bytes: encoder.encode(merged.text), conflicts: merged.conflicts, method: 'text', note: 'both sides changed the same comment' };
  }
  // Then the whole structure, in ours' layout, where it can be reproduced exactly.
  const { mergeStructured } = await import('./structured.js');
  let structured = mergeStructured(format, base, ours, theirs, input.labels);
  // Reprinting keeps ours' comments; a comment the template changed where git merged cleanly
  // would be lost. Every comment line git kept outside its blocks must still be there.
  if (structured.kind !== 'unsupported' && format === 'yaml') {
    const lines = new Set(structured.text.split('\n').map((line) => line.trim()));
    const stable = (parseConflicts(merged.text) ?? []).filter((segment): segment is string[] => Array.isArray(segment)).flat();
    const lost = stable.some((line) => line.trim().startsWith('#') && !lines.has(line.trim()));
    if (lost) structured = { kind: 'unsupported', reason: 'the structural merge would drop a comment git kept' };
  }
  if (structured.kind === 'merged') return { bytes: encoder.encode(structured.text), conflicts: 0, method: 'structure' };
  if (partial && (structured.kind !== 'conflict' || partial.conflicts <= structured.conflicts)) return { ...partial, note: reason };
  if (structured.kind === 'conflict' && structured.conflicts <= merged.conflicts) {
    // Never worse than git: the conflicts as small as the data allows, never more blocks.
    const note = `both sides changed ${structured.paths.map((p) => p.join('.')).join(', ')}`;
    return { bytes: encoder.encode(structured.text), conflicts: structured.conflicts, method: 'structure', note };
  }
  // Why, for the report: the data's own verdict first (the same value changed on both sides).
  const note = reason.startsWith('both sides changed') || structured.kind !== 'unsupported' ? reason : structured.reason;
  return { bytes: encoder.encode(merged.text), conflicts: merged.conflicts, method: 'text', note };
}

/**
 * Why a clean line merge is not valid data when both sides were, or undefined. A result equal to
 * one side is as valid as that side; any other is parsed: a line merge breaks YAML by more than
 * duplicate keys (a key line after a block sequence whose parent one side removed, say), and a
 * cheaper guess let such a result through as clean (found by the property in merge-engine.test).
 */
async function brokenByLines(format: StructuredFormat, withOurs: string, withTheirs: string, withMerged: string): Promise<string | undefined> {
  // The data after any byte order mark (JSON.parse refuses one).
  const [ours, theirs, merged] = [withOurs, withTheirs, withMerged].map(withoutBom) as [string, string, string];
  if (merged === ours || merged === theirs) return undefined;
  const parse = format === 'yaml' ? (await import('./yaml-documents.js')).parseYamlDocuments : undefined;
  const parses = (text: string): boolean => {
    try {
      return parse ? parse(text) !== undefined : (JSON.parse(text), true);
    } catch {
      return false;
    }
  };
  if (parses(merged) || !parses(ours) || !parses(theirs)) return undefined;
  return `git merged the lines cleanly, but the result is not valid ${format.toUpperCase()} (a key added twice, or lines from one side's structure under the other's?); kept as git merged it: fix it, then commit`;
}

function decodeText(bytes: Uint8Array): string | undefined {
  if (!isText(bytes)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
