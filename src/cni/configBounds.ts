import { LedgerError } from "../../ledger/core/index.js";

/**
 * Limits on the shape of a whole network configuration. A real CNI config is a few KiB and a
 * handful of levels deep (prevResult and runtimeConfig included); these leave wide room for that
 * and refuse what could only be a mistake or an attack, before any key is interpreted.
 */
export const CONFIG_BOUNDS = {
  /** Nesting of objects and arrays, counting the config itself as level 1. */
  maxDepth: 32,
  /** Objects, arrays and scalars in the whole document. */
  maxNodes: 20_000,
  /** Entries of one array or keys of one object. */
  maxEntries: 4_096,
  /** Characters of one string or one key. */
  maxString: 16_384,
} as const;

interface Pending {
  readonly value: unknown;
  readonly step: string;
  readonly parent: Pending | undefined;
  readonly depth: number;
}

/** The key path of a node, built only when it is reported (keys cut to 64 characters). */
function pathOf(node: Pending): string {
  const steps: string[] = [];
  for (let at: Pending | undefined = node; at; at = at.parent)
    steps.push(at.step.length > 64 ? `${at.step.slice(0, 64)}…` : at.step);
  return steps.reverse().join("");
}

function refuse(node: Pending, problem: string): LedgerError {
  const path = pathOf(node);
  const key = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return new LedgerError(
    "INVALID_CONFIG",
    `${key} ${problem}; a CNI configuration is a few levels deep and a few KiB, so remove or shorten it`,
    { key },
  );
}

/**
 * Walks `value` (iteratively: a 100 000-level document must not overflow the stack) and throws
 * `INVALID_CONFIG` naming the first place that breaks a bound of `CONFIG_BOUNDS`.
 *
 * @example checkConfigBounds(body.config, "config");
 */
export function checkConfigBounds(value: unknown, root: string): void {
  const top: Pending = { value, step: root, parent: undefined, depth: 1 };
  const stack: Pending[] = [top];
  let nodes = 0;
  while (stack.length > 0) {
    const node = stack.pop() as Pending;
    nodes += 1;
    if (nodes > CONFIG_BOUNDS.maxNodes) throw refuse(top, `holds more than ${CONFIG_BOUNDS.maxNodes} values`);
    const current = node.value;
    if (typeof current === "string") {
      if (current.length > CONFIG_BOUNDS.maxString)
        throw refuse(node, `is longer than ${CONFIG_BOUNDS.maxString} characters`);
      continue;
    }
    if (typeof current !== "object" || current === null) continue;
    if (node.depth > CONFIG_BOUNDS.maxDepth) throw refuse(node, `nests deeper than ${CONFIG_BOUNDS.maxDepth} levels`);
    const keys = Array.isArray(current) ? undefined : Object.keys(current);
    const count = keys ? keys.length : (current as unknown[]).length;
    if (count > CONFIG_BOUNDS.maxEntries) throw refuse(node, `has more than ${CONFIG_BOUNDS.maxEntries} entries`);
    for (let index = 0; index < count; index += 1) {
      const key = keys?.[index];
      if (key !== undefined && key.length > CONFIG_BOUNDS.maxString)
        throw refuse(node, `has a key longer than ${CONFIG_BOUNDS.maxString} characters`);
      const item = key === undefined ? (current as unknown[])[index] : (current as Record<string, unknown>)[key];
      stack.push({
        value: item,
        step: key === undefined ? `[${index}]` : `.${key}`,
        parent: node,
        depth: node.depth + 1,
      });
    }
  }
}
