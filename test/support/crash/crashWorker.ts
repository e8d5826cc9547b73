/**
 * The process that `test/int/crash/crashConsistency.int.test.ts` SIGKILLs at random instants:
 * an agent without its HTTP layer, i.e. the embedded SQLite log, the SQLite projection, the
 * projection runner and the CNI service, issuing ADD, DEL and (rarely) GC as fast as it can,
 * forever. It resumes from whatever the previous, killed worker left in the data directory.
 *
 * Usage (after `npm run build`): `node dist/test/support/crash/crashWorker.js <dataDir> <seed>`
 *
 * stdout: `ready <events folded at start>` once caught up, then `requests <n>` every 100
 * requests. A failure that is not a refused request (a LedgerError) is printed to stderr and
 * ends the process with code 70, so the test can tell it from its own SIGKILL.
 */
import { join } from "node:path";
import { LedgerError } from "../../../ledger/core/index.js";
import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { createProjectionRunner } from "../../../projections/runner.js";
import { openSqliteProjection } from "../../../projections/sqlite/sqliteProjection.js";
import { createCniService } from "../../../src/cni/cniService.js";
import type { CniRequestBody } from "../../../src/cni/cniRequest.js";
import { seededRandom } from "../seededRandom.js";

const CONTAINERS = 60;
const PODS = 30;
/**
 * Many requests in flight make the tail deliver bigger batches, so the projection's write (not
 * only the log's fsync) takes a good share of the time and kills land inside it often.
 */
const CONCURRENT_LOOPS = 16;

/** The CNI request of container `index`: pods have two sandboxes each, so ADDs also adopt. */
function requestBody(
  index: number,
  networkName: string | undefined,
  extra: Record<string, unknown> = {},
): CniRequestBody {
  const ipam = { type: "ipledger", range: "10.50.0.0/24", ...(networkName ? { network_name: networkName } : {}) };
  return {
    config: { cniVersion: "1.0.0", name: "n", type: "bridge", ipam, ...extra },
    containerId: `c${index}`,
    ifName: "net1",
    netns: "/x",
    args: `IgnoreUnknown=1;K8S_POD_NAMESPACE=ns;K8S_POD_NAME=p${index % PODS}`,
  };
}

function fail(error: unknown): never {
  process.stderr.write(
    `crash worker failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(70);
}

async function main(dataDir: string, seed: number): Promise<void> {
  const random = seededRandom(seed);
  const log = openSqliteEventLog({ path: join(dataDir, "ledger.db"), pollIntervalMs: 50 });
  const projection = openSqliteProjection(join(dataDir, "projection.db"));
  const runner = createProjectionRunner({ log, projection, onError: fail });
  await runner.start();
  await runner.waitForCatchUp(30_000);
  const folded = [...runner.position().values()].reduce((sum, next) => sum + next, 0);
  process.stdout.write(`ready ${folded}\n`);

  const service = createCniService({ log, runner, node: "crash-node", random });
  let requests = 0;
  const one = async (): Promise<void> => {
    const index = Math.floor(random() * CONTAINERS);
    // A second allocation domain (another network_name) puts events in a second partition.
    const network = random() < 0.25 ? "blue" : undefined;
    const draw = random();
    if (draw < 0.02) {
      const valid = Array.from({ length: CONTAINERS }, (_, c) => c)
        .filter(() => random() < 0.8)
        .map((c) => ({ containerID: `c${c}`, ifname: "net1" }));
      await service.gc(requestBody(index, network, { "cni.dev/valid-attachments": valid }));
    } else if (draw < 0.6) {
      await service.add(requestBody(index, network));
    } else {
      await service.del(requestBody(index, network));
    }
  };
  const loop = async (): Promise<never> => {
    for (;;) {
      try {
        await one();
      } catch (error) {
        if (!(error instanceof LedgerError)) fail(error);
      }
      requests += 1;
      if (requests % 100 === 0) process.stdout.write(`requests ${requests}\n`);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENT_LOOPS }, loop));
}

const [dataDir, seedText] = process.argv.slice(2);
if (dataDir === undefined) fail(new Error("usage: crashWorker.js <dataDir> <seed>"));
main(dataDir, Number(seedText ?? "1")).catch(fail);
