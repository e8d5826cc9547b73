import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { formatAddress, parseAddress } from "../../ledger/core/index.js";
import { openSqliteProjection } from "../../projections/sqlite/sqliteProjection.js";
import { attributeStream } from "../../src/audit/attributeStream.js";
import { csvFields } from "../../src/audit/csvLine.js";
import { openProjectionSnapshot } from "../../src/readModel/projectionSnapshot.js";
import { parseInstant } from "../../src/time.js";
import { formatRate, median } from "./benchStats.js";
import { seededRandom as seeded } from "../support/seededRandom.js";

/**
 * The auditor's figures: `who --at` latency over a projection of BENCH_TENANCIES (default 10
 * million) tenancies, and `attribute` throughput over BENCH_ATTRIBUTE_LINES (default 1 million)
 * firewall log lines next to reading and parsing the same file alone.
 *
 * The projection is generated directly: rows are bulk-inserted into a temporary projection file
 * made by the real migrations (folding 10 million tenancies through the agent would take hours
 * and measure the fold, not the query). It is a benchmark of the query path: the same
 * `createQueries` and attribution resolver the CLI and the API use, in this process, without a
 * CLI start-up per lookup. The indexes are dropped for the load; the two the lookups are prepared
 * against (`tenancies_at`, `tenancies_by_start`) are rebuilt after it, the filter indexes of
 * history and export are not (a lookup never reads them). The events
 * table stays empty, so the joins that add actors to an answer find nothing to read: in a real
 * projection they cost two more primary-key seeks per holder.
 */

const YEAR_START = Date.parse("2026-01-01T00:00:00Z");
const DAY = 86_400_000;
const ADDRESSES = 65_536; // 10.128.0.0/16
const FIRST = (parseAddress("10.128.0.0") as { value: bigint }).value;

const LOOKUP_INDEXES = ["tenancies_at", "tenancies_by_start"];

const ipOf = (index: number): string => formatAddress({ family: 4, value: FIRST + BigInt(index) });

/**
 * Fills a projection with `count` tenancies over a /16 and a year: each address is held by one
 * pod after another, with gaps, the way a busy pool churns, each address at its own phase. The
 * rows are made inside SQLite (one INSERT … SELECT over a counter, pseudo-random numbers from a
 * multiplicative hash of the row number, so every run builds the same data), in time order.
 */
