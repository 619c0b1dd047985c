/** "1 file", "2 files", "1 repository", "3 repositories": a number with its noun in the right form. */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
