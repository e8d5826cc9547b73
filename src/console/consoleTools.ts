import { PassThrough, type Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { LedgerError } from "../../ledger/core/index.js";
import type { EventView } from "../../projections/sqlite/queries.js";
import type { VerifyReport } from "../../projections/verifyLedger.js";
import { attributeStream, type AttributeOptions } from "../audit/attributeStream.js";
import { basisLine, HISTORY_COLUMNS, holdersTable, WHO_COLUMNS } from "../audit/auditRender.js";
import { filterOf } from "../audit/auditParams.js";
import { parseInstant } from "../time.js";
import type { ConsoleData } from "./consoleData.js";

type Query = Record<string, string | undefined>;

/** Uploads the attribute route reads as a raw stream (never buffered whole). */
export const UPLOAD_TYPES = ["text/csv", "text/plain", "application/x-ndjson", "application/octet-stream"];
const PREVIEW_LINES = 20;

function attributeOptionsOf(query: Query): AttributeOptions {
  const format = query.format === "ndjson" ? "ndjson" : "csv";
  if (!query.ipColumn || !query.timeColumn)
    throw new LedgerError("INVALID_REQUEST", "choose the address column and the time column", { key: "ipColumn" });
  return {
    format,
    ipColumn: query.ipColumn,
    timeColumn: query.timeColumn,
    header: query.header === "1",
    ...(query.assumeZone ? { assumeZone: query.assumeZone } : {}),
  };
}

/** The first `lines` lines of a stream, then stops reading it. */
async function firstLines(input: Readable, lines: number): Promise<string> {
  let text = "";
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    text += typeof chunk === "string" ? chunk : chunk.toString("utf8");
    if (text.split("\n").length > lines) break;
  }
  const kept = text.split("\n").slice(0, lines);
  return kept.join("\n") + (kept.length === lines ? "\n" : "");
}

/**
 * The tool routes: attribution of an uploaded log (a preview of its first lines, or the whole
 * file streamed back as it is read), the same answers as CLI text, and integrity (the last signed
 * checkpoint, and a verify run whose progress is polled). None writes to the ledger.
 */
export function registerConsoleTools(app: FastifyInstance, data: ConsoleData): void {
  app.addContentTypeParser(UPLOAD_TYPES, (_request, payload, done) => done(null, payload));

  app.post("/api/attribute", async (request, reply) => {
    const query = request.query as Query;
    const options = attributeOptionsOf(query);
    const input = request.body as Readable;
    if (!input || typeof (input as Readable).pipe !== "function")
      throw new LedgerError("INVALID_REQUEST", `upload the file as one of ${UPLOAD_TYPES.join(", ")}`);
    if (query.preview === "1") {
      const head = await firstLines(input, PREVIEW_LINES + (options.header ? 1 : 0));
      let text = "";
      const sink = new PassThrough();
      sink.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
      const stats = await attributeStream(
        PassThrough.from([head]) as unknown as Readable,
        sink,
        data.attribute,
        options,
      );
      sink.end();
      return { text, stats };
    }
    const output = new PassThrough();
    attributeStream(input, output, data.attribute, options).then(
      () => output.end(),
      (error: Error) => output.destroy(error),
    );
    const name = `attributed.${options.format === "csv" ? "csv" : "ndjson"}`;
    return reply
      .header("content-type", options.format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson")
      .header("content-disposition", `attachment; filename="${name}"`)
      .send(output);
  });

  app.get("/api/cli", async (request, reply) => {
    const query = request.query as Query;
    const basis = await data.basis();
    reply.header("content-type", "text/plain; charset=utf-8");
    if (query.command === "who") {
      const ip = query.ip ?? "";
      const atMs = query.at ? parseInstant(query.at, "at") : Date.now();
      const holders = await data.who(ip, atMs);
      if (holders.length === 0)
        return `${ip} was not allocated at ${new Date(atMs).toISOString()}\n${basisLine(basis)}\n`;
      return `${holdersTable(holders, WHO_COLUMNS)}\n${basisLine(basis)}\n`;
    }
    if (query.command === "history") {
      const { holders } = await data.tenancies(
        filterOf({ ip: query.ip, pod: query.pod, since: query.since, until: query.until }),
        100_000,
      );
      return `${holdersTable(holders, HISTORY_COLUMNS)}\n${basisLine(basis)}\n`;
    }
    throw new LedgerError("INVALID_REQUEST", "command must be who or history", { key: "command" });
  });

  let run:
    | {
        state: "running" | "done" | "failed";
        read: number;
        total: number;
        startedAt: string;
        report?: VerifyReport;
        error?: string;
      }
    | undefined;

  app.get("/api/integrity", async () => {
    const basis = await data.basis();
    const checkpoints = await data.events({ types: ["CheckpointSigned"] }, 100_000);
    const last: EventView | undefined = checkpoints.events[checkpoints.events.length - 1];
    return {
      basis,
      events: Object.values(basis).reduce((sum, next) => sum + next, 0),
      checkpoints: checkpoints.events.length,
      lastCheckpoint: last
        ? {
            at: last.at,
            actor: last.actor,
            keyId: last.data.keyId ?? null,
            partition: last.data.partition ?? null,
            offset: last.data.offset ?? null,
          }
        : null,
      verify: run ?? null,
      canVerify: data.kind === "local",
    };
  });

  app.post("/api/verify", async () => {
    if (run?.state === "running") return run;
    const total = Object.values(await data.basis()).reduce((sum, next) => sum + next, 0);
    const current: NonNullable<typeof run> = { state: "running", read: 0, total, startedAt: new Date().toISOString() };
    run = current;
    data
      .verify((read) => (current.read = read))
      .then(
        (report) => Object.assign(current, { state: "done", report }),
        (error: Error) => Object.assign(current, { state: "failed", error: error.message }),
      );
    return current;
  });

  app.get("/api/verify", async () => run ?? { state: "idle" });
}
