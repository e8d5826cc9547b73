import { rmSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { createProjectionRunner, type ProjectionRunner } from "../../../projections/runner.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { expectLedgerSound } from "../../support/agent/agentCalls.js";
import { freshDir } from "../../support/agent/agentFiles.js";
import { eventually } from "../../support/agent/eventually.js";
import { allocations, poolDefined } from "./log/logFixtures.js";

// Issue 11, defect 2: a projection write that throws (not a busy lock: a real SQLite failure,
// raised by a trigger another connection installs, as a full disk or an I/O error would) must
// not stop the fold for good. Real SQLite log and projection files.

let dir: string;
let runner: ProjectionRunner | undefined;

beforeEach(() => {
  dir = freshDir("ipledger-refold-");
});

afterEach(async () => {
  await runner?.stop();
  runner = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** Makes every checkpoint write of the projection fail until `heal()` drops the trigger. */
function breakProjectionWrites(path: string): { heal: () => void } {
  const db = new Database(path);
  db.exec(
    "CREATE TRIGGER refuse_checkpoint BEFORE INSERT ON checkpoints BEGIN SELECT RAISE(ABORT, 'simulated write failure'); END",
  );
  return {
    heal: () => {
      db.exec("DROP TRIGGER refuse_checkpoint");
      db.close();
    },
  };
}

function open() {
  const log = openSqliteEventLog({ path: join(dir, "ledger.db"), pollIntervalMs: 50 });
  const projection = openSqliteProjection(join(dir, "projection.db"));
  return { log, projection, close: async () => (projection.close(), await log.close()) };
}

describe("the fold after a failed projection write", () => {
  it("restarts from the projection's checkpoints by itself and ends equal to a replay", async () => {
    const { log, projection, close } = open();
    const errors: unknown[] = [];
    runner = createProjectionRunner({ log, projection, onError: (error) => errors.push(error) });
    await log.append("", [poolDefined(), ...allocations("", 3)]);
    await runner.start();
    await runner.waitForCatchUp(10_000);

    // Given the projection refuses writes
    const fault = breakProjectionWrites(join(dir, "projection.db"));
    // When more events arrive, the write fails and the fold is not caught up
    await log.append("", allocations("", 3, 10));
    await eventually(
      async () => errors.length,
      (count) => count > 0,
      10_000,
      "the failed write being reported",
    );
    expect(await runner.caughtUp()).toBe(false);
    expect(() => runner?.assertServing()).toThrow(/rebuilding/);

    // Then, once writes work again, the fold catches up without being restarted by its owner
    fault.heal();
    await log.append("", allocations("", 2, 20));
    await runner.waitForCatchUp(20_000);
    expect(runner.position()).toEqual(new Map([[0, 9]]));
    await runner.stop();
    runner = undefined;
    await expectLedgerSound(log, projection);
    await close();
  });

  it("gives up (onFatal) when writes keep failing past the bound, so the process can exit non-zero", async () => {
    const { log, projection, close } = open();
    const fatal: unknown[] = [];
    runner = createProjectionRunner({
      log,
      projection,
      giveUpAfterMs: 300,
      onError: () => undefined,
      onFatal: (error) => fatal.push(error),
    });
    const fault = breakProjectionWrites(join(dir, "projection.db"));
    await log.append("", [poolDefined(), ...allocations("", 2)]);
    await runner.start();

    await expect(runner.waitForCatchUp(20_000)).rejects.toThrow(/simulated write failure/);
    expect(fatal).toHaveLength(1);
    expect(() => runner?.assertServing()).toThrow(/must be restarted/);
    const liveness = await runner.liveness();
    expect(liveness).toMatchObject({ live: false, reason: expect.stringMatching(/gave up/) });
    fault.heal();
    await runner.stop();
    runner = undefined;
    await close();
  });
});
