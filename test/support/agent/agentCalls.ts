import { request } from "node:http";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { expect } from "vitest";
import type { CniRequestBody } from "../../../src/cni/cniRequest.js";
import type { EventLog } from "../../../ledger/log/eventLog.js";
import { checkInvariants } from "../../../projections/invariants.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { openSqliteProjection, type SqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { LOG_FILE, PROJECTION_FILE } from "../../../src/agent.js";
import { verifyLedger } from "../../../projections/verifyLedger.js";

export type CniVerb = "add" | "del" | "check" | "gc" | "status";

/** A reply with its JSON body parsed. */
export interface JsonReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** An ADD result's `ips` entries. */
export interface ResultIp {
  readonly address: string;
  readonly gateway?: string;
  readonly version?: string;
}

/** A CNI error body, as the plugin prints it. */
export interface CniErrorBody {
  readonly cniVersion: string;
  readonly code: number;
  readonly msg: string;
  readonly details: string;
}

/** `POST /v1/cni/{verb}` through `inject()`. */
export async function cni(app: FastifyInstance, verb: CniVerb | string, body: CniRequestBody): Promise<JsonReply> {
  const reply = await app.inject({ method: "POST", url: `/v1/cni/${verb}`, payload: body });
  return { status: reply.statusCode, body: reply.json() as Record<string, unknown> };
}

/** An ADD that must succeed: the result's addresses ("10.0.0.1/24", …). */
export async function addOk(app: FastifyInstance, body: CniRequestBody): Promise<string[]> {
  const reply = await cni(app, "add", body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body.ips as ResultIp[]).map((ip) => ip.address);
}

/** A CNI call that must fail: its status and error body. */
export async function cniError(
  app: FastifyInstance,
  verb: CniVerb,
  body: CniRequestBody,
): Promise<{ status: number; error: CniErrorBody }> {
  const reply = await cni(app, verb, body);
  expect(reply.status, JSON.stringify(reply.body)).toBeGreaterThanOrEqual(400);
  return { status: reply.status, error: reply.body as unknown as CniErrorBody };
}

/** `GET url` through `inject()`, JSON body. */
export async function getJson(app: FastifyInstance, url: string): Promise<JsonReply> {
  const reply = await app.inject({ method: "GET", url });
  return { status: reply.statusCode, body: reply.json() as Record<string, unknown> };
}

/**
 * The projection has no address with two owners, its allocations are its open tenancies, the
 * hash chains hold, and the projection equals a fresh replay of the log.
 */
export async function expectLedgerSound(log: EventLog, projection: SqliteProjection): Promise<void> {
  expect(checkInvariants(projection.db)).toEqual([]);
  const report = await verifyLedger(log, projection);
  expect(report.problem).toBeUndefined();
  expect(report.ok).toBe(true);
}

/** One HTTP request over a unix socket or TCP with `node:http`; the body is sent as JSON. */
export function httpJson(
  target: { socketPath: string } | { url: string },
  method: string,
  path: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<JsonReply> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers = {
    ...(payload === undefined
      ? {}
      : { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) }),
    ...options.headers,
  };
  const where =
    "socketPath" in target
      ? { socketPath: target.socketPath }
      : (() => {
          const url = new URL(target.url);
          return { host: url.hostname, port: Number(url.port) };
        })();
  return new Promise((resolve, reject) => {
    // agent: false: no pooled keep-alive socket may outlive a restarted server.
    const outgoing = request({ ...where, method, path, headers, agent: false }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
      incoming.on("error", reject);
      incoming.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({
            status: incoming.statusCode ?? 0,
            body: (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>,
          });
        } catch (error) {
          reject(new Error(`${method} ${path}: the reply is not JSON: ${text.slice(0, 200)}`, { cause: error }));
        }
      });
    });
    outgoing.on("error", reject);
    outgoing.end(payload);
  });
}

/** `expectLedgerSound` on the files of a stopped agent's data directory. */
export async function expectDataDirSound(dataDir: string): Promise<void> {
  const log = openSqliteEventLog({ path: join(dataDir, LOG_FILE) });
  const projection = openSqliteProjection(join(dataDir, PROJECTION_FILE));
  try {
    await expectLedgerSound(log, projection);
  } finally {
    projection.close();
    await log.close();
  }
}
