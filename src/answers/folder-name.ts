/**
 * A folder's name as a service name (kebab-case, at most 44 characters, starting with a letter):
 * "My Service" gives my-service, "Café_API 2" cafe-api-2, "PaymentsAPI" payments-api (words split
 * where the case changes, as the kebabCase helper does). Empty when nothing usable is left.
 */
export function nameFromFolder(folder: string): string {
  const words = folder
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^[^a-z]+/, '');
  return words.slice(0, 44).replace(/-+$/, '');
}