function generateProjection(path: string, count: number): { seconds: number; inserted: number } {
  openSqliteProjection(path).close(); // the real schema, migrations 0001 and 0002
  const db = new Database(path);
  const started = process.hrtime.bigint();
  let inserted = 0;
  try {
    db.pragma("journal_mode = OFF");
    db.pragma("synchronous = OFF");
    db.pragma("cache_size = -262144");
    db.pragma("temp_store = MEMORY");
    const indexes = db
      .prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tenancies' AND sql IS NOT NULL",
      )
      .all() as { name: string; sql: string }[];
    for (const { name } of indexes) db.exec(`DROP INDEX ${name}`);
    const rounds = Math.ceil(count / ADDRESSES);
    const span = (365 * DAY) / rounds;
    db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < @count - 1),
       r AS (SELECT i, i % 65536 AS a, i / 65536 AS round,
               ((i * 2654435761 + 12345) % 4294967296) / 4294967296.0 AS r1,
               ((i * 2246822519 + 6789) % 4294967296) / 4294967296.0 AS r2 FROM n),
       t AS (SELECT i, a, round, r2, CAST(@yearStart + (round + ((a * 2654435769) % 4294967296) / 4294967296.0 + r1 * 0.2) * @span AS INTEGER) AS start FROM r),
       u AS (SELECT *, CASE WHEN round = @rounds - 1 AND r2 < 0.5 THEN NULL ELSE start + CAST(@span * (0.3 + 0.5 * r2) AS INTEGER) END AS stop FROM t)
       INSERT INTO tenancies (domain, pool, ip, ip_blob, family, container_id, if_name, pod_namespace, pod_name, pod_uid, node, requested,
         from_partition, from_offset, from_at, from_ms, to_partition, to_offset, to_at, to_ms, end_reason)
       SELECT '', '10.128.0.0-16', '10.128.' || (a / 256) || '.' || (a % 256), unhex('00000000000000000000ffff' || printf('%08x', @first + a)), 4,
         printf('c%012x', i), 'net1', 'shop', 'app-' || round || '-' || a, 'uid-' || i, 'node-' || (a % 50), 0,
         0, 2 * i, strftime('%Y-%m-%dT%H:%M:%fZ', start / 1000.0, 'unixepoch'), start,
         CASE WHEN stop IS NULL THEN NULL ELSE 0 END, CASE WHEN stop IS NULL THEN NULL ELSE 2 * i + 1 END,
         CASE WHEN stop IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%fZ', stop / 1000.0, 'unixepoch') END, stop,
         CASE WHEN stop IS NULL THEN NULL ELSE 'cni-del' END
       FROM u`,
    ).run({ count, yearStart: YEAR_START, span, rounds, first: Number(FIRST) });
    inserted = Number(process.hrtime.bigint() - started) / 1e9;
    // Rebuilt after the load (much faster than row by row): the indexes the audit queries are
    // prepared against. The filter indexes (pod, node, container, …) take no part in a lookup.
    for (const { name, sql } of indexes) if (LOOKUP_INDEXES.includes(name)) db.exec(sql);
  } finally {
    db.close();
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, inserted };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** `who <ip> --at T` latencies in ms for random probes (10% outside the pool), after a warm-up. */
function whoLatencies(path: string, probes: number): { p50: number; p99: number; max: number; held: number } {
  const snapshot = openProjectionSnapshot(path);
  try {
    const random = seeded(11);
    const probe = () => {
      const ip =
        random() < 0.9
          ? ipOf(Math.floor(random() * ADDRESSES))
          : `10.129.${Math.floor(random() * 256)}.${Math.floor(random() * 256)}`;
      return { ip, at: YEAR_START + Math.floor(random() * 365 * DAY) };
    };
    for (let index = 0; index < 1_000; index += 1) {
      const { ip, at } = probe();
      snapshot.queries.holdersAt(ip, at);
    }
    const times: number[] = [];
    let held = 0;
    for (let index = 0; index < probes; index += 1) {
      const { ip, at } = probe();
      const started = process.hrtime.bigint();
      const holders = snapshot.queries.holdersAt(ip, at);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (holders.length > 0) held += 1;
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99), max: times[times.length - 1] as number, held };
  } finally {
    snapshot.close();
  }
}

/** A day of firewall log: time-ordered lines `time,src,dst,port`, sources from the /16 (5% from elsewhere). */
function writeFirewallLog(path: string, lines: number): void {
  const random = seeded(13);
  const day = YEAR_START + 200 * DAY;
  const out: string[] = [];
  let text = "";
  for (let index = 0; index < lines; index += 1) {
    const at = new Date(day + Math.floor((index / lines) * DAY)).toISOString();
    const src = random() < 0.95 ? ipOf(Math.floor(random() * ADDRESSES)) : `192.0.2.${Math.floor(random() * 256)}`;
    text += `${at},${src},10.0.0.5,5432\n`;
    if (text.length > 1 << 20) {
      out.push(text);
      text = "";
    }
  }
  out.push(text);
  writeFileSync(path, out.join(""));
}

/** Lines per second to read the file and parse each line's address and time, doing nothing else. */
async function readAndParseRate(path: string): Promise<number> {
  const started = process.hrtime.bigint();
  let count = 0;
  let rest = "";
  let lastText = "";
  for await (const chunk of createReadStream(path, {
    encoding: "utf8",
    highWaterMark: 1 << 20,
  }) as AsyncIterable<string>) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const line of lines) {
      const fields = csvFields(line);
      const time = fields[0] as string;
      if (time !== lastText) {
        parseInstant(time, "time");
        lastText = time;
      }
      parseAddress(fields[1] as string);
      count += 1;
    }
  }
  return count / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Lines per second through `attribute` (the same stream the CLI runs), output written to /dev/null. */
async function attributeRate(
  projectionPath: string,
  logPath: string,
): Promise<{ rate: number; held: number; cached: number }> {
  const snapshot = openProjectionSnapshot(projectionPath);
  const resolver = snapshot.queries.attributionResolver();
  const out = createWriteStream("/dev/null");
  try {
    const started = process.hrtime.bigint();
    const stats = await attributeStream(
      createReadStream(logPath, { encoding: "utf8", highWaterMark: 1 << 20 }),
      out,
      async (probes) => probes.map((probe) => resolver.resolve(probe.ip, probe.atMs)),
      {
        format: "csv",
        ipColumn: "2",
        timeColumn: "1",
      },
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { rate: stats.lines / seconds, held: stats.attributed, cached: resolver.size() };
  } finally {
    await new Promise<void>((resolve) => out.end(resolve));
    snapshot.close();
  }
}

/** Prints the audit figures through `report`; `runs` repetitions of the throughput measures. */
export async function reportAuditBenchmarks(runs: number, report: (line: string) => void): Promise<void> {
  const tenancies = Number(process.env.BENCH_TENANCIES ?? 10_000_000);
  const lines = Number(process.env.BENCH_ATTRIBUTE_LINES ?? 1_000_000);
  const dir = mkdtempSync(join(tmpdir(), "ipledger-bench-audit-"));
  try {
    const projection = join(dir, "projection.db");
    const built = generateProjection(projection, tenancies);
    report(
      `audit     generated projection: ${tenancies.toLocaleString("en-US")} tenancies over a /16 and a year, bulk-inserted (${built.inserted.toFixed(0)} s, then ${(built.seconds - built.inserted).toFixed(0)} s of indexes; ${(statSync(projection).size / 1e9).toFixed(2)} GB)`,
    );
    const who = whoLatencies(projection, 10_000);
    report(
      `audit     who <ip> --at T, 10,000 random probes (${who.held} held)             p50 ${who.p50.toFixed(3)} ms  p99 ${who.p99.toFixed(3)} ms  max ${who.max.toFixed(2)} ms  (target p99 ≤ 5 ms)`,
    );

    const firewall = join(dir, "firewall.csv");
    writeFirewallLog(firewall, lines);
    const parse: number[] = [];
    const attribute: number[] = [];
    let last = { held: 0, cached: 0 };
    for (let run = 0; run < runs; run += 1) {
      parse.push(await readAndParseRate(firewall));
      const measured = await attributeRate(projection, firewall);
      attribute.push(measured.rate);
      last = measured;
    }
    const base = median(parse);
    const rate = median(attribute);
    report(
      `baseline  read + parse ${lines.toLocaleString("en-US")} firewall log lines (address and time)   ${formatRate(base)} lines/s`,
    );
    report(
      `audit     attribute ${lines.toLocaleString("en-US")} lines (${last.held.toLocaleString("en-US")} held, ${last.cached.toLocaleString("en-US")} addresses cached)       ${formatRate(rate)} lines/s  (${(rate / base).toFixed(2)}× read + parse; target ≥ 100,000 lines/s)`,
    );
  } finally {
    if (process.env.BENCH_KEEP) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/test/bench/auditBench.js` runs these figures alone.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  reportAuditBenchmarks(Number(process.env.BENCH_RUNS ?? 3), (line) => process.stdout.write(`${line}\n`)).catch(
    (error: unknown) => {
      process.stderr.write(`audit bench failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
