/**
 * A folder's name as a service name (kebab-case, at most 44 characters, starting with a letter):
 * "My Service" gives my-service, "Café_API 2" cafe-api-2. Empty when nothing usable is left.
 */
export function nameFromFolder(folder: string): string {
  const words = folder
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '');
  return words.slice(0, 44).replace(/-+$/, '');
}
