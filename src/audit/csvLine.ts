/**
 * The fields of one CSV line (RFC 4180: fields in double quotes may hold commas and doubled
 * quotes). Lines without a quote take the fast path, a plain split.
 *
 * @example csvFields('2026-11-20T03:12:09Z,"a, b",10.0.0.1') // ["2026-11-20T03:12:09Z", "a, b", "10.0.0.1"]
 */
export function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let index = 0; index < line.length; index += 1) {
    const char = line[index] as string;
    if (quoted) {
      if (char !== '"') field += char;
      else if (line[index + 1] === '"') {
        field += '"';
        index += 1;
      } else quoted = false;
    } else if (char === '"') quoted = true;
    else if (char === ",") {
      fields.push(field);
      field = "";
    } else field += char;
  }
  fields.push(field);
  return fields;
}
