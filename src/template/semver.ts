import { SEMVER } from './schema.js';

/** Orders semantic versions; pre-releases sort before their release. */
export function compareVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = pa.core[i]! - pb.core[i]!;
    if (d !== 0) return d;
  }
  if (pa.pre === pb.pre) return 0;
  if (pa.pre === '') return 1;
  if (pb.pre === '') return -1;
  return pa.pre < pb.pre ? -1 : 1;
}

export function isVersion(value: string): boolean {
  return SEMVER.test(value);
}

function parse(version: string): { core: number[]; pre: string } {
  const [core, ...pre] = version.split('-');
  return { core: core!.split('.').map(Number), pre: pre.join('-') };
}
