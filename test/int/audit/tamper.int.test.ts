import { chmodSync, cpSync, rmSync } from "node:fs";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { verifySignedCheckpoints } from "../../../src/audit/signedCheckpoints.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { verifyLedger, type VerifyReport } from "../../../projections/verifyLedger.js";
import { LOG_FILE, PROJECTION_FILE, startAgent } from "../../../src/agent.js";
import { startCheckpointSigner, type CheckpointSigner } from "../../../src/audit/checkpointSigner.js";
import { loadPublicKey, loadSigningKey } from "../../../src/audit/signingKeys.js";
import { addOk, cni, httpJson } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { cniBody } from "../../support/agent/cniBodies.js";
import { startTestAgent, readAll, type TestAgent } from "../../support/agent/testAgent.js";
import { ipledgerHere } from "../../support/cli/inProcessCli.js";
import { bodyAt, copyLog, rechain, setBody, tamper, writeKeyPair } from "../../support/audit/logCopies.js";

let agent: TestAgent;
let scratch: string;
let keys: { privatePath: string; publicPath: string };
let signer: CheckpointSigner;
let signedAfter: number;

const ipam = { range: "10.60.0.0/24" };

async function churn(from: number, to: number): Promise<void> {
  for (let index = from; index < to; index += 1) {
    await addOk(agent.app, cniBody({ ipam, pod: { name: `p${index}` } }));
    if (index % 3 === 0) await cni(agent.app, "del", cniBody({ ipam, pod: { name: `p${index}` } }));
  }
}

