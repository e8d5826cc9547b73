import type { Holder } from "../../projections/sqlite/queries.js";
import { csvField } from "./exportFormats.js";

/** The column names `attribute --header` appends to a CSV header. */
export const CSV_HEADER_SUFFIX = ",holder,pod_uid,node,pool";

/** Rendered answers remembered by key (about 100 bytes each): as many as the resolver caches addresses. */
const MEMO_ENTRIES = 200_000;

/** What `attribute` appends for one line: the holders found (with the resolver's key), or why the line is invalid. */
export type LineAnswer = { readonly holders: readonly Holder[]; readonly key?: string } | { readonly invalid: string };

function holderFields(holders: readonly Holder[]): string[] {
  const join = (pick: (holder: Holder) => string) => holders.map(pick).join("|");
  return [
    join((h) => (h.podName ? `${h.podNamespace}/${h.podName}` : `container:${h.containerId}`)),
    join((h) => h.podUid),
    join((h) => h.node),
    join((h) => h.pool),
  ];
}

function ndjsonHolder(h: Holder): Record<string, unknown> {
  return {
    pod: h.podName ? `${h.podNamespace}/${h.podName}` : null,
    podUid: h.podUid,
    node: h.node,
    pool: h.pool,
    domain: h.domain,
    containerId: h.containerId,
    ifName: h.ifName,
    ip: h.ip,
    from: h.from,
    to: h.to,
  };
}

/**
 * Writes one attributed line: the line as it came, then, for CSV, `,holder,pod_uid,node,pool`
 * (`,unallocated,,,` or `,invalid,,,`); for NDJSON an `"ipledger"` member added to the object.
 * What an answer renders to is remembered by its key, since a log repeats the same holders.
 *
 * @example answerRenderer("csv")("2026-11-20T03:12:09Z,10.0.0.1", { holders }, "\n")
 */
export function answerRenderer(format: "csv" | "ndjson") {
  const memo = new Map<string, string>();
  const suffixOf = (holders: readonly Holder[]): string => {
    if (format === "csv")
      return holders.length === 0 ? ",unallocated,,," : `,${holderFields(holders).map(csvField).join(",")}`;
    return `"ipledger":${JSON.stringify({ status: holders.length > 0 ? "allocated" : "unallocated", holders: holders.map(ndjsonHolder) })}`;
  };
  const remembered = (answer: { readonly holders: readonly Holder[]; readonly key?: string }): string => {
    if (answer.key === undefined) return suffixOf(answer.holders);
    let suffix = memo.get(answer.key);
    if (suffix === undefined) {
      if (memo.size >= MEMO_ENTRIES) memo.delete(memo.keys().next().value as string);
      memo.set(answer.key, (suffix = suffixOf(answer.holders)));
    }
    return suffix;
  };
  return (line: string, answer: LineAnswer, eol: string): string => {
    if (format === "csv") return `${line}${"invalid" in answer ? ",invalid,,," : remembered(answer)}${eol}`;
    const member =
      "invalid" in answer
        ? `"ipledger":${JSON.stringify({ status: "invalid", error: answer.invalid })}`
        : remembered(answer);
    const body = line.trimEnd();
    if (!body.endsWith("}")) return `${line}${eol}`; // not a JSON object: written back as it came (counted invalid)
    return `${body.slice(0, -1)}${/^\{\s*\}$/.test(body) ? "" : ","}${member}}${eol}`;
  };
}
