/**
 * The form in which actor names and aliases are compared: case, typographic apostrophes and
 * runs of spaces do not matter ("Ukraine’s Air Force" = "ukraine's  air force").
 */
export function actorKey(name: string): string {
  return name
    .normalize("NFKC")
    .replace(/[‘’ʼ`]/g, "'")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}
