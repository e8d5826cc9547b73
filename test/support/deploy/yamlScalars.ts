/**
 * Scalars and one-line flow collections of the YAML subset `deploy/` is written in (see
 * `yamlSubset.ts`). Where YAML 1.1 (sigs.k8s.io/yaml, used by kubectl and the apiserver) and
 * YAML 1.2 (js-yaml) read a plain scalar differently, it is refused instead of guessed: `yes`,
 * `on`, `0755`, `2026-01-01`. Quote such values.
 */

/** A YAML construct outside the subset, or malformed YAML; `line` is 1-based. */
export class YamlSubsetError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "YamlSubsetError";
  }
}

const AMBIGUOUS = /^(y|n|yes|no|on|off|true|false|null)$/i;

/** Resolves a plain (unquoted) scalar: null, booleans, decimal numbers, else a string. */
export function plainScalar(text: string, line: number): unknown {
  if (text === "" || text === "~" || text === "null") return null;
  if (text === "true") return true;
  if (text === "false") return false;
  if (AMBIGUOUS.test(text)) throw new YamlSubsetError(`${text} reads differently in YAML 1.1 and 1.2; quote it`, line);
  if (/^[-+]?(0|[1-9][0-9]*)$/.test(text)) return Number(text);
  if (/^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^[-+]?0[0-9]+$|^0[xXoObB]|^[-+]?\.(inf|nan)$/i.test(text))
    throw new YamlSubsetError(
      `${text}: octal, hex and special numbers are outside the subset; write a decimal or quote it`,
      line,
    );
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) throw new YamlSubsetError(`${text} may be read as a timestamp; quote it`, line);
  if (/^[&*!%@`|>]/.test(text))
    throw new YamlSubsetError(
      `${text}: anchors, aliases, tags, directives and block indicators are outside the subset`,
      line,
    );
  if (/:\s/.test(text) || text.endsWith(":"))
    throw new YamlSubsetError(`${text}: a plain scalar may not contain ": "; quote it`, line);
  return text;
}

/** The end (exclusive) of a quoted scalar starting at `start`, or an error when it is not closed on this line. */
function quotedEnd(text: string, start: number, line: number): number {
  const quote = text[start];
  for (let index = start + 1; index < text.length; index++) {
    if (quote === '"' && text[index] === "\\") index++;
    else if (text[index] === quote) {
      if (quote === "'" && text[index + 1] === "'") index++;
      else return index + 1;
    }
  }
  throw new YamlSubsetError(
    `unterminated ${quote} string (multi-line quoted scalars are outside the subset; use a block scalar)`,
    line,
  );
}

function unquote(token: string, line: number): string {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
  try {
    return JSON.parse(token) as string;
  } catch {
    throw new YamlSubsetError(`${token}: only JSON escapes are supported in double-quoted strings`, line);
  }
}

/**
 * Reads one value (quoted, flow collection or plain) from `text` at `start`. In flow context a
 * plain scalar ends at `,`, `]`, `}` (and `:` for keys). Returns the value and where it ended.
 */
export function readValue(
  text: string,
  start: number,
  line: number,
  flow: boolean,
  key = false,
): { value: unknown; end: number } {
  const first = text[start];
  if (first === '"' || first === "'") {
    const end = quotedEnd(text, start, line);
    return { value: unquote(text.slice(start, end), line), end };
  }
  if (first === "[" || first === "{") return readFlow(text, start, line);
  const stops = flow ? (key ? /[,\]}]|:(\s|$)/ : /[,\]}]/) : key ? /:(\s|$)/ : /\s#/;
  const rest = text.slice(start);
  const match = stops.exec(rest);
  const end = start + (match ? match.index : rest.length);
  return { value: plainScalar(text.slice(start, end).trim(), line), end };
}

function skipSpaces(text: string, index: number): number {
  while (text[index] === " ") index++;
  return index;
}

/** `[a, b]` or `{k: v, …}` on one line, nested freely. */
export function readFlow(text: string, start: number, line: number): { value: unknown; end: number } {
  const close = text[start] === "[" ? "]" : "}";
  const list: unknown[] = [];
  const map: Record<string, unknown> = {};
  let index = skipSpaces(text, start + 1);
  while (text[index] !== close) {
    if (index >= text.length)
      throw new YamlSubsetError(`unterminated flow collection (it must close on its own line)`, line);
    if (close === "]") {
      const item = readValue(text, index, line, true);
      list.push(item.value);
      index = skipSpaces(text, item.end);
    } else {
      const key = readValue(text, index, line, true, true);
      if (typeof key.value !== "string") throw new YamlSubsetError(`flow mapping keys must be strings`, line);
      index = skipSpaces(text, key.end);
      if (text[index] !== ":") throw new YamlSubsetError(`expected ":" after ${key.value}`, line);
      const item = readValue(text, skipSpaces(text, index + 1), line, true);
      if (key.value in map) throw new YamlSubsetError(`duplicate key ${key.value}`, line);
      map[key.value] = item.value;
      index = skipSpaces(text, item.end);
    }
    if (text[index] === ",") index = skipSpaces(text, index + 1);
    else if (index >= text.length)
      throw new YamlSubsetError(`unterminated flow collection (it must close on its own line)`, line);
    else if (text[index] !== close) throw new YamlSubsetError(`expected "," or "${close}" in flow collection`, line);
  }
  return { value: close === "]" ? list : map, end: index + 1 };
}

/** The value after `key:` or `- ` on one line: a scalar or flow collection, then only a comment. */
export function inlineValue(text: string, line: number): unknown {
  const { value, end } = readValue(text, 0, line, false);
  const tail = text.slice(end).trim();
  if (tail !== "" && !tail.startsWith("#")) throw new YamlSubsetError(`unexpected text after the value: ${tail}`, line);
  return value;
}
