import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { LedgerError } from "../../ledger/core/index.js";
import { fileExists } from "../../ledger/log/fileAccess.js";
import { createQueries, type AllocationRow, type Holder } from "../../projections/sqlite/queries.js";
import { PROJECTION_FILE } from "../dataFiles.js";
import { askAgent } from "../http/agentClient.js";

export interface QueryTarget {
  readonly socket?: string;
  readonly dataDir: string;
}

type Pools = ReturnType<ReturnType<typeof createQueries>["pools"]>;

/** Answers queries from a running agent (`--socket`) or straight from the data directory. */
export interface QuerySource {
  who(ip: string, atMs: number): Promise<{ holder: Holder | null; basis: Record<string, number> }>;
  history(filter: { ip?: string; pod?: string; sinceMs?: number; untilMs?: number }): Promise<Holder[]>;
  pools(): Promise<Pools>;
  allocations(): Promise<AllocationRow[]>;
  close(): void;
}

export function openQuerySource(target: QueryTarget): QuerySource {
  if (target.socket) return agentSource(target.socket);
  const path = join(resolve(target.dataDir), PROJECTION_FILE);
  // An unreadable file or folder is named as such (FORBIDDEN), never reported as missing.
  if (!fileExists(path)) {
    throw new LedgerError(
      "NOT_FOUND",
      `no projection at ${path}; start the agent with --data-dir ${target.dataDir} first, or pass --socket to ask a running agent`,
    );
  }
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const queries = createQueries(db);
  const podOf = (text: string): { namespace: string; name: string } => {
    const [namespace = "", name = ""] = text.split("/");
    if (!namespace || !name)
      throw new LedgerError("INVALID_REQUEST", `--pod ${text} must be NAMESPACE/NAME`, { key: "--pod" });
    return { namespace, name };
  };
  return {
    who: async (ip, atMs) => ({ holder: queries.who(ip, atMs), basis: queries.basis() }),
    history: async ({ pod, ...rest }) => queries.history({ ...rest, ...(pod ? { pod: podOf(pod) } : {}) }),
    pools: async () => queries.pools(),
    allocations: async () => queries.allocations(),
    close: () => db.close(),
  };
}

function agentSource(socket: string): QuerySource {
  return {
    who: async (ip, atMs) => askAgent(socket, `/v1/who?ip=${encodeURIComponent(ip)}&at=${atMs}`),
    history: async ({ ip, pod, sinceMs, untilMs }) => {
      const query = new URLSearchParams();
      if (ip) query.set("ip", ip);
      if (pod) query.set("pod", pod);
      if (sinceMs !== undefined) query.set("since", String(sinceMs));
      if (untilMs !== undefined) query.set("until", String(untilMs));
      return (await askAgent<{ holders: Holder[] }>(socket, `/v1/history?${query}`)).holders;
    },
    pools: async () => (await askAgent<{ pools: Pools }>(socket, "/v1/pools")).pools,
    allocations: async () => (await askAgent<{ allocations: AllocationRow[] }>(socket, "/v1/allocations")).allocations,
    close: () => undefined,
  };
}
