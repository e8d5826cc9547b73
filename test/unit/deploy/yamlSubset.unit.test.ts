import { describe, expect, it } from "vitest";
import { parseYamlDocuments, YamlSubsetError } from "../../support/deploy/yamlSubset.js";

const value = (text: string): unknown => parseYamlDocuments(text)[0]?.value;

describe("parseYamlDocuments", () => {
  it.each([
    { yaml: "a: 1\nb: true\nc: null\nd: ~\ne:\n", json: { a: 1, b: true, c: null, d: null, e: null } },
    {
      yaml: "num: -2.5\ns: x-y/z\nport: $(POD_IP):9740\nimg: busybox:1.36",
      json: { num: -2.5, s: "x-y/z", port: "$(POD_IP):9740", img: "busybox:1.36" },
    },
    {
      yaml: "q: \"a: b # c\"\nsq: 'it''s'\nkey with space: v",
      json: { q: "a: b # c", sq: "it's", "key with space": "v" },
    },
    { yaml: "list:\n  - a\n  - b: 1\n    c: 2\n  -\n    d: 3", json: { list: ["a", { b: 1, c: 2 }, { d: 3 }] } },
    { yaml: "compact:\n- a\n- - b\n  - c\nnext: 1", json: { compact: ["a", ["b", "c"]], next: 1 } },
    {
      yaml: 'flow: [get, "", {a: [1, x]}]\nempty: {}\nnone: []',
      json: { flow: ["get", "", { a: [1, "x"] }], empty: {}, none: [] },
    },
    { yaml: "a: 256 # 0400\n# a comment\nb: c # trailing", json: { a: 256, b: "c" } },
    {
      yaml: "text: |\n  line 1\n\n    indented\n  # not a comment\nafter: 1",
      json: { text: "line 1\n\n  indented\n# not a comment\n", after: 1 },
    },
    { yaml: "strip: |-\n  x\n\nkeep: |+\n  y\n\n", json: { strip: "x", keep: "y\n\n" } },
    { yaml: "folded: >-\n  one\n  two\n\n  three\n", json: { folded: "one two\nthree" } },
    { yaml: "- |\n  block in a list\n- k: v", json: ["block in a list\n", { k: "v" }] },
  ])("reads $yaml", ({ yaml, json }) => {
    expect(value(yaml)).toEqual(json);
  });

  it("splits documents, skips empty ones, and keeps each one's full-line comments and first line", () => {
    const documents = parseYamlDocuments("# header only\n---\n# pool: x\na: 1 # not kept\n---\nb: |\n  # in a block\n");
    expect(documents.map(({ value, line, comments }) => ({ value, line, comments }))).toEqual([
      { value: { a: 1 }, line: 3, comments: ["pool: x"] },
      { value: { b: "# in a block\n" }, line: 6, comments: [] },
    ]);
  });

  it.each([
    { yaml: "a: yes", problem: "YAML 1.1 and 1.2" },
    { yaml: "a: True", problem: "YAML 1.1 and 1.2" },
    { yaml: "on: push", problem: "YAML 1.1 and 1.2" },
    { yaml: "mode: 0755", problem: "octal" },
    { yaml: "at: 2026-01-01", problem: "timestamp" },
    { yaml: "a: &anchor 1", problem: "anchors" },
    { yaml: "a: 1\na: 2", problem: "duplicate key a" },
    { yaml: "a: b: c", problem: 'may not contain ": "' },
    { yaml: "a: one\n  two", problem: "multi-line plain" },
    { yaml: "a: 'open\n  close'", problem: "unterminated" },
    { yaml: "a: [1, 2", problem: "unterminated flow" },
    { yaml: "a:\n\t- b", problem: "tabs" },
    { yaml: "a: |2\n  x", problem: "indentation indicators" },
    { yaml: "a:\n  b: 1\n   c: 2", problem: "unexpected indentation" },
    { yaml: "a: 1\n...\n", problem: "document end markers" },
  ])("refuses $yaml ($problem), naming the line", ({ yaml, problem }) => {
    expect(() => parseYamlDocuments(yaml)).toThrow(YamlSubsetError);
    expect(() => parseYamlDocuments(yaml)).toThrow(problem);
    expect(() => parseYamlDocuments(yaml)).toThrow(/^line \d+: /);
  });
});
