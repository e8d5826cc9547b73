import { openSqliteEventLog } from "../../../ledger/log/sqliteEventLog.js";
import { openSnapshotStore } from "../../../src/snapshots/snapshotStore.js";
import { foldLog } from "./foldLog.js";

/**
 * Child process of the kill -9 test: folds the log at argv[2] to a cut, then writes snapshots of
 * the same state into argv[3] over and over until it is killed. Prints "writing" once it starts.
 */
const [logPath, dir] = process.argv.slice(2) as [string, string];
const log = openSqliteEventLog({ path: logPath });
const { state, heads } = await foldLog(log, (end) => Math.floor(end / 2));
const store = openSnapshotStore(dir);
process.stdout.write("writing\n");
for (;;) {
  store.write(state, heads);
  await new Promise((resolve) => setImmediate(resolve));
}