beforeAll(async () => {
  agent = await startTestAgent();
  scratch = freshDir("ipledger-tamper-");
  keys = writeKeyPair(scratch);
  signer = startCheckpointSigner({
    log: agent.log,
    runner: agent.runner,
    privateKey: loadSigningKey(keys.privatePath),
    actor: { node: "node-int", component: "agent" },
    intervalMs: 3_600_000,
  });
  await churn(0, 6);
  expect(await signer.signNow()).toBe(1);
  await agent.runner.waitForCatchUp(5_000);
  expect(await signer.signNow()).toBe(0); // nothing moved since the checkpoint
  await churn(6, 12);
  expect(await signer.signNow()).toBe(1);
  await churn(12, 14);
  await agent.runner.waitForCatchUp(5_000);
  signedAfter = (await agent.logSize()) - 4; // the second checkpoint covers everything before the last churn
});
afterAll(async () => {
  await signer?.stop();
  await agent?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Verifies the log in `dir` (and its projection when present), the way `ipledger verify` does. */
async function verifyDir(dir: string): Promise<VerifyReport> {
  const log = openSqliteEventLog({ path: join(dir, LOG_FILE) });
  try {
    return await verifyLedger(log);
  } finally {
    await log.close();
  }
}

describe("tampering with a copy of the log", () => {
  it("a clean copy passes", async () => {
    const report = await verifyDir(copyLog(agent.dataDir, join(scratch, "clean")));
    expect(report).toMatchObject({ ok: true, events: await agent.logSize(), partitions: 1 });
  });

  it("an edited record: verify fails at its offset (hash-mismatch)", async () => {
    const dir = copyLog(agent.dataDir, join(scratch, "edited"));
    tamper(dir, (db) => {
      const event = bodyAt(db, 0, 7);
      setBody(db, 0, 7, { ...event, data: { ...(event.data as object), ip: "10.60.0.99" } } as typeof event);
    });
    const report = await verifyDir(dir);
    expect(report).toMatchObject({ ok: false, brokenLink: { partition: 0, offset: 7, problem: "hash-mismatch" } });
    expect(report.problem).toContain("hash chain broken in partition 0 at offset 7");
  });

  it("a deleted record: verify fails naming the missing offset (offset-gap)", async () => {
    const dir = copyLog(agent.dataDir, join(scratch, "deleted"));
    tamper(dir, (db) => db.prepare(`DELETE FROM events WHERE "partition" = 0 AND "offset" = 5`).run());
    const report = await verifyDir(dir);
    expect(report).toMatchObject({ ok: false, brokenLink: { partition: 0, offset: 5, problem: "offset-gap" } });
  });

  it("two records swapped: verify fails at the first of them (prev-mismatch)", async () => {
    const dir = copyLog(agent.dataDir, join(scratch, "reordered"));
    tamper(dir, (db) => {
      const [a, b] = [bodyAt(db, 0, 9), bodyAt(db, 0, 10)];
      setBody(db, 0, 9, b);
      setBody(db, 0, 10, a);
    });
    const report = await verifyDir(dir);
    expect(report).toMatchObject({ ok: false, brokenLink: { partition: 0, offset: 9, problem: "prev-mismatch" } });
  });

  it("ipledger verify exits 1 and names the partition and offset", async () => {
    const dir = copyLog(agent.dataDir, join(scratch, "edited-cli"));
    tamper(dir, (db) => {
      const event = bodyAt(db, 0, 3);
      setBody(db, 0, 3, { ...event, at: "2020-01-01T00:00:00.000Z" });
    });
    const run = await ipledgerHere(["verify", "--data-dir", dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("FAILED: hash chain broken in partition 0 at offset 3 (hash-mismatch)");
    const json = await ipledgerHere(["verify", "--data-dir", dir, "--output", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, brokenLink: { partition: 0, offset: 3 } });
  });

  it("ipledger verify names the projection file when only the projection was edited, and says what to do", async () => {
    const dir = join(scratch, "edited-projection");
    cpSync(agent.dataDir, dir, { recursive: true, filter: (path) => !path.endsWith(".sock") });
    const projection = new Database(join(dir, PROJECTION_FILE));
    projection
      .prepare(
        `UPDATE events SET actor = '{"node":"someone-else","component":"agent"}' WHERE partition = 0 AND "offset" = 1`,
      )
      .run();
    projection.close();
    const run = await ipledgerHere(["verify", "--data-dir", dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain("the projection differs from a replay");
    expect(run.stdout).toContain(join(dir, PROJECTION_FILE));
    expect(run.stdout).toContain("run ipledger replay");
  });

  it("a rewritten chain (every hash recomputed) passes the chain check but not the projection's recorded heads", async () => {
    const dir = copyLog(agent.dataDir, join(scratch, "rechained"));
    tamper(dir, (db) => {
      const event = bodyAt(db, 0, 4);
      setBody(db, 0, 4, { ...event, actor: { ...event.actor, node: "innocent-node" } });
      rechain(db, 0, 4);
    });
    expect(await verifyDir(dir)).toMatchObject({ ok: true });
    const log = openSqliteEventLog({ path: join(dir, LOG_FILE) });
    const projection = openSqliteProjection(join(agent.dataDir, PROJECTION_FILE), { readonly: true });
    try {
      const report = await verifyLedger(log, projection);
      expect(report.ok).toBe(false);
      expect(report.problem).toContain("the projection differs from a replay: table events row 5");
    } finally {
      projection.close();
      await log.close();
    }
  });
});

describe("signed checkpoints", () => {
  it("verify --public-key checks every checkpoint: signature and signed head", async () => {
    const events = await readAll(agent.log);
    const checkpoints = events.filter(({ event }) => event.type === "CheckpointSigned");
    expect(checkpoints).toHaveLength(2);
    expect(checkpoints[1]?.event).toMatchObject({
      actor: { node: "node-int" },
      data: { algorithm: "ed25519", partition: 0, offset: (checkpoints[1]?.offset ?? 0) - 1 },
    });
    const report = await verifySignedCheckpoints(agent.log, [loadPublicKey(keys.publicPath)]);
    expect(report).toMatchObject({
      ok: true,
      verified: 2,
      otherKeys: 0,
      covered: { "0": { offset: signedAfter - 1 } },
    });
    const run = await ipledgerHere([
      "verify",
      "--data-dir",
      copyLog(agent.dataDir, join(scratch, "signed")),
      "--public-key",
      keys.publicPath,
    ]);
    expect(run.status, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /ok: 2 signed checkpoints verified \(key [0-9a-f]{16}\): partition 0 up to offset \d+ \(signed /,
    );
  });

  it("a key that signed nothing fails: the auditor learns the checkpoints are not the ones expected", async () => {
    const other = writeKeyPair(scratch, "other");
    const report = await verifySignedCheckpoints(agent.log, [loadPublicKey(other.publicPath)]);
    expect(report).toMatchObject({ ok: false, verified: 0, otherKeys: 2 });
    expect(report.problem).toContain("no checkpoint signed by key");
  });

  it("a rewritten chain before a signed head is caught, naming the record whose hash changed", async () => {
    const dir = copyLog(agent.dataDir, join(scratch, "rechained-signed"));
    tamper(dir, (db) => {
      const event = bodyAt(db, 0, 2);
      setBody(db, 0, 2, { ...event, data: { ...(event.data as object), ip: "10.60.0.77" } } as typeof event);
      rechain(db, 0, 2);
    });
    const run = await ipledgerHere(["verify", "--data-dir", dir, "--public-key", keys.publicPath, "--output", "json"]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as {
      ok: boolean;
      problem: string;
      signedCheckpoints: { at: { partition: number; offset: number } };
    };
    expect(report.problem).toMatch(
      /^partition 0 offset \d+ hashes to [0-9a-f]{16}… but the checkpoint at partition 0 offset \d+ \(signed .*\) says [0-9a-f]{16}…: the history up to that record was rewritten after it was signed$/,
    );
    expect(report.signedCheckpoints.at.partition).toBe(0);
  });

  it("a forged checkpoint (its signed head changed, chain recomputed) does not verify", async () => {
    const dir = copyLog(agent.dataDir, join(scratch, "forged"));
    const at = (await readAll(agent.log)).find(({ event }) => event.type === "CheckpointSigned")?.offset as number;
    tamper(dir, (db) => {
      const event = bodyAt(db, 0, at);
      setBody(db, 0, at, {
        ...event,
        data: { ...(event.data as object), offset: 1, hash: bodyAt(db, 0, 1).hash },
      } as typeof event);
      rechain(db, 0, at);
    });
    const log = openSqliteEventLog({ path: join(dir, LOG_FILE) });
    try {
      const report = await verifySignedCheckpoints(log, [loadPublicKey(keys.publicPath)]);
      expect(report).toMatchObject({ ok: false, at: { partition: 0, offset: at } });
      expect(report.problem).toContain("does not verify with key");
    } finally {
      await log.close();
    }
  });

  it("the agent with --signing-key appends checkpoints by itself; a key readable by others is refused", async () => {
    const dataDir = join(scratch, "agent");
    const running = await startAgent({
      dataDir,
      socket: join(dataDir, "agent.sock"),
      node: "signer",
      quiet: true,
      signingKey: keys.privatePath,
      checkpointIntervalMs: 100,
    });
    try {
      const reply = await httpJson({ socketPath: running.socketPath }, "POST", "/v1/cni/add", {
        body: cniBody({ ipam, pod: { name: "signed" } }),
      });
      expect(reply.status).toBe(200);
      const log = openSqliteEventLog({ path: join(dataDir, LOG_FILE) });
      try {
        for (let wait = 0; !(await readAll(log)).some(({ event }) => event.type === "CheckpointSigned"); wait += 1) {
          if (wait > 100) throw new Error("no signed checkpoint after 5 s");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(await verifySignedCheckpoints(log, [loadPublicKey(keys.publicPath)])).toMatchObject({
          ok: true,
          covered: { "0": { offset: 1 } },
        });
      } finally {
        await log.close();
      }
    } finally {
      await running.close();
    }
    chmodSync(keys.privatePath, 0o644);
    try {
      await expect(
        startAgent({ dataDir, socket: join(dataDir, "agent.sock"), quiet: true, signingKey: keys.privatePath }),
      ).rejects.toThrow(/readable by group or others; chmod 600 it/);
    } finally {
      chmodSync(keys.privatePath, 0o600);
    }
  });
});
