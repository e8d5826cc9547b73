import { inlineValue, readValue, YamlSubsetError } from "./yamlScalars.js";

export { YamlSubsetError } from "./yamlScalars.js";

/**
 * A parser for the YAML subset the manifests in `deploy/` are written in, because the project has
 * no YAML library (client-node's `loadAllYaml` maps known kinds onto typed models and silently
 * drops unknown fields, which would hide the typos strict validation must catch). The subset:
 * documents split by `---`; block mappings and sequences indented with spaces; plain, quoted and
 * block (`|`, `|-`, `>`, `>-`) scalars; one-line flow collections; comments. Anything else
 * (anchors, tags, multi-line plain or quoted scalars, tabs, duplicate keys) is an error naming
 * the line, never a guess.
 *
 * @example parseYamlDocuments("a: 1\n---\nb: [x, y]\n") // [{ value: { a: 1 }, … }, { value: { b: ["x", "y"] }, … }]
 */
export interface YamlDocument {
  readonly value: unknown;
  /** 1-based line of the document's first line in the text. */
  readonly line: number;
  /** Full-line comments of the document (outside block scalars), without `#` and trimmed. */
  readonly comments: readonly string[];
}

const SEPARATOR = /^---\s*(#.*)?$/;
const KEY = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"{[\]}&*!|>%@`-][^:#]*?|-[^\s:#][^:#]*?)\s*:(?:\s+|$)/;

class Parser {
  private index = 0;
  private readonly scalarLines = new Set<number>();

  constructor(
    private readonly lines: string[],
    private readonly offset: number,
  ) {
    lines.forEach((text, at) => {
      if (/^\s*\t/.test(text)) throw new YamlSubsetError("tabs are not allowed in indentation", offset + at);
    });
  }

  document(): YamlDocument | undefined {
    if (this.peek() === undefined) return undefined;
    const value = this.node(0);
    if (this.peek() !== undefined) throw this.error("unexpected text after the document's root (wrong indentation?)");
    const comments = this.lines.flatMap((text, at) =>
      !this.scalarLines.has(at) && /^\s*#/.test(text) ? [text.trim().slice(1).trim()] : [],
    );
    return { value, line: this.offset, comments };
  }

  /** The next significant line (not blank, not a comment) and its indentation. */
  private peek(): { indent: number; text: string } | undefined {
    while (this.index < this.lines.length && /^\s*(#.*)?$/.test(this.lines[this.index] as string)) this.index++;
    const text = this.lines[this.index];
    if (text === undefined) return undefined;
    const indent = text.length - text.trimStart().length;
    return { indent, text: text.slice(indent) };
  }

  private error(message: string): YamlSubsetError {
    return new YamlSubsetError(message, this.offset + this.index);
  }

  private node(indent: number): unknown {
    const next = this.peek();
    if (next === undefined || next.indent < indent) return null;
    if (next.text === "-" || next.text.startsWith("- ")) return this.sequence(next.indent);
    if (KEY.test(next.text)) return this.mapping(next.indent);
    this.index++;
    return this.valueAfter(next.text, next.indent - 1);
  }

  private sequence(indent: number): unknown[] {
    const items: unknown[] = [];
    for (
      let next = this.peek();
      next && next.indent === indent && (next.text === "-" || next.text.startsWith("- "));
      next = this.peek()
    ) {
      const rest = next.text.slice(1).trimStart();
      if (rest === "" || rest.startsWith("#")) {
        this.index++;
        items.push(this.child(indent, true));
      } else {
        // `- key: v` or `- - x`: the item's content starts on this line, as if indented further.
        const inner = next.text.length - rest.length;
        this.lines[this.index] = " ".repeat(indent + inner) + rest;
        items.push(this.node(indent + inner));
      }
    }
    return items;
  }

  private mapping(indent: number): Record<string, unknown> {
    const map: Record<string, unknown> = {};
    for (
      let next = this.peek();
      next && next.indent === indent && !next.text.startsWith("- ") && next.text !== "-";
      next = this.peek()
    ) {
      const match = KEY.exec(next.text);
      if (!match) throw this.error(`expected "key: value" at indentation ${indent}`);
      const key = readValue(match[1] as string, 0, this.offset + this.index, false, true).value;
      if (typeof key !== "string") throw this.error(`keys must be strings, not ${JSON.stringify(key)}`);
      if (Object.prototype.hasOwnProperty.call(map, key)) throw this.error(`duplicate key ${key}`);
      const rest = next.text.slice(match[0].length);
      this.index++;
      map[key] = rest === "" || rest.startsWith("#") ? this.child(indent, false) : this.valueAfter(rest, indent);
    }
    const stray = this.peek();
    if (stray && stray.indent > indent)
      throw this.error(`unexpected indentation ${stray.indent} inside a mapping at ${indent}`);
    return map;
  }

  /** The value of a key (or item) whose line holds nothing else: a deeper node, a same-indent sequence, or null. */
  private child(indent: number, inSequence: boolean): unknown {
    const next = this.peek();
    if (next === undefined) return null;
    if (next.indent > indent) return this.node(next.indent);
    if (!inSequence && next.indent === indent && (next.text === "-" || next.text.startsWith("- ")))
      return this.sequence(indent);
    return null;
  }

  /** A value on the key's (or item's) own line: a block scalar header, or an inline value. */
  private valueAfter(text: string, parentIndent: number): unknown {
    const header = /^([|>])([-+]?)\s*(#.*)?$/.exec(text);
    if (header) return this.blockScalar(header[1] as "|" | ">", header[2] as "" | "-" | "+", parentIndent);
    if (/^[|>]/.test(text))
      throw this.error(`block scalar header ${text} is outside the subset (no indentation indicators)`);
    const value = inlineValue(text, this.offset + this.index - 1);
    const next = this.peek();
    if (next && next.indent > parentIndent + 1 && !(next.text.startsWith("- ") || KEY.test(next.text))) {
      throw this.error("multi-line plain scalars are outside the subset; use a block scalar (|)");
    }
    return value;
  }

  private blockScalar(style: "|" | ">", chomp: "" | "-" | "+", parentIndent: number): string {
    const body: string[] = [];
    let indent: number | undefined;
    while (this.index < this.lines.length) {
      const text = this.lines[this.index] as string;
      const own = text.length - text.trimStart().length;
      if (text.trim() !== "") {
        if (own <= parentIndent) break;
        indent ??= own;
        if (own < indent) throw this.error("a block scalar line is less indented than its first line");
      }
      this.scalarLines.add(this.index);
      body.push(text.trim() === "" ? "" : text.slice(indent));
      this.index++;
    }
    let trailing = 0;
    while (body.length > 0 && body[body.length - 1] === "") {
      body.pop();
      trailing++;
    }
    const content = style === "|" ? body.join("\n") : fold(body, this.offset + this.index);
    if (content === "") return "";
    return content + (chomp === "-" ? "" : chomp === "+" ? "\n".repeat(trailing + 1) : "\n");
  }
}

/** Folded style: lines join with a space, an empty line is a newline; indented lines are outside the subset. */
function fold(body: string[], line: number): string {
  if (body.some((text) => text.startsWith(" ")))
    throw new YamlSubsetError("more-indented lines in a folded (>) scalar are outside the subset; use |", line);
  return body.reduce(
    (folded, text, at) =>
      at === 0 ? text : text === "" ? `${folded}\n` : folded.endsWith("\n") ? folded + text : `${folded} ${text}`,
    "",
  );
}

/** Parses every document of `text`; empty documents (only comments or blank lines) are left out. */
export function parseYamlDocuments(text: string): YamlDocument[] {
  const documents: YamlDocument[] = [];
  let start = 0;
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  if (lines[lines.length - 1] === "") lines.pop(); // the newline ending the last line starts no line
  const flush = (end: number): void => {
    const document = new Parser(lines.slice(start, end), start + 1).document();
    if (document) documents.push(document);
  };
  lines.forEach((line, at) => {
    if (SEPARATOR.test(line)) {
      flush(at);
      start = at + 1;
    } else if (/^\.\.\.\s*$/.test(line) || /^%/.test(line)) {
      throw new YamlSubsetError("document end markers and directives are outside the subset", at + 1);
    }
  });
  flush(lines.length);
  return documents;
}
