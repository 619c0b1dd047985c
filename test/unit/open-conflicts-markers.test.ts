/**
 * The open-conflict check looks for `<<<<<<< ` in a file's bytes before decoding it: that
 * shortcut must find exactly the files the text check finds, whatever the bytes (invalid UTF-8,
 * a byte-order mark, CRLF, markers split by other bytes).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasConflictMarkers, holdsConflictMarkers } from '../../src/workflow/open-conflicts.js';

const piece = fc.oneof(
  fc.constantFrom('<<<<<<< ', '<<<<<<< local\n', '>>>>>>> ', '>>>>>>> svc@2.0.0\n', '=======\n', '\n', '\r\n', '<', '<<<<<<<', ' ', 'text', '\ufeff', 'é', '\u0000').map((s) => new TextEncoder().encode(s)),
  fc.uint8Array({ maxLength: 6 }),
  fc.constantFrom(new Uint8Array([0xc3]), new Uint8Array([0xff, 0xfe]), new Uint8Array([0xe2, 0x80]), new Uint8Array([0xef, 0xbb, 0xbf])),
);

describe('conflict markers found from the bytes', () => {
  it('agrees with the text check on any bytes', () => {
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const bytes = Buffer.concat(pieces);
        expect(holdsConflictMarkers(bytes)).toBe(hasConflictMarkers(new TextDecoder().decode(bytes)));
        // A view into a larger buffer reads only its own bytes.
        const framed = Buffer.concat([Buffer.from('<<<<<<< x\n'), bytes, Buffer.from('\n>>>>>>> y\n')]);
        const view = new Uint8Array(framed.buffer, framed.byteOffset + 10, bytes.length);
        expect(holdsConflictMarkers(view)).toBe(hasConflictMarkers(new TextDecoder().decode(view)));
      }),
      { numRuns: 2000 },
    );
  });

  it('finds markers at the start of a line only, as before', () => {
    const encode = (s: string) => new TextEncoder().encode(s);
    expect(holdsConflictMarkers(encode('a\n<<<<<<< local\nb\n=======\nc\n>>>>>>> t\n'))).toBe(true);
    expect(holdsConflictMarkers(encode('\ufeff<<<<<<< local\nb\n>>>>>>> t\n'))).toBe(true);
    expect(holdsConflictMarkers(encode('x <<<<<<< local\n>>>>>>> t\n'))).toBe(false);
    expect(holdsConflictMarkers(encode('<<<<<<< local only\n'))).toBe(false);
  });
});
