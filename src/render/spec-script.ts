/**
 * The precompiled form of a template version, evaluated in one go: its compiled Handlebars specs
 * as one script, run with V8's code cache. Reviving each spec with `new Function` and compiling
 * its body on first call was most of a warm render; with the code cache neither happens.
 * A spec is JavaScript from our own cache (already trusted, as with `new Function`); the code
 * cache file carries the sha256 of its data and of the script it belongs to, and anything that
 * does not match is not used (V8 trusts a cache it accepts).
 */
import { createHash } from 'node:crypto';
import { Script } from 'node:vm';

const HEADER = 64;
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest();

export interface SpecScript {
  /** The evaluated spec of key, if the script holds it. */
  spec(key: string): unknown;
  /** Code cache bytes to save (sha256 header included), or undefined when the one read was used. */
  cacheToSave(): Uint8Array | undefined;
}

/** A script of the specs (evaluated on first use); `cached` is the code cache file read, if any. */
export function specScript(specs: Record<string, string>, cached: Uint8Array | undefined, name: string): SpecScript {
  let evaluated: Record<string, unknown> | undefined;
  let script: Script | undefined;
  let used = false;
  let sourceHash: Buffer | undefined;
  const evaluate = (): Record<string, unknown> => {
    if (evaluated) return evaluated;
    const keys = Object.keys(specs).sort();
    // An object literal of spec literals, keys quoted as JSON; specs are Handlebars' own output.
    const source = `({${keys.map((key) => `${JSON.stringify(key)}:${specs[key]}`).join(',\n')}})`;
    sourceHash = sha256(source);
    let cachedData: Buffer | undefined;
    if (cached && cached.length > HEADER) {
      const bytes = Buffer.from(cached.buffer, cached.byteOffset, cached.byteLength);
      const data = bytes.subarray(HEADER);
      if (sha256(data).equals(bytes.subarray(0, 32)) && sourceHash.equals(bytes.subarray(32, HEADER))) cachedData = data;
    }
    try {
      script = new Script(source, { filename: `compiled-${name}.js`, ...(cachedData ? { cachedData } : {}) });
      used = cachedData !== undefined && !script.cachedDataRejected;
      evaluated = script.runInThisContext() as Record<string, unknown>;
    } catch {
      // A damaged spec: each is revived on its own instead, and the bad one says so.
      script = undefined;
      evaluated = {};
    }
    return evaluated;
  };
  return {
    spec: (key) => (Object.prototype.hasOwnProperty.call(specs, key) ? evaluate()[key] : undefined),
    cacheToSave: () => {
      if (!script || used || !sourceHash) return undefined;
      const data = script.createCachedData();
      return Buffer.concat([sha256(data), sourceHash, data]);
    },
  };
}
