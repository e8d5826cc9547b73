/**
 * Writes plain JSON data (objects, arrays, strings, numbers, booleans, null) as block-style YAML
 * for `kubectl apply`. Strings that YAML could read as something else are double-quoted in JSON
 * syntax, which YAML 1.2 reads back unchanged.
 *
 * @example
 *   toYaml({ kind: "IPPool", spec: { allocations: {} } })
 *   // "kind: IPPool\nspec:\n  allocations: {}\n"
 */
export function toYaml(value: unknown, header = ""): string {
  return `${header}${block(value, 0).join("\n")}\n`;
}

const PLAIN = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const AMBIGUOUS = /^(true|false|yes|no|on|off|y|n|null|~)$/i;

function scalar(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return PLAIN.test(value) && !AMBIGUOUS.test(value) ? value : JSON.stringify(value);
  throw new Error(`toYaml cannot write a ${typeof value}`);
}

function isCollection(value: unknown): value is object {
  return typeof value === "object" && value !== null;
}

function isEmpty(value: object): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
}

/** The lines of `value` at `indent` spaces; a scalar or empty collection is one inline line. */
function block(value: unknown, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (!isCollection(value)) return [pad + scalar(value)];
  if (isEmpty(value)) return [pad + (Array.isArray(value) ? "[]" : "{}")];
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!isCollection(item) || isEmpty(item)) return [`${pad}- ${inline(item)}`];
      const [first, ...rest] = block(item, indent + 2);
      return [`${pad}- ${(first as string).slice(indent + 2)}`, ...rest];
    });
  }
  return Object.entries(value).flatMap(([key, item]) => {
    if (!isCollection(item) || isEmpty(item)) return [`${pad}${scalar(key)}: ${inline(item)}`];
    // Sequences under a key sit at the key's own indentation, as kubectl and most tools write them.
    return [`${pad}${scalar(key)}:`, ...block(item, Array.isArray(item) ? indent : indent + 2)];
  });
}

function inline(value: unknown): string {
  if (isCollection(value)) return Array.isArray(value) ? "[]" : "{}";
  return scalar(value);
}
