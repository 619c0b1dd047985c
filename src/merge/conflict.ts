/** Git-style conflict markers around two whole texts, when there is no base to merge from. */
export interface ConflictLabels {
  ours: string;
  theirs: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function twoWayConflict(ours: Uint8Array, theirs: Uint8Array, labels: ConflictLabels): Uint8Array {
  const eol = decoder.decode(ours).includes('\r\n') ? '\r\n' : '\n';
  const block = (bytes: Uint8Array): string => {
    const text = decoder.decode(bytes);
    return text === '' || text.endsWith('\n') ? text : text + eol;
  };
  return encoder.encode(
    `<<<<<<< ${labels.ours}${eol}${block(ours)}=======${eol}${block(theirs)}>>>>>>> ${labels.theirs}${eol}`,
  );
}

/** True when the bytes look like text we can merge by lines (no NUL in the first 8 KiB, as git decides). */
export function isText(bytes: Uint8Array): boolean {
  // A plain view: a Buffer's subarray() looks up its species constructor (0.1 ms on first use).
  const head = new Uint8Array(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 8000));
  return !head.includes(0);
}
